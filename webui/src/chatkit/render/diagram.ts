/**
 * Mermaid diagrams from fenced ```mermaid blocks (loaded on demand, its own
 * chunk). Mermaid runs at its strict security level with SVG labels, and a
 * diagram's own `%%{init}%%` directive may not change the theme, its CSS or
 * fonts. The SVG is sanitized again with DOMPurify's SVG profile before it is
 * shown, and it is shown inside its own small shadow root so the <style>
 * Mermaid puts in the SVG styles that diagram only, never the app.
 */
import DOMPurify from "dompurify";
import mermaid from "mermaid";
import { BoundedCache } from "./boundedCache";

export type Scheme = "light" | "dark";

export type DiagramResult = { svg: string } | { error: string };

/** Directives inside a diagram cannot override these configuration keys. */
const SECURE_KEYS = [
  "secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges",
  "theme", "themeCSS", "themeVariables", "fontFamily", "altFontFamily", "htmlLabels", "darkMode",
];

const MAX_SOURCE = 20_000;
const CACHE_LIMIT = 100;
// Mermaid's SVG runs to tens of kilobytes a diagram: a count alone would let
// 100 of them stay for as long as the window is open.
const CACHE_CHARS = 2_000_000;
const cache = new BoundedCache<DiagramResult>(CACHE_LIMIT, CACHE_CHARS, (result) =>
  "svg" in result ? result.svg.length : result.error.length,
);
let configured: Scheme | null = null;
let counter = 0;
// Mermaid keeps global state: one diagram at a time.
let queue: Promise<unknown> = Promise.resolve();

const purifier = DOMPurify(window);

function configure(scheme: Scheme): void {
  if (configured === scheme) return;
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    theme: scheme === "dark" ? "dark" : "default",
    darkMode: scheme === "dark",
    htmlLabels: false,
    flowchart: { htmlLabels: false },
    maxTextSize: MAX_SOURCE,
    maxEdges: 500,
    suppressErrorRendering: true,
    secure: SECURE_KEYS,
  });
  configured = scheme;
}

/** Mermaid's SVG with anything outside DOMPurify's SVG profile removed. */
export function sanitizeSvg(svg: string): string {
  return purifier.sanitize(svg, {
    USE_PROFILES: { svg: true, svgFilters: true },
    FORBID_TAGS: ["foreignObject", "script", "a", "image", "use", "animate", "set"],
    FORBID_ATTR: ["href", "xlink:href"],
    RETURN_TRUSTED_TYPE: false,
  }) as string;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split("\n").find((part) => part.trim()) ?? "";
  return line.trim().slice(0, 200);
}

async function draw(source: string, scheme: Scheme): Promise<DiagramResult> {
  if (source.length > MAX_SOURCE) return { error: `the diagram is longer than ${MAX_SOURCE} characters` };
  configure(scheme);
  counter += 1;
  const id = `ck-mermaid-${counter}`;
  try {
    await mermaid.parse(source);
    const { svg } = await mermaid.render(id, source);
    return { svg: sanitizeSvg(svg) };
  } catch (error) {
    return { error: firstLine(error) || "Mermaid could not read it" };
  } finally {
    // A failed render may leave its scratch element behind.
    document.getElementById(id)?.remove();
    document.getElementById(`d${id}`)?.remove();
  }
}

/** Draws `source` (cached by scheme and source; one render at a time). */
export function renderDiagram(source: string, scheme: Scheme): Promise<DiagramResult> {
  const key = `${scheme}\u0000${source}`;
  const hit = cache.get(key);
  if (hit) return Promise.resolve(hit);
  const result = queue.then(() => draw(source, scheme));
  queue = result.catch(() => undefined);
  return result.then((value) => {
    cache.set(key, value);
    return value;
  });
}

let hostSheet: CSSStyleSheet | null = null;

/** Puts the SVG into `view`, inside its own shadow root (Mermaid's <style> stays there). */
export function showSvg(view: HTMLElement, svg: string): void {
  const root = view.shadowRoot ?? view.attachShadow({ mode: "open" });
  if (!hostSheet) {
    hostSheet = new CSSStyleSheet();
    hostSheet.replaceSync(":host{display:block;overflow-x:auto}:host([hidden]){display:none}svg{display:block;margin:0 auto;max-width:100%;height:auto}");
  }
  root.adoptedStyleSheets = [hostSheet];
  const template = view.ownerDocument.createElement("template");
  template.innerHTML = svg;
  root.replaceChildren(template.content);
}
