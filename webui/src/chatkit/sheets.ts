/**
 * The element's styles live in constructable stylesheets adopted by each
 * shadow root (allowed by a CSP without 'unsafe-inline'). Styles that arrive
 * later with an on-demand module (KaTeX's) are added to every root here.
 */
const roots = new Set<ShadowRoot>();
const sheets: CSSStyleSheet[] = [];

/** Adopts every registered sheet in `root`, now and as more arrive. */
export function adoptSheets(root: ShadowRoot, base: CSSStyleSheet): void {
  roots.add(root);
  root.adoptedStyleSheets = [base, ...sheets];
}

/** Adds `sheet` to every element root (and to roots created later). */
export function addSheet(sheet: CSSStyleSheet): void {
  if (sheets.includes(sheet)) return;
  sheets.push(sheet);
  for (const root of roots) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
