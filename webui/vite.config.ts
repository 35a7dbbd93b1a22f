import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The build lands inside the Python package so it ships in the wheel and the
// PyInstaller bundle. Relative asset URLs keep it servable from any origin.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    outDir: "../desktop/kitdesk/webui_dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
