import { defineConfig } from "vitest/config";
import type { Plugin } from "vite";
import react from "@vitejs/plugin-react";

// KaTeX's CSS lists each font as woff2, woff and ttf; every engine we run in
// (Chromium, Qt WebEngine, WebKitGTK, WebView2) reads woff2, so the other two
// (0.9 MB) are not shipped.
function katexWoff2Only(): Plugin {
  return {
    name: "katex-woff2-only",
    enforce: "pre",
    transform(code, id) {
      if (!/[\\/]katex[\\/]dist[\\/]katex(?:\.min)?\.css(?:\?|$)/.test(id)) return null;
      return code.replace(/,\s*url\([^)]*\.(?:woff|ttf)\)\s*format\("(?:woff|truetype)"\)/g, "");
    },
  };
}

// The build lands inside the Python package so it ships in the wheel and the
// PyInstaller bundle. Relative asset URLs keep it servable from any origin.
export default defineConfig({
  plugins: [react(), katexWoff2Only()],
  base: "./",
  build: {
    outDir: "../desktop/kitdesk/webui_dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      output: {
        // Everything the first paint needs (what index.html's entry imports
        // statically) in one chunk: left alone, modules shared with a lazy part
        // (api, Modal, i18n, DOMPurify...) each become a small chunk of their
        // own, a dozen requests before the first paint. The lazy parts
        // (Settings' sections, onboarding, highlight.js, KaTeX, Mermaid, the
        // other languages' catalogues) stay chunks of their own.
        codeSplitting: { groups: [{ name: "index", tags: ["$initial"] }] },
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
