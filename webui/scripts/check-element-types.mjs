// The package's public types must not leak `any`: every .d.ts that
// tsconfig.element.json emitted is read with comments stripped, and any `any`
// type position fails the build with the file and line.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../dist-element/types/", import.meta.url).pathname;
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".d.ts")) files.push(path);
  }
};
walk(root);
const leaks = [];
for (const file of files) {
  const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/\/\/.*$/gm, "");
  code.split("\n").forEach((line, index) => {
    if (/(:|<|,|\||=>|\()\s*any\b|\bany\s*(\[|>|,|\||;|\))/.test(line)) leaks.push(`${file.slice(root.length)}:${index + 1}: ${line.trim()}`);
  });
}
if (files.length === 0) {
  console.error("check-element-types: no .d.ts files in dist-element/types (run tsc -p tsconfig.element.json first)");
  process.exit(1);
}
if (leaks.length) {
  console.error(`check-element-types: \`any\` in the public types:\n${leaks.join("\n")}`);
  process.exit(1);
}
console.log(`check-element-types: ${files.length} declaration files, no \`any\``);
