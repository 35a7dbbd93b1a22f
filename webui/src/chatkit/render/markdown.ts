/**
 * Markdown -> sanitized HTML, block by block.
 *
 * A streaming answer is re-lexed on each animation frame (cheap), but only
 * blocks whose source changed are rendered, highlighted and sanitized again:
 * finished blocks come from a cache keyed by their raw source. Raw HTML in
 * model output is shown as text, never interpreted, and the result still goes
 * through DOMPurify as a second fence.
 */
import { Marked, Renderer, type Token, type Tokens, type TokensList } from "marked";
import { highlightCode } from "./highlight";
import { renderedWith } from "./lazy";
import { mathExtension, mayHoldMath } from "./math";
import { escapeHtml, sanitizeHtml, type SanitizeContext } from "./sanitize";
import { BoundedCache } from "./boundedCache";

export interface MarkdownLabels {
  /** The code copy button's accessible name ("Copy code"). */
  copyCode: string;
  /** Its visible text, when shorter than the name ("Copy"). */
  copyCodeText?: string;
  codeLanguageFallback: string;
  /** The code/diagram and code/preview toggles ("Code", "Diagram", "Preview", their group). */
  viewCode?: string;
  viewDiagram?: string;
  viewPreview?: string;
  viewGroup?: string;
}

export interface RenderedBlock {
  key: string;
  html: string;
}

const LANG_NAME = /^[\w+#.-]{1,32}$/;

/** A growing code block longer than this is highlighted once it is complete. */
const LIVE_HIGHLIGHT_LIMIT = 4000;

/**
 * How much a Marked instance renders: `full` for finished blocks; `live` for
 * the block still streaming (maths as source, diagrams and previews as plain
 * code, drawn once the block is complete); `plain` also skips highlighting.
 */
type Mode = "full" | "live" | "plain";

function viewToggle(labels: MarkdownLabels, other: "diagram" | "preview", shown: "code" | "diagram"): string {
  const otherLabel = other === "diagram" ? (labels.viewDiagram ?? "Diagram") : (labels.viewPreview ?? "Preview");
  const button = (view: string, label: string, pressed: boolean): string =>
    `<button type="button" class="ck-view" data-ck-view="${view}" aria-pressed="${pressed}">${escapeHtml(label)}</button>`;
  return (
    `<span class="ck-view-toggle" role="group" aria-label="${escapeHtml(labels.viewGroup ?? "View")}">` +
    button("code", labels.viewCode ?? "Code", shown === "code") +
    button(other, otherLabel, shown !== "code") +
    `</span>`
  );
}

function createMarked(labels: MarkdownLabels, mode: Mode = "full"): Marked {
  const renderer = new Renderer();
  renderer.html = ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text);
  renderer.code = ({ text, lang }: Tokens.Code) => {
    const name = (lang ?? "").trim().split(/\s+/)[0] ?? "";
    const safeLang = LANG_NAME.test(name) ? name.toLowerCase() : "";
    const code = text.replace(/\n$/, "");
    const body = mode !== "plain" ? highlightCode(code, safeLang) : escapeHtml(code);
    const label = escapeHtml(safeLang || labels.codeLanguageFallback);
    const langClass = safeLang ? ` language-${escapeHtml(safeLang)}` : "";
    const copy =
      `<button type="button" class="ck-copy" data-ck-copy="" aria-label="${escapeHtml(labels.copyCode)}">` +
      `${escapeHtml(labels.copyCodeText ?? labels.copyCode)}</button>`;
    const pre = `<pre><code class="hljs${langClass}">${body}</code></pre>`;
    if (mode === "full" && safeLang === "mermaid") {
      // Drawn by the Markdown component once mermaid has loaded; the code shows until then.
      return (
        `<div class="ck-code ck-diagram" data-ck-diagram=""><div class="ck-code-head"><span class="ck-code-lang">${label}</span>` +
        `${viewToggle(labels, "diagram", "code")}${copy}</div>` +
        `<div class="ck-diagram-view" data-ck-diagram-view="" hidden=""></div>${pre}</div>`
      );
    }
    if (mode === "full" && (safeLang === "html" || safeLang === "svg")) {
      return (
        `<div class="ck-code ck-previewable" data-ck-preview="${safeLang}"><div class="ck-code-head"><span class="ck-code-lang">${label}</span>` +
        `${viewToggle(labels, "preview", "code")}${copy}</div>${pre}</div>`
      );
    }
    return `<div class="ck-code"><div class="ck-code-head"><span class="ck-code-lang">${label}</span>${copy}</div>${pre}</div>`;
  };
  renderer.table = function (token: Tokens.Table) {
    // Wide tables scroll inside their own box instead of widening the column.
    return `<div class="ck-table">${Renderer.prototype.table.call(this, token)}</div>`;
  };
  const marked = new Marked({ gfm: true, breaks: false, renderer });
  marked.use(mathExtension(mode === "full" ? "render" : "source"));
  return marked;
}

/** A streaming block that renders differently once complete (maths, diagrams, previews). */
function finishesDifferently(token: Token): boolean {
  if (token.type === "code") return /^(?:mermaid|html|svg)\b/i.test((token as Tokens.Code).lang ?? "");
  return mayHoldMath(token.raw);
}

export class IncrementalMarkdown {
  private readonly marked: Marked;
  private readonly liveMarked: Marked;
  private readonly plainMarked: Marked;
  private cache = new Map<string, string>();
  private nextCache = new Map<string, string>();
  private renderedWith = renderedWith();

  constructor(labels: MarkdownLabels, private readonly ctx: SanitizeContext = {}) {
    this.marked = createMarked(labels);
    this.liveMarked = createMarked(labels, "live");
    this.plainMarked = createMarked(labels, "plain");
  }

