import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement } from "./element";
import { registerChatKitElement } from "./index";
import { answerEvents, fakeFetch, sseBytes, thread, userItem } from "./test/fixtures";
import { until, useElementPage } from "./test/page";

useElementPage();

describe("<openai-chatkit>", () => {
  it("registers once and never replaces another definition", () => {
    expect(registerChatKitElement()).toBe(true);
    expect(customElements.get("openai-chatkit")).toBe(KitdeskChatKitElement);
    expect(registerChatKitElement()).toBe(true);
  });

  it("renders into its shadow root, fires chatkit.ready and sends a start-screen prompt", async () => {
    registerChatKitElement();
    const T = "thr_el";
    const { fetch, requests } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      return {
        sse: [sseBytes([{ type: "thread.created", thread: thread(T) }, { type: "thread.item.done", item: userItem("u1", T, "Hello") }, ...answerEvents(T, "a1", ["Hi ", "**there**"])])],
      };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    const events: string[] = [];
    for (const name of ["chatkit.ready", "chatkit.response.start", "chatkit.response.end", "chatkit.thread.change"]) {
      el.addEventListener(name, () => events.push(name));
    }
    document.body.appendChild(el);
    el.setOptions({
      api: { url: "/chatkit", domainKey: "local", fetch },
      startScreen: { greeting: "Hello from the test", prompts: [{ label: "Say hi", prompt: "Hello" }] },
    });
    const shadow = el.shadowRoot!;
    await until(() => shadow.querySelector(".ck-greeting"));
    expect(shadow.querySelector(".ck-greeting")!.textContent).toBe("Hello from the test");
    await until(() => events.includes("chatkit.ready"));

    const prompt = shadow.querySelector<HTMLButtonElement>(".ck-prompt")!;
    prompt.click();
    await until(() => events.includes("chatkit.response.end"));
    const create = requests.find((r) => r.type === "threads.create")!;
    expect((create.params as { input: { content: unknown } }).input.content).toEqual([{ type: "input_text", text: "Hello" }]);
    expect(events).toEqual(["chatkit.ready", "chatkit.response.start", "chatkit.thread.change", "chatkit.response.end"]);
    expect(shadow.querySelector(".ck-title")!.textContent).toBe("Untitled chat");
    expect(shadow.querySelector(".ck-bubble")!.textContent).toBe("Hello");
    expect(shadow.querySelector(".ck-assistant strong")!.textContent).toBe("there");
    // The finished answer is announced politely for screen readers.
    expect(shadow.querySelector("[aria-live=polite]")!.textContent).toBe("Answer ready: Hi there");
  });

  it("sends on Enter, keeps Shift+Enter and IME composition from sending", async () => {
    registerChatKitElement();
    const { fetch, requests } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      return { sse: [sseBytes([{ type: "thread.created", thread: thread("thr_k") }])] };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch } });
    const area = await until(() => el.shadowRoot!.querySelector<HTMLTextAreaElement>("textarea"));
    const type = (value: string) => {
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!.call(area, value);
      area.dispatchEvent(new Event("input", { bubbles: true }));
    };
    const enter = (init: KeyboardEventInit) =>
      area.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true, ...init }));
    type("line one");
    await until(() => area.value === "line one");
    enter({ shiftKey: true });
    enter({ isComposing: true });
    area.dispatchEvent(new CompositionEvent("compositionstart", { bubbles: true }));
    enter({});
    area.dispatchEvent(new CompositionEvent("compositionend", { bubbles: true }));
    await new Promise((r) => setTimeout(r, 50));
    expect(requests.filter((r) => r.type === "threads.create")).toHaveLength(0);
    enter({});
    await until(() => requests.find((r) => r.type === "threads.create"));
    const input = (requests.find((r) => r.type === "threads.create")!.params as { input: { content: unknown } }).input;
    expect(input.content).toEqual([{ type: "input_text", text: "line one" }]);
  });

  it("answers a structured input with threads.add_structured_input", async () => {
    registerChatKitElement();
    const T = "thr_si";
    const question = {
      type: "structured_input" as const,
      id: "si_1",
      thread_id: T,
      created_at: "2026-11-26T08:00:00",
      status: "pending" as const,
      inputs: [
        { type: "multiple_choice" as const, id: "q1", question: "Which size?", options: [{ value: "Small" }, { value: "Large" }] },
        { type: "freeform" as const, id: "q2", question: "Anything else?" },
      ],
    };
    const { fetch, requests } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      if (r.type === "threads.get_by_id") return { json: { ...thread(T), items: { data: [userItem("u1", T, "order"), question], has_more: false } } };
      if (r.type === "items.list") return { json: { data: [], has_more: false } };
      return { sse: [sseBytes([{ type: "thread.item.replaced", item: { ...question, status: "answered" } }, ...answerEvents(T, "a1", ["Ordered."])])] };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
    const shadow = el.shadowRoot!;
    const form = await until(() => shadow.querySelector(".ck-sinput"));
    expect(Array.from(form.querySelectorAll("legend")).map((l) => l.textContent)).toEqual(["Which size?", "Anything else?"]);
    (Array.from(form.querySelectorAll("button")).find((b) => b.textContent === "Large") as HTMLButtonElement).click();
    await until(() => form.querySelector("button[aria-pressed=true]"));
    (Array.from(form.querySelectorAll("button")).find((b) => b.textContent === "Send answers") as HTMLButtonElement).click();
    const sent = await until(() => requests.find((r) => r.type === "threads.add_structured_input"));
    expect(sent.params).toEqual({
      thread_id: T,
      item_id: "si_1",
      input: { status: "answered", answers: { q1: { values: ["Large"] }, q2: { values: [], skipped: true } } },
    });
    await until(() => shadow.querySelector(".ck-assistant"));
    expect(shadow.querySelector(".ck-sinput .ck-sinput-actions")).toBeNull();
  });

  it("exposes the OpenAIChatKit methods", () => {
    registerChatKitElement();
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    for (const name of ["setOptions", "sendUserMessage", "setThreadId", "setComposerValue", "focusComposer", "fetchUpdates", "sendCustomAction", "showHistory", "hideHistory"]) {
      expect(typeof (el as unknown as Record<string, unknown>)[name]).toBe("function");
    }
  });
});
