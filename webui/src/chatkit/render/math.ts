/**
 * Maths in markdown: a marked extension for `$…$`, `\(…\)` (inline) and
 * `$$…$$`, `\[…\]` (display), rendered by KaTeX once it has loaded.
 *
 * Dollar signs are mostly prices, so `$…$` follows Pandoc's rule: the opening
 * `$` is followed by a non-space, the closing `$` is preceded by a non-space
 * and not followed by a digit, and the maths stays within its paragraph and
 * holds no backtick. "$5 and $10" and "costs $3.50" stay text; `\$` is a
 * dollar; code spans and blocks are lexed before any of this reaches them.
 *
 * KaTeX runs with `trust: false` (no \href, \url, \htmlClass…), never throws
 * (bad input shows its source in red) and with size and macro-expansion
 * limits. While KaTeX is loading, or while a block is still streaming, maths
 * shows as its source (`ck-math-source`) and renders once, when ready.
 */
import type { MarkedExtension, Tokens } from "marked";
import { escapeHtml } from "./sanitize";
import { lazyModule } from "./lazy";

export interface MathToken extends Tokens.Generic {
  type: "math";
  raw: string;
  tex: string;
  display: boolean;
}

/** How a Marked instance shows maths: rendered by KaTeX, or as its source. */
export type MathMode = "render" | "source";

const BLOCK_DOLLARS = /^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/;
const BLOCK_BRACKETS = /^ {0,3}\\\[([\s\S]+?)\\\][ \t]*(?:\n+|$)/;
const INLINE_DISPLAY_DOLLARS = /^\$\$(?!\$)([\s\S]+?)\$\$/;
const INLINE_DISPLAY_BRACKETS = /^\\\[([\s\S]+?)\\\]/;
const INLINE_PARENS = /^\\\(([\s\S]+?)\\\)/;

/** KaTeX options: no trusted commands, no throwing, bounded work. */
export const KATEX_OPTIONS = {
  throwOnError: false,
  trust: false,
  strict: "ignore",
  maxSize: 20,
  maxExpand: 200,
  output: "htmlAndMathml",
} as const;

/**
 * Length of a `$…$` span at the start of `src` (Pandoc's rule), or 0.
 * `before` is the character just before the opening dollar.
 */
export function inlineDollarLength(src: string, before = ""): number {
  if (src[0] !== "$" || src[1] === "$") return 0;
  if (before === "\\" || /[\p{L}\p{N}]/u.test(before)) return 0;
  const first = src[1];
  if (first === undefined || /\s/.test(first)) return 0;
  for (let i = 1; i < src.length; i += 1) {
    const ch = src[i];
    if (ch === "\\") {
      i += 1;
      continue;
    }
    if (ch === "`") return 0;
    if (ch === "\n" && /^\n[ \t]*\n/.test(src.slice(i))) return 0; // a blank line ends the paragraph
    if (ch !== "$") continue;
    const prev = src[i - 1] ?? "";
    const next = src[i + 1] ?? "";
    if (/\s/.test(prev) || /\d/.test(next) || next === "$") return 0;
    return i + 1;
  }
  return 0;
}

function nextCandidate(src: string): number | undefined {
  const match = /\$|\\[([]/.exec(src);
  return match ? match.index : undefined;
}

function mathToken(raw: string, tex: string, display: boolean): MathToken {
  return { type: "math", raw, tex: tex.trim(), display };
}

/** Renders one formula as HTML (KaTeX's, or its escaped source). */
export function renderTex(tex: string, display: boolean, mode: MathMode): string {
  const katex = mode === "render" ? lazyModule("katex") : undefined;
  if (!katex) {
    const source = escapeHtml(display ? `$$${tex}$$` : `$${tex}$`);
    return display
      ? `<div class="ck-math-display ck-math-source">${source}</div>`
      : `<span class="ck-math-source">${source}</span>`;
  }
  const html = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display });
  return display ? `<div class="ck-math-display">${html}</div>` : html;
}

export function mathExtension(mode: MathMode): MarkedExtension {
  return {
    extensions: [
      {
        name: "math",
        level: "block",
        start: (src) => {
          const match = /^ {0,3}(?:\$\$|\\\[)/m.exec(src);
          return match ? match.index : undefined;
        },
        tokenizer(src) {
          const match = BLOCK_DOLLARS.exec(src) ?? BLOCK_BRACKETS.exec(src);
          if (!match) return undefined;
          return mathToken(match[0], match[1] ?? "", true);
        },
        renderer: (token) => renderTex((token as MathToken).tex, true, mode),
      },
      {
        name: "math",
        level: "inline",
        start: nextCandidate,
        tokenizer(src, tokens) {
          let match = INLINE_DISPLAY_DOLLARS.exec(src) ?? INLINE_DISPLAY_BRACKETS.exec(src);
          if (match) return mathToken(match[0], match[1] ?? "", true);
          match = INLINE_PARENS.exec(src);
          if (match) return mathToken(match[0], match[1] ?? "", false);
          // The character before this position: the end of the previous inline token.
          const before = tokens.at(-1)?.raw.slice(-1) ?? "";
          const length = inlineDollarLength(src, before);
          if (!length) return undefined;
          return mathToken(src.slice(0, length), src.slice(1, length - 1), false);
        },
        renderer: (token) => renderTex((token as MathToken).tex, (token as MathToken).display, mode),
      },
    ],
  };
}

/** Whether `text` may hold maths (a cheap test before any lexing). */
export function mayHoldMath(text: string): boolean {
  return /\$|\\[([]/.test(text);
}
