/**
 * The DOM side of rich code blocks in rendered markdown: Mermaid diagrams
 * drawn into their block, and the code/diagram and code/preview toggles.
 * The markdown HTML only carries markers (`data-ck-diagram`,
 * `data-ck-preview`, `data-ck-view` buttons); the SVG and the preview frame
 * never pass through the markdown sanitizer: the diagram module sanitizes its
 * SVG itself and the preview lives in a sandboxed frame.
 */
import type { Translate } from "../locale";
import { loadModule } from "../render/lazy";

type Scheme = "light" | "dark";
type View = "code" | "diagram" | "preview";

function codeOf(container: HTMLElement): string {
  return container.querySelector("pre code")?.textContent ?? "";
}

function statusLine(container: HTMLElement): HTMLElement {
  let status = container.querySelector<HTMLElement>(":scope > .ck-block-status");
  if (!status) {
    status = container.ownerDocument.createElement("p");
    status.className = "ck-block-status";
    status.setAttribute("role", "status");
    container.querySelector(":scope > pre")?.before(status);
  }
  return status;
}

function clearStatus(container: HTMLElement): void {
  container.querySelector(":scope > .ck-block-status")?.remove();
}

/** Shows one of the block's views and marks its button pressed. */
export function showView(container: HTMLElement, view: View): void {
  container.dataset.ckShowing = view;
  const pre = container.querySelector<HTMLElement>(":scope > pre");
  if (pre) pre.hidden = view !== "code";
  const diagram = container.querySelector<HTMLElement>(":scope > [data-ck-diagram-view]");
  if (diagram) diagram.hidden = view !== "diagram";
  const frame = container.querySelector<HTMLElement>(":scope > iframe");
  if (frame) frame.hidden = view !== "preview";
  for (const button of container.querySelectorAll<HTMLButtonElement>("button[data-ck-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.ckView === view));
  }
}

function drawOne(container: HTMLElement, scheme: Scheme, t: Translate): void {
  container.dataset.ckDrawn = scheme;
  const view = container.querySelector<HTMLElement>(":scope > [data-ck-diagram-view]");
  if (!view) return;
  const status = statusLine(container);
  if (!view.shadowRoot) status.textContent = t("message.diagramDrawing");
  const diagramButton = container.querySelector<HTMLButtonElement>('button[data-ck-view="diagram"]');
  loadModule("diagram")
    .then(async (diagram) => {
      const result = await diagram.renderDiagram(codeOf(container), scheme);
      if (container.dataset.ckDrawn !== scheme) return; // redrawn for another scheme meanwhile
      if ("svg" in result) {
        diagram.showSvg(view, result.svg);
        clearStatus(container);
        if (diagramButton) diagramButton.disabled = false;
        if (!container.dataset.ckChosen) showView(container, "diagram");
      } else {
        status.textContent = t("message.diagramError", { error: result.error.replace(/[.:;,\s]+$/, "") });
        status.classList.add("ck-block-error");
        if (diagramButton) diagramButton.disabled = true;
        showView(container, "code");
      }
    })
    .catch(() => {
      status.textContent = t("message.diagramUnavailable");
      status.classList.add("ck-block-error");
      delete container.dataset.ckDrawn; // a later render may try again
    });
}

/** Draws every diagram in `root` not yet drawn for `scheme`. */
export function drawDiagrams(root: HTMLElement, scheme: Scheme, t: Translate): void {
  for (const container of root.querySelectorAll<HTMLElement>("[data-ck-diagram]")) {
    if (container.dataset.ckDrawn !== scheme) drawOne(container, scheme, t);
  }
}

/** A click on a code/diagram/preview toggle button. */
export function toggleView(button: HTMLButtonElement, scheme: Scheme, t: Translate): void {
  const container = button.closest<HTMLElement>(".ck-code");
  const view = button.dataset.ckView as View | undefined;
  if (!container || !view) return;
  container.dataset.ckChosen = "1";
  container.dataset.ckWant = view;
  if (view === "diagram" && container.dataset.ckDrawn !== scheme) drawOne(container, scheme, t);
  if (view !== "preview") {
    showView(container, view);
    return;
  }
  const lang = container.dataset.ckPreview === "svg" ? "svg" : "html";
  if (container.querySelector(":scope > iframe")) {
    showView(container, "preview");
    return;
  }
  void loadModule("preview").then((preview) => {
    if (container.querySelector(":scope > iframe")) return;
    const title = t("message.previewTitle", { lang: lang.toUpperCase() });
    const frame = preview.createPreviewFrame(container.ownerDocument, codeOf(container), lang, title);
    container.append(frame);
    if (container.dataset.ckWant === "preview") showView(container, "preview");
  });
}
