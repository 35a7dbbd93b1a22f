/**
 * QA findings checked in jsdom through the real element: focus, accessible
 * names, attachment chips, the model picker, plain titles and snippets,
 * action rows, the rename cap and history refresh on focus.
 */
import { describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import type { KitdeskChatKitElement } from "../element";
import type { ThreadItem } from "../protocol/types";
import { assistantItem, fakeFetch, thread, userItem, type RecordedRequest } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage({ register: true });

type Handler = (request: RecordedRequest) => { json: unknown; status?: number };

function mount(handler: Handler, options: Partial<ChatKitOptions> = {}) {
  const { fetch, requests } = fakeFetch((r) => {
    if (r.type === "threads.list" && !options.history) return { json: { data: [], has_more: false } };
    return handler(r);
  });
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, ...options });
  return { el, shadow: el.shadowRoot!, requests };
}

/** The element's shadow root holds focus; its own activeElement says where. */
const focusedIn = (shadow: ShadowRoot) => shadow.activeElement;

function setValue(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = input instanceof HTMLInputElement ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")!.set!.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

const answered = (T: string, answer: string, model = "p::big"): ThreadItem[] => [
  { ...userItem("u1", T, "question"), inference_options: { model } } as ThreadItem,
  assistantItem("a1", T, answer),
];

function threadHandler(T: string, items: ThreadItem[], title: string | null = null): Handler {
  return (r) => {
    if (r.type === "threads.get_by_id") return { json: { ...thread(T, title), items: { data: items, has_more: false } } };
    if (r.type === "items.list") return { json: { data: [], has_more: false } };
    if (r.type === "threads.list") return { json: { data: [thread(T, title)], has_more: false } };
    throw new Error(`unexpected ${r.type}`);
  };
}

describe("focus", () => {
  it("puts the caret in the message box once the element is configured", async () => {
    const { shadow } = mount(() => ({ json: {} }));
    const area = await until(() => shadow.querySelector("textarea"));
    await until(() => focusedIn(shadow) === area);
  });

  it("leaves focus alone when the page already put it somewhere", async () => {
    const outside = document.createElement("input");
    document.body.appendChild(outside);
    outside.focus();
    const { shadow } = mount(() => ({ json: {} }));
    await until(() => shadow.querySelector("textarea"));
    await new Promise((r) => setTimeout(r, 50));
    expect(document.activeElement).toBe(outside);
  });
});

describe("accessible names", () => {
  it("names the message copy button and the code copy button apart", async () => {
    const T = "thr_copy";
    const { shadow } = mount(threadHandler(T, answered(T, "Here:\n\n```python\nprint('hi')\n```")), { initialThread: T });
    const code = await until(() => shadow.querySelector<HTMLButtonElement>("button[data-ck-copy]"));
    expect(code.getAttribute("aria-label")).toBe("Copy code");
    expect(code.textContent).toBe("Copy");
    const actions = shadow.querySelector(".ck-actions")!;
    expect(Array.from(actions.querySelectorAll("button")).map((b) => b.getAttribute("aria-label"))).toContain("Copy message");
  });
});

describe("actions under answers", () => {
  it("reserves in-flow room only under the latest answer; earlier ones float theirs in a small gap", async () => {
    const T = "thr_rows";
    const items: ThreadItem[] = [...answered(T, "first"), userItem("u2", T, "again"), assistantItem("a2", T, "second")];
    const { shadow } = mount(threadHandler(T, items), { initialThread: T });
    await until(() => shadow.querySelectorAll(".ck-actions").length === 2);
    const [earlier, latest] = Array.from(shadow.querySelectorAll(".ck-actions"));
    expect(earlier!.className).toContain("ck-actions-overlay");
    expect(earlier!.closest(".ck-row")!.className).toContain("ck-row-overlay-actions");
    expect(latest!.className).toContain("ck-actions-latest");
    expect(latest!.className).not.toContain("ck-actions-overlay");
  });
});

describe("attachment chips", () => {
  const attachOptions: Partial<ChatKitOptions> = { composer: { attachments: { enabled: true } } };

  it("shows the file icon, not a thumbnail, for an upload the server refused", async () => {
    const { el, shadow } = mount(
      (r) => (r.type === "attachments.create" ? { json: { error: { message: "“fake.png” is not a PNG." } }, status: 400 } : { json: {} }),
      attachOptions,
    );
    await until(() => shadow.querySelector("textarea"));
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = () => "blob:preview";
    try {
      await el.setComposerValue({ files: [new File(["not a png"], "fake.png", { type: "image/png" })] });
    } finally {
      URL.createObjectURL = createObjectURL;
    }
    const chip = await until(() => shadow.querySelector(".ck-chip-error"));
    expect(chip.querySelector("img")).toBeNull();
    expect(chip.querySelector(".ck-chip-icon svg")).not.toBeNull();
  });

  it("falls back to the file icon when the preview cannot be decoded, and never previews SVG", async () => {
    const created = { id: "att_1", name: "x", mime_type: "image/png", type: "image", preview_url: "/p" };
    const { el, shadow } = mount((r) => (r.type === "attachments.create" ? { json: created } : { json: {} }), attachOptions);
    await until(() => shadow.querySelector("textarea"));
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = () => "blob:preview";
    try {
      await el.setComposerValue({
        files: [new File(["png"], "photo.png", { type: "image/png" }), new File(["<svg/>"], "icon.svg", { type: "image/svg+xml" })],
      });
    } finally {
      URL.createObjectURL = createObjectURL;
    }
    const chips = await until(() => (shadow.querySelectorAll(".ck-chip").length === 2 ? Array.from(shadow.querySelectorAll(".ck-chip")) : null));
    const [photo, svg] = chips as [HTMLElement, HTMLElement];
    expect(svg.querySelector("img")).toBeNull();
    const img = photo.querySelector("img")!;
    img.dispatchEvent(new Event("error"));
    await until(() => photo.querySelector(".ck-chip-icon"));
    expect(photo.querySelector("img")).toBeNull();
  });
});

describe("model picker", () => {
  it("shows a reopened thread's model even when the list no longer has it", async () => {
    const T = "thr_gone";
    const { shadow } = mount(threadHandler(T, answered(T, "hi", "removed::old-model")), {
      initialThread: T,
      composer: { models: [{ id: "p::big", label: "Big", default: true }] },
    });
    const picker = await until(() =>
      shadow.querySelector<HTMLButtonElement>(".ck-model-btn")?.getAttribute("aria-label") === "Choose model: old-model"
        ? shadow.querySelector<HTMLButtonElement>(".ck-model-btn")
        : null,
    );
    expect(shadow.querySelector(".ck-header-model")!.textContent).toBe("old-model");
    picker!.click();
    const options = await until(() => (shadow.querySelectorAll("[role=menuitemradio]").length ? Array.from(shadow.querySelectorAll("[role=menuitemradio]")) : null));
    expect(options.map((o) => [o.textContent?.startsWith("old-model"), o.getAttribute("aria-checked")])).toEqual([
      [true, "true"],
      [false, "false"],
    ]);
  });
});

describe("titles and snippets", () => {
  it("shows titles without markdown markers in the header and the history", async () => {
    const T = "thr_md";
    const { shadow } = mount(threadHandler(T, answered(T, "hi"), "What Is **Kitdesk**? Give"), {
      initialThread: T,
      history: { enabled: true },
    });
    await until(() => shadow.querySelector(".ck-title")?.textContent === "What Is Kitdesk? Give");
    await until(() => shadow.querySelector(".ck-hrow-title")?.textContent === "What Is Kitdesk? Give");
  });

  it("shows search snippets as words with the match highlighted", async () => {
    const { shadow } = mount(
      (r) => {
        if (r.type === "threads.list") return { json: { data: [], has_more: false } };
        if (r.url.includes("/api/search"))
          return { json: { results: [{ thread_id: "t1", title: "Tables", snippet: "a <mark>table</mark>: | a | b | |---|---| ```python x" }] } };
        throw new Error(`unexpected ${r.url}`);
      },
      { history: { enabled: true } },
    );
    const search = await until(() => shadow.querySelector<HTMLInputElement>("input[type=search]"));
    setValue(search, "table");
    const snippet = await until(() => shadow.querySelector(".ck-hrow-snippet"));
    expect(snippet.textContent).toBe("a table: a b x");
    expect(snippet.querySelector("mark")!.textContent).toBe("table");
  });
});

describe("rename", () => {
  it("caps the title field at 120 characters", async () => {
    const T = "thr_rename";
    const { shadow } = mount(threadHandler(T, answered(T, "hi"), "Short"), { initialThread: T, history: { enabled: true } });
    const button = await until(() => shadow.querySelector<HTMLButtonElement>(".ck-title-btn"));
    button.click();
    const input = await until(() => shadow.querySelector<HTMLInputElement>(".ck-title-input"));
    expect(input.maxLength).toBe(120);
    const rowRename = shadow.querySelector<HTMLButtonElement>(".ck-hrow-actions button")!;
    rowRename.click();
    const rowInput = await until(() => shadow.querySelector<HTMLInputElement>(".ck-hrow-edit input"));
    expect(rowInput.maxLength).toBe(120);
  });
});

describe("history refresh", () => {
  it("fetches the first page again when the window regains focus", async () => {
    let titles = ["Old chat"];
    const { shadow, requests } = mount(
      (r) => {
        if (r.type === "threads.list") return { json: { data: titles.map((title, i) => thread(`t${i}`, title)), has_more: false } };
        throw new Error(`unexpected ${r.type}`);
      },
      { history: { enabled: true } },
    );
    await until(() => shadow.querySelector(".ck-hrow-title")?.textContent === "Old chat");
    const lists = () => requests.filter((r) => r.type === "threads.list").length;
    const before = lists();
    titles = ["Started in another tab", "Old chat"];
    // (React attaches the listeners in an effect just after the first render.)
    await new Promise((r) => setTimeout(r, 30));
    window.dispatchEvent(new Event("focus"));
    await until(() => shadow.querySelectorAll(".ck-hrow-title").length === 2);
    expect(Array.from(shadow.querySelectorAll(".ck-hrow-title")).map((e) => e.textContent)).toEqual(["Started in another tab", "Old chat"]);
    // Focus and visibility arriving together cost one request.
    document.dispatchEvent(new Event("visibilitychange"));
    await new Promise((r) => setTimeout(r, 30));
    expect(lists()).toBe(before + 1);
  });
});
