/**
 * Model output is untrusted. Everything that becomes HTML goes through this
 * DOMPurify configuration: a small allowlist of formatting tags, no style, no
 * event handlers, no SVG/MathML/iframes/objects/forms; links only http(s) and
 * mailto (opened outside the app); images only from the app's own origin, the
 * thread's allowed image domains, or inline raster data URLs.
 */
import DOMPurify from "dompurify";

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "button", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
  "hr", "i", "img", "input", "kbd", "li", "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
  "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
];

const ALLOWED_ATTR = [
  "href", "title", "alt", "src", "class", "colspan", "rowspan", "align", "start", "type", "checked",
  "disabled", "data-ck-copy", "aria-label", "target", "rel", "lang",
];

const SAFE_LINK = /^(?:https?:|mailto:|chatkit-link:)/i;
/** ChatKit deeplinks: clicking one raises chatkit.deeplink in the page; nothing is navigated. */
export const DEEPLINK = /^chatkit-link:\/\//i;
const RASTER_DATA_URL = /^data:image\/(?:png|jpe?g|gif|webp|avif);base64,[a-z0-9+/=\s]+$/i;
const CLASS_TOKEN = /^(?:hljs[\w-]*|language-[\w+#.-]+|ck-[\w-]+)$/;

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

purifier.addHook("uponSanitizeAttribute", (_node, data) => {
  if (data.attrName === "class") {
    const kept = data.attrValue.split(/\s+/).filter((token) => CLASS_TOKEN.test(token));
    data.attrValue = kept.join(" ");
    if (!kept.length) data.keepAttr = false;
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
  } else if (tag === "button") {
    // Buttons exist only as our own copy-code control.
    if (!el.hasAttribute("data-ck-copy")) {
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
      ALLOWED_TAGS,
      ALLOWED_ATTR: [...ALLOWED_ATTR, "loading"],
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOW_UNKNOWN_PROTOCOLS: false,
      // Only the URI attributes we allow; everything else must be a safe link.
      ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto|chatkit-link):|data:image\/(?:png|jpe?g|gif|webp|avif);base64,|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
      FORBID_TAGS: ["style", "script", "iframe", "object", "embed", "svg", "math", "form", "template", "link", "meta", "base"],
      FORBID_ATTR: ["style", "srcset", "formaction", "xlink:href", "action"],
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
