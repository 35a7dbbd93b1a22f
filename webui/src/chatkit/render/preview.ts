/**
 * Preview of fenced ```html and ```svg blocks (loaded on demand).
 *
 * The code runs in an iframe that cannot reach the app, the network or the
 * cookie: `sandbox="allow-scripts"` without `allow-same-origin` gives it an
 * opaque origin (no `parent.document`, no cookie, no storage), and the
 * document's own CSP allows no requests at all (inline styles, scripts and
 * data: images only). A srcdoc frame also inherits the page's CSP, so inside
 * Kitdesk (script-src 'self') its scripts do not run either.
 */

export const PREVIEW_CSP =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

export const PREVIEW_SANDBOX = "allow-scripts";

const PREVIEW_STYLE =
  "html,body{margin:0;background:#fff;color:#111}body{padding:8px;font:14px system-ui,sans-serif}svg{max-width:100%;height:auto}";

/**
 * The whole document the preview frame shows. Parsed (inertly) and cleaned
 * of what a CSP does not govern: `<meta http-equiv>` (a refresh would load a
 * URL), `<base>` and `<link>` (DNS prefetch, preconnect), and `<noscript>`
 * (parsed differently here, without scripting, than in the frame). Our CSP meta is the
 * first element of <head>; links open nowhere (`<base target=_blank>`, and the
 * sandbox forbids popups).
 */
export function previewDocument(code: string, lang: "html" | "svg"): string {
  const doc = new DOMParser().parseFromString(
    lang === "svg" ? `<!doctype html><html><head></head><body>${code}</body></html>` : code,
    "text/html",
  );
  for (const el of Array.from(doc.querySelectorAll("meta[http-equiv], base, link, noscript"))) el.remove();
  const csp = doc.createElement("meta");
  csp.setAttribute("http-equiv", "Content-Security-Policy");
  csp.setAttribute("content", PREVIEW_CSP);
  const charset = doc.createElement("meta");
  charset.setAttribute("charset", "utf-8");
  const referrer = doc.createElement("meta");
  referrer.setAttribute("name", "referrer");
  referrer.setAttribute("content", "no-referrer");
  const base = doc.createElement("base");
  base.setAttribute("target", "_blank");
  const style = doc.createElement("style");
  style.textContent = PREVIEW_STYLE;
  doc.head.prepend(csp, charset, referrer, base, style);
  return `<!doctype html>${doc.documentElement.outerHTML}`;
}

/** A sandboxed frame showing `code`; `title` is its accessible name. */
export function createPreviewFrame(doc: Document, code: string, lang: "html" | "svg", title: string): HTMLIFrameElement {
  const frame = doc.createElement("iframe");
  frame.setAttribute("sandbox", PREVIEW_SANDBOX);
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.setAttribute("loading", "lazy");
  frame.setAttribute("title", title);
  frame.className = "ck-preview-frame";
  frame.srcdoc = previewDocument(code, lang);
  return frame;
}
