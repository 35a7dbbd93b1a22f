/**
 * Model output is untrusted. Everything that becomes HTML goes through this
 * DOMPurify configuration: a small allowlist of formatting tags, no style, no
 * event handlers, no iframes/objects/forms; links only http(s) and mailto
 * (opened outside the app); images only from the app's own origin, the
 * thread's allowed image domains, or inline raster data URLs.
 *
 * KaTeX's output is the one exception, and only inside a `.katex` element:
 * its MathML, its few SVG paths (roots, arrows) and `style` attributes
 * limited to the layout properties KaTeX writes, with plain lengths and
 * colours as values (no url(), no functions, no positioning beyond relative).
 */
import DOMPurify from "dompurify";

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "button", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
  "hr", "i", "img", "input", "kbd", "li", "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
  "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
];

/** MathML and SVG elements KaTeX writes; kept only inside `.katex`. */
const KATEX_TAGS = [
  "math", "annotation", "semantics", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom",
  "mroot", "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr",
  "munder", "munderover", "svg", "path", "line",
];

const KATEX_ATTR = [
  "style", "aria-hidden", "accent", "accentunder", "columnalign", "columnlines", "columnspacing", "d",
  "display", "displaystyle", "encoding", "fence", "height", "linethickness", "lspace", "mathbackground",
  "mathcolor", "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "preserveaspectratio",
  "rowlines", "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "stroke-width", "symmetric",
  "viewbox", "voffset", "width", "x1", "x2", "y1", "y2", "xmlns",
];

const ALLOWED_ATTR = [
  "href", "title", "alt", "src", "class", "colspan", "rowspan", "align", "start", "type", "checked",
  "disabled", "data-ck-copy", "aria-label", "target", "rel", "lang",
  // Our diagram / preview toggles.
  "data-ck-view", "data-ck-diagram", "data-ck-diagram-view", "data-ck-preview", "aria-pressed", "role", "hidden",
  ...KATEX_ATTR,
];

