import { resolve } from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

/**
 * The package demo page (element-demo/) built against the BUILT package in
 * dist-element: `@kitdesk/chatkit-element` resolves to that folder and its
 * package.json `exports`, exactly as from node_modules after `npm install`.
 */
const here = import.meta.dirname;

export default defineConfig({
  root: resolve(here, "element-demo"),
  base: "./",
  plugins: [react()],
  resolve: { alias: { "@kitdesk/chatkit-element": resolve(here, "dist-element") } },
  build: { outDir: resolve(here, "dist-element-demo"), emptyOutDir: true, target: "es2022" },
});
