/**
 * Code highlighting for the markdown renderer. highlight.js and its languages
 * load on demand (`lazy.ts`, chunk `highlightLanguages`): until they arrive a
 * code block shows as plain escaped text, and their arrival re-renders it
 * (`renderedWith()` is part of the markdown caches' keys). Unknown languages
 * stay plain.
 */
import { lazyModule } from "./lazy";
import { escapeHtml } from "./sanitize";

/** Highlight `code` in `lang` when known; returns safe HTML (spans + escaped text). */
export function highlightCode(code: string, lang: string): string {
  if (!lang) return escapeHtml(code);
  const hljs = lazyModule("highlight")?.hljs;
  if (!hljs?.getLanguage(lang)) return escapeHtml(code);
  try {
    return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(code);
  }
}
