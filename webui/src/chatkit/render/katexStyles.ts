/**
 * KaTeX's stylesheet and fonts, bundled (no CDN) and loaded with KaTeX.
 * Fonts declared inside a shadow root are ignored by browsers, so the
 * @font-face rules go to the document (a constructable sheet, allowed by
 * style-src 'self') and the rest to every element's shadow root.
 */
import css from "katex/dist/katex.min.css?inline";
import { addSheet } from "../sheets";

let installed = false;

/** Splits KaTeX's CSS into its @font-face rules and the rest. */
export function splitFontFaces(text: string): { fonts: string; rest: string } {
  const fonts: string[] = [];
  const rest = text.replace(/@font-face\s*\{[^}]*\}/g, (rule) => {
    fonts.push(rule);
    return "";
  });
  return { fonts: fonts.join("\n"), rest };
}

export function installKatexStyles(): void {
  if (installed || typeof CSSStyleSheet === "undefined") return;
  installed = true;
  const { fonts, rest } = splitFontFaces(css);
  try {
    const fontSheet = new CSSStyleSheet();
    fontSheet.replaceSync(fonts);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, fontSheet];
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(rest);
    addSheet(sheet);
  } catch {
    // An engine without constructable sheets shows KaTeX unstyled but readable (MathML).
  }
}
