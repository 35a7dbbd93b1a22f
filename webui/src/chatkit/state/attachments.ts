/** Composer attachment limits from ComposerOption.attachments (size per MIME pattern, accept). */

export const DEFAULT_MAX_SIZE = 100 * 1024 * 1024;
export const DEFAULT_MAX_COUNT = 10;

function mimeMatches(pattern: string, mime: string): boolean {
  if (pattern === "*" || pattern === "" || pattern === "*/*") return true;
  if (pattern.endsWith("/*")) return mime.startsWith(pattern.slice(0, -1));
  return pattern.toLowerCase() === mime.toLowerCase();
}

export function maxSizeFor(mime: string, maxSize: number | Record<string, number> | undefined): number {
  if (typeof maxSize === "number") return maxSize;
  if (!maxSize) return DEFAULT_MAX_SIZE;
  let fallback = DEFAULT_MAX_SIZE;
  for (const [pattern, size] of Object.entries(maxSize)) {
    if (pattern === "*" || pattern === "") fallback = size;
    else if (mimeMatches(pattern, mime)) return size;
  }
  return fallback;
}

export function fileAccepted(file: { name: string; type: string }, accept: Record<string, string[]> | undefined): boolean {
  if (!accept || Object.keys(accept).length === 0) return true;
  const name = file.name.toLowerCase();
  for (const [mime, extensions] of Object.entries(accept)) {
    if (file.type && mimeMatches(mime, file.type)) return true;
    if (extensions.some((ext) => name.endsWith(ext.toLowerCase()))) return true;
  }
  return false;
}
