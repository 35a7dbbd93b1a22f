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
import { escapeHtml, sanitizeHtml, type SanitizeContext } from "./sanitize";

export interface MarkdownLabels {
  /** The code copy button's accessible name ("Copy code"). */
  copyCode: string;
  /** Its visible text, when shorter than the name ("Copy"). */
  copyCodeText?: string;
  codeLanguageFallback: string;
}

export interface RenderedBlock {
  key: string;
  html: string;
}

const LANG_NAME = /^[\w+#.-]{1,32}$/;

/** A growing code block longer than this is highlighted once it is complete. */
const LIVE_HIGHLIGHT_LIMIT = 4000;

function createMarked(labels: MarkdownLabels, highlight = true): Marked {
  const renderer = new Renderer();
  renderer.html = ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text);
  renderer.code = ({ text, lang }: Tokens.Code) => {
    const name = (lang ?? "").trim().split(/\s+/)[0] ?? "";
    const safeLang = LANG_NAME.test(name) ? name.toLowerCase() : "";
    const code = text.replace(/\n$/, "");
    const body = highlight ? highlightCode(code, safeLang) : escapeHtml(code);
    const label = escapeHtml(safeLang || labels.codeLanguageFallback);
    const langClass = safeLang ? ` language-${escapeHtml(safeLang)}` : "";
    return (
      `<div class="ck-code"><div class="ck-code-head"><span class="ck-code-lang">${label}</span>` +
      `<button type="button" class="ck-copy" data-ck-copy="" aria-label="${escapeHtml(labels.copyCode)}">` +
      `${escapeHtml(labels.copyCodeText ?? labels.copyCode)}</button></div>` +
      `<pre><code class="hljs${langClass}">${body}</code></pre></div>`
    );
  };
  renderer.table = function (token: Tokens.Table) {
    // Wide tables scroll inside their own box instead of widening the column.
    return `<div class="ck-table">${Renderer.prototype.table.call(this, token)}</div>`;
  };
  return new Marked({ gfm: true, breaks: false, renderer });
}

export class IncrementalMarkdown {
  private readonly marked: Marked;
  private readonly plainMarked: Marked;
  private cache = new Map<string, string>();
  private nextCache = new Map<string, string>();

  constructor(labels: MarkdownLabels, private readonly ctx: SanitizeContext = {}) {
    this.marked = createMarked(labels);
    this.plainMarked = createMarked(labels, false);
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
      const plain = live && index === last && token.type === "code" && token.text.length > LIVE_HIGHLIGHT_LIMIT;
      const key = `${plain ? "\u0001" : ""}${linkKey ? `${token.raw}\u0000${linkKey}` : token.raw}`;
      let html = this.cache.get(key) ?? this.nextCache.get(key);
      if (html === undefined) html = this.renderToken(token, links, plain ? this.plainMarked : this.marked);
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
 * Finished messages render once: a small LRU keyed by labels, allowed image
 * domains and text, so rows re-mounted by the virtual list cost nothing.
 */
const FINISHED_LIMIT = 400;
const finished = new Map<string, string>();
const engines = new Map<string, IncrementalMarkdown>();

export function renderFinishedMarkdown(text: string, labels: MarkdownLabels, ctx: SanitizeContext = {}): string {
  const ctxKey = `${labels.copyCode}\u0001${labels.copyCodeText ?? ""}\u0001${labels.codeLanguageFallback}\u0001${ctx.blockedImageLabel ?? ""}\u0001${(ctx.allowedImageDomains ?? []).join(",")}`;
  const key = `${ctxKey}\u0002${text}`;
  const hit = finished.get(key);
  if (hit !== undefined) {
    finished.delete(key);
    finished.set(key, hit);
    return hit;
  }
  let engine = engines.get(ctxKey);
  if (!engine) {
    engine = new IncrementalMarkdown(labels, ctx);
    engines.set(ctxKey, engine);
  }
  const html = engine.renderWhole(text);
  finished.set(key, html);
  if (finished.size > FINISHED_LIMIT) finished.delete(finished.keys().next().value as string);
  return html;
}

/** One-shot rendering for short, finished texts (notices, widget Markdown). */
export function renderMarkdown(text: string, labels: MarkdownLabels, ctx: SanitizeContext = {}): string {
  return renderFinishedMarkdown(text, labels, ctx);
}