  private renderToken(token: Token, links: TokensList["links"], marked: Marked = this.marked): string {
    const list = [token] as unknown as TokensList;
    list.links = links;
    return sanitizeHtml(marked.parser(list), this.ctx);
  }

  /**
   * Render `text` as a list of blocks. Calls with a growing prefix of the
   * same text reuse every block that did not change.
   */
  render(text: string, live = false): RenderedBlock[] {
    if (this.renderedWith !== renderedWith()) {
      // Blocks rendered before KaTeX or highlight.js arrived show maths as source
      // or code plain: render them again.
      this.renderedWith = renderedWith();
      this.cache.clear();
    }
    const tokens = this.marked.lexer(text);
    const links = tokens.links;
    const hasLinks = Object.keys(links).length > 0;
    const linkKey = hasLinks ? JSON.stringify(links) : "";
    const blocks: RenderedBlock[] = [];
    const last = tokens.length - 1;
    for (const [index, token] of tokens.entries()) {
      if (token.type === "space" || token.type === "def") continue;
      // While streaming, re-highlighting a long growing code block every
      // frame would cost more than a frame: show it plain until it is done.
      const growing = live && index === last;
      const plain = growing && token.type === "code" && token.text.length > LIVE_HIGHLIGHT_LIMIT;
      // Maths, diagrams and previews render once their block is complete.
      const partial = growing && !plain && finishesDifferently(token);
      const prefix = plain ? "\u0001" : partial ? "\u0003" : "";
      const key = `${prefix}${linkKey ? `${token.raw}\u0000${linkKey}` : token.raw}`;
      let html = this.cache.get(key) ?? this.nextCache.get(key);
      if (html === undefined) {
        html = this.renderToken(token, links, plain ? this.plainMarked : partial ? this.liveMarked : this.marked);
      }
      this.nextCache.set(key, html);
      // Blocks only ever grow at the end, so the position is a stable key.
      blocks.push({ key: `${blocks.length}`, html });
    }
    // Keep only what this render used: the cache never outgrows one message.
    this.cache = this.nextCache;
    this.nextCache = new Map();
    return blocks;
  }

  /** Whole-document HTML (the same blocks, joined). */
  renderHtml(text: string): string {
    return this.render(text)
      .map((block) => block.html)
      .join("");
  }

  /**
   * A finished text in one pass: one parse and one sanitizer call (DOMPurify
   * has a fixed cost per call). Same HTML as joining `render` blocks.
   */
  renderWhole(text: string): string {
    const tokens = this.marked.lexer(text);
    const kept = tokens.filter((token) => token.type !== "space" && token.type !== "def") as unknown as TokensList;
    kept.links = tokens.links;
    return sanitizeHtml(this.marked.parser(kept), this.ctx);
  }
}

/**
 * Finished messages render once: an LRU keyed by labels, allowed image
 * domains and text, so rows re-mounted by the virtual list cost nothing. It is
 * bounded by characters too: 400 long answers with highlighted code would
 * otherwise keep tens of megabytes of HTML for as long as the window is open.
 */
export const FINISHED_LIMIT = 400;
export const FINISHED_CHARS = 2_000_000;
const weighHtml = (html: string) => html.length;
let finished = new BoundedCache<string>(FINISHED_LIMIT, FINISHED_CHARS, weighHtml);
const engines = new Map<string, IncrementalMarkdown>();

/** What the finished-message cache holds (for tests): entries and characters. */
export function finishedCacheUse(): { entries: number; chars: number } {
  return { entries: finished.size, chars: finished.weight };
}

/** An empty finished-message cache with other bounds (tests use small ones to stay quick). */
export function resetFinishedCache(maxEntries = FINISHED_LIMIT, maxChars = FINISHED_CHARS): void {
  finished = new BoundedCache<string>(maxEntries, maxChars, weighHtml);
}

/**
 * One line of prose that Markdown leaves as it is: no emphasis, code, links,
 * HTML, entities, escapes, maths, tables, e-mail or web addresses, and no list,
 * heading, quote or indented-code start. The composer's disclaimer is such a
 * line: shown at once, it no longer makes the first paint set up marked and
 * DOMPurify (about 50 ms of it, measured in Chromium).
 */
export function isPlainProse(text: string): boolean {
  return (
    /^[^\n\\`*_[\]<>&#|~$:@]+$/.test(text) &&
    text.trim() !== "" &&
    !/^(?:\s{4}|\t|\s*[-+=]|\s*\d+[.)])/.test(text) &&
    !/www\./i.test(text)
  );
}

export function renderFinishedMarkdown(text: string, labels: MarkdownLabels, ctx: SanitizeContext = {}): string {
  if (isPlainProse(text)) return `<p>${escapeHtml(text)}</p>\n`;
  const ctxKey = `${renderedWith()}\u0001${labels.viewCode ?? ""}\u0001${labels.copyCode}\u0001${labels.copyCodeText ?? ""}\u0001${labels.codeLanguageFallback}\u0001${ctx.blockedImageLabel ?? ""}\u0001${(ctx.allowedImageDomains ?? []).join(",")}`;
  const key = `${ctxKey}\u0002${text}`;
  const hit = finished.get(key);
  if (hit !== undefined) return hit;
  let engine = engines.get(ctxKey);
  if (!engine) {
    engine = new IncrementalMarkdown(labels, ctx);
    engines.set(ctxKey, engine);
  }
  const html = engine.renderWhole(text);
  finished.set(key, html);
  return html;
}

/** One-shot rendering for short, finished texts (notices, widget Markdown). */
export function renderMarkdown(text: string, labels: MarkdownLabels, ctx: SanitizeContext = {}): string {
  return renderFinishedMarkdown(text, labels, ctx);
}
