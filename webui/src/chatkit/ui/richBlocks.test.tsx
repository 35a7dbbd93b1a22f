/**
 * Mermaid and html/svg blocks in the real Markdown component: the toggles,
 * the error sentence with the code still visible, the sandboxed preview frame,
 * and nothing drawn while the block is still streaming.
 */
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { makeTranslator } from "../locale";
import { previewDocument, PREVIEW_CSP } from "../render/preview";
import type { ChatController } from "../state/controller";
import { until } from "../test/page";
import { ChatEnvContext, type ChatEnv } from "./context";
import { Markdown } from "./Markdown";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement("div");
const env: ChatEnv = { controller: {} as ChatController, t: makeTranslator("en"), host };
let unmount: () => void = () => undefined;
afterEach(() => unmount());

function mount() {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  unmount = () => {
    act(() => root.unmount());
    container.remove();
  };
  const show = (text: string, streaming = false) =>
    act(() =>
      root.render(
        <ChatEnvContext.Provider value={env}>
          <Markdown text={text} streaming={streaming} />
        </ChatEnvContext.Provider>,
      ),
    );
  return { container, show };
}

function button(root: HTMLElement, name: string): HTMLButtonElement {
  const found = Array.from(root.querySelectorAll<HTMLButtonElement>("button")).find((b) => b.textContent === name);
  if (!found) throw new Error(`no button ${name}`);
  return found;
}

const pressed = (root: HTMLElement) =>
  Array.from(root.querySelectorAll("button[aria-pressed=true]")).map((b) => b.textContent);

describe("mermaid blocks", () => {
  it("show plain code while streaming, then a Code/Diagram toggle", () => {
    const { container, show } = mount();
    const text = "Here:\n\n```mermaid\ngraph TD\n  A-->B\n```\n";
    show(text, true);
    expect(container.querySelector("[data-ck-diagram]")).toBeNull();
    expect(container.querySelector("[data-ck-view]")).toBeNull();

    show(text + "\nDone.", false);
    const block = container.querySelector<HTMLElement>("[data-ck-diagram]")!;
    expect(block).not.toBeNull();
    const group = block.querySelector("[role=group]")!;
    expect(group.getAttribute("aria-label")).toBe("Show as");
    expect(Array.from(group.querySelectorAll("button")).map((b) => b.textContent)).toEqual(["Code", "Diagram"]);
    expect(block.querySelector("pre code")?.textContent).toBe("graph TD\n  A-->B");
  });

  it("switches between code and diagram with pressed buttons", () => {
    const { container, show } = mount();
    show("```mermaid\ngraph TD\n  A-->B\n```", false);
    const block = container.querySelector<HTMLElement>("[data-ck-diagram]")!;
    act(() => button(block, "Code").click());
    expect(pressed(block)).toEqual(["Code"]);
    expect(block.querySelector("pre")!.hidden).toBe(false);
    expect(block.querySelector<HTMLElement>("[data-ck-diagram-view]")!.hidden).toBe(true);
    act(() => button(block, "Diagram").click());
    expect(pressed(block)).toEqual(["Diagram"]);
    expect(block.querySelector("pre")!.hidden).toBe(true);
    expect(block.querySelector<HTMLElement>("[data-ck-diagram-view]")!.hidden).toBe(false);
  });

  it("explains a diagram Mermaid cannot read in a sentence and keeps the code visible", async () => {
    const { container, show } = mount();
    show("```mermaid\ngraph TD\n  A--> -->\n```", false);
    const status = await until(
      () => container.querySelector<HTMLElement>(".ck-block-status.ck-block-error"),
      20_000,
    );
    expect(status.textContent).toMatch(/^This diagram could not be drawn: Parse error on line \d+\. Its code is shown below\.$/);
    expect(status.getAttribute("role")).toBe("status");
    expect(container.querySelector("pre")!.hidden).toBe(false);
    expect(container.querySelector("pre code")!.textContent).toContain("A--> -->");
    expect(button(container, "Diagram").disabled).toBe(true);
    expect(pressed(container)).toEqual(["Code"]);
  }, 30_000);
});

describe("html and svg previews", () => {
  it("open in a sandboxed frame without same-origin, with a no-network CSP", async () => {
    const { container, show } = mount();
    show('```html\n<p id="x">hello</p><script>parent.document.title = "owned"</script>\n```', false);
    const block = container.querySelector<HTMLElement>("[data-ck-preview]")!;
    expect(pressed(block)).toEqual(["Code"]);
    act(() => button(block, "Preview").click());
    const frame = await until(() => block.querySelector("iframe"));
    await until(() => block.querySelector("pre")!.hidden);
    expect(frame.getAttribute("sandbox")).toBe("allow-scripts");
    expect(frame.getAttribute("title")).toBe("Sandboxed preview of the HTML code");
    expect(frame.srcdoc).toContain(`content="${PREVIEW_CSP}"`);
    expect(pressed(block)).toEqual(["Preview"]);
    act(() => button(block, "Code").click());
    expect(frame.hidden).toBe(true);
    expect(block.querySelector("pre")!.hidden).toBe(false);
  });

  it("puts the CSP first and drops what a CSP does not govern", () => {
    const doc = new DOMParser().parseFromString(
      previewDocument(
        '<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">' +
          '<link rel="dns-prefetch" href="https://evil.example"></head><body><p>ok</p>' +
          '<noscript><p title="</noscript><meta http-equiv=refresh content=0;url=https://evil.example>"></p></noscript></body></html>',
        "html",
      ),
      "text/html",
    );
    const metas = Array.from(doc.querySelectorAll("meta[http-equiv]"));
    expect(metas.map((m) => m.getAttribute("content"))).toEqual([PREVIEW_CSP]);
    expect(doc.head.firstElementChild).toBe(metas[0]);
    expect(doc.querySelectorAll("link, noscript").length).toBe(0);
    expect(Array.from(doc.querySelectorAll("base")).map((b) => b.outerHTML)).toEqual(['<base target="_blank">']);
    expect(doc.body.textContent).toBe("ok");
  });

  it("wraps svg code in a document", () => {
    const doc = new DOMParser().parseFromString(previewDocument('<svg viewBox="0 0 10 10"><circle r="4"/></svg>', "svg"), "text/html");
    expect(doc.querySelector("body > svg circle")).not.toBeNull();
    expect(doc.querySelector("meta[http-equiv]")?.getAttribute("content")).toBe(PREVIEW_CSP);
  });
});