/** CSS properties KaTeX writes in style attributes. */
const KATEX_STYLE_PROPS = new Set([
  "height", "width", "min-width", "vertical-align", "top", "bottom", "left", "margin-left", "margin-right",
  "padding-left", "border-width", "border-top-width", "border-bottom-width", "border-right-width",
  "border-style", "border-color", "color", "background-color", "position",
]);
const KATEX_STYLE_VALUE =
  /^(?:-?(?:\d+\.?\d*|\.\d+)(?:em|ex|px|pt|%)?|#[0-9a-f]{3,8}|[a-z]+|rgba?\(\s*[\d.,\s%]+\))$/i;
const KATEX_POSITIONS = new Set(["relative", "static"]);

const SAFE_LINK = /^(?:https?:|mailto:|chatkit-link:)/i;
/** ChatKit deeplinks: clicking one raises chatkit.deeplink in the page; nothing is navigated. */
export const DEEPLINK = /^chatkit-link:\/\//i;
const RASTER_DATA_URL = /^data:image\/(?:png|jpe?g|gif|webp|avif);base64,[a-z0-9+/=\s]+$/i;
const CLASS_TOKEN = /^(?:hljs[\w-]*|language-[\w+#.-]+|ck-[\w-]+|katex[\w-]*)$/;
/** Inside KaTeX output any plain class name (mord, vlist-t, reset-size6…). */
const KATEX_CLASS_TOKEN = /^[a-z][\w-]*$/i;

export interface SanitizeContext {
  /** Extra hosts images may come from (thread.allowed_image_domains). */
  allowedImageDomains?: readonly string[] | null;
  /** Shown in place of a blocked image without alt text. */
  blockedImageLabel?: string;
}

let current: SanitizeContext = {};

function baseHref(): string {
  return typeof location !== "undefined" && location.href.startsWith("http") ? location.href : "http://localhost/";
}

/** True when `src` may be shown as an <img>. */
export function isAllowedImageSource(src: string, ctx: SanitizeContext = current): boolean {
  const value = src.trim();
  if (!value) return false;
  if (RASTER_DATA_URL.test(value)) return true;
  let url: URL;
  try {
    url = new URL(value, baseHref());
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (url.origin === new URL(baseHref()).origin) return true;
  const host = url.hostname.toLowerCase();
  return (ctx.allowedImageDomains ?? []).some((domain) => {
    const d = domain.toLowerCase().replace(/^\*\./, "");
    return host === d || host.endsWith(`.${d}`);
  });
}

export function isSafeLink(href: string): boolean {
  const value = href.trim();
  if (!SAFE_LINK.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" || url.protocol === "chatkit-link:";
  } catch {
    return false;
  }
}

const purifier = DOMPurify(typeof window !== "undefined" ? window : undefined);

function insideKatex(node: Element): boolean {
  return node.parentElement?.closest(".katex, .katex-display, .katex-error") != null || /^katex(?:-error)?$/.test(node.className);
}

/** The declarations of a KaTeX style attribute that are on the allowlist. */
export function filterKatexStyle(style: string): string {
  const kept: string[] = [];
  for (const declaration of style.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const prop = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!KATEX_STYLE_PROPS.has(prop) || !KATEX_STYLE_VALUE.test(value)) continue;
    if (prop === "position" && !KATEX_POSITIONS.has(value.toLowerCase())) continue;
    kept.push(`${prop}:${value}`);
  }
  return kept.join(";");
}

purifier.addHook("uponSanitizeAttribute", (node, data) => {
  const el = node as Element;
  if (data.attrName === "class") {
    const katex = insideKatex(el);
    const kept = data.attrValue
      .split(/\s+/)
      .filter((token) => CLASS_TOKEN.test(token) || (katex && KATEX_CLASS_TOKEN.test(token)));
    data.attrValue = kept.join(" ");
    if (!kept.length) data.keepAttr = false;
  } else if (data.attrName === "style") {
    data.attrValue = insideKatex(el) ? filterKatexStyle(data.attrValue) : "";
    if (!data.attrValue) data.keepAttr = false;
  } else if (data.attrName === "role") {
    if (data.attrValue !== "group") data.keepAttr = false;
  } else if (KATEX_ATTR.includes(data.attrName)) {
    if (!insideKatex(el)) data.keepAttr = false;
  }
});

purifier.addHook("afterSanitizeAttributes", (node) => {
  const el = node as Element;
  const tag = el.tagName?.toLowerCase();
  if (tag === "a") {
    const href = el.getAttribute("href");
    if (href !== null && !isSafeLink(href)) el.removeAttribute("href");
    if (href !== null && DEEPLINK.test(href.trim()) && el.hasAttribute("href")) {
      el.removeAttribute("target");
      el.removeAttribute("rel");
    } else if (el.hasAttribute("href")) {
      el.setAttribute("target", "_blank");
      el.setAttribute("rel", "noopener noreferrer");
    } else {
      el.removeAttribute("target");
      el.removeAttribute("rel");
    }
  } else if (tag === "img") {
    const src = el.getAttribute("src") ?? "";
    if (!isAllowedImageSource(src)) {
      // Replace a foreign image by its alt text: no request leaves the app.
      const alt = el.getAttribute("alt") ?? "";
      const span = el.ownerDocument.createElement("span");
      span.className = "ck-img-blocked";
      span.textContent = `[${alt || current.blockedImageLabel || "image"}]`;
      el.replaceWith(span);
      return;
    }
    el.setAttribute("loading", "lazy");
  } else if (tag === "input") {
    // Only GFM task-list checkboxes, read-only.
    if ((el.getAttribute("type") ?? "").toLowerCase() !== "checkbox") {
      el.remove();
      return;
    }
    el.setAttribute("disabled", "");
  } else if (KATEX_TAGS.includes(tag) && !insideKatex(el)) {
    // MathML outside KaTeX output keeps its text; SVG goes.
    if (tag === "svg" || tag === "path" || tag === "line") el.remove();
    else el.replaceWith(el.ownerDocument.createTextNode(el.textContent ?? ""));
    return;
  } else if (tag === "button") {
    // Buttons exist only as our own copy-code and view controls.
    if (!el.hasAttribute("data-ck-copy") && !el.hasAttribute("data-ck-view")) {
      el.replaceWith(...Array.from(el.childNodes));
      return;
    }
    el.setAttribute("type", "button");
  } else {
    el.removeAttribute("target");
  }
});

export function sanitizeHtml(html: string, ctx: SanitizeContext = {}): string {
  current = ctx;
  try {
    return purifier.sanitize(html, {
      ALLOWED_TAGS: [...ALLOWED_TAGS, ...KATEX_TAGS],
      ALLOWED_ATTR: [...ALLOWED_ATTR, "loading"],
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOW_UNKNOWN_PROTOCOLS: false,
      // Only the URI attributes we allow; everything else must be a safe link.
      ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto|chatkit-link):|data:image\/(?:png|jpe?g|gif|webp|avif);base64,|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
      FORBID_TAGS: ["style", "script", "iframe", "object", "embed", "form", "template", "link", "meta", "base"],
      FORBID_ATTR: ["srcset", "formaction", "xlink:href", "action"],
      KEEP_CONTENT: true,
      RETURN_TRUSTED_TYPE: false,
    }) as string;
  } finally {
    current = {};
  }
}

/** Escape text for inclusion in HTML we build ourselves. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
