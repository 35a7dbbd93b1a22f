import { copyFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * `<openai-chatkit>` as an npm package (webui/dist-element): an ES module
 * library with React and every other dependency bundled, so any page (plain
 * HTML, React of any version, another framework) can use it. Heavy parts
 * (charts) stay in lazily loaded chunks. The types come from
 * tsconfig.element.json; package.json and README.md are copied beside them.
 */
const here = import.meta.dirname;
const out = resolve(here, "dist-element");

function packageFiles(): Plugin {
  return {
    name: "kitdesk-element-package-files",
    writeBundle() {
      for (const name of ["package.json", "README.md"]) copyFileSync(resolve(here, "src/chatkit", name), resolve(out, name));
    },
  };
}

export default defineConfig({
  plugins: [react(), packageFiles()],
  // Library builds keep process.env.NODE_ENV; React needs it replaced.
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: out,
    // The types (tsc) are written first into out/types.
    emptyOutDir: false,
    target: "es2022",
    sourcemap: false,
    copyPublicDir: false,
    minify: true,
    lib: {
      entry: { index: resolve(here, "src/chatkit/index.ts"), register: resolve(here, "src/chatkit/register.ts") },
      formats: ["es"],
    },
    rollupOptions: {
      output: { chunkFileNames: "chunks/[name]-[hash].js" },
    },
  },
});
