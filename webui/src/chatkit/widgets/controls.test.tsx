import { describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import type { ThreadItem, WidgetItem } from "../protocol/types";
import { fakeFetch, NOW, sseBytes, thread, userItem, type RecordedRequest } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage();

const T = "thr_c";

function widgetItem(id: string, widget: unknown): WidgetItem {
  return { type: "widget", id, thread_id: T, created_at: NOW, widget: widget as WidgetItem["widget"] };
}

/** A fetch whose custom-action answers wait until `release()`: the pending state can be looked at. */
function gatedFetch(items: ThreadItem[], answer: (r: RecordedRequest) => unknown = () => ({ sse: [sseBytes([])] })) {
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const inner = fakeFetch((r) => {
    if (r.type === "threads.list") return { json: { data: [], has_more: false } };
    if (r.type === "threads.get_by_id") return { json: { ...thread(T, "Widgets"), items: { data: items, has_more: false } } };
    return answer(r) as ReturnType<Parameters<typeof fakeFetch>[0]>;
  });
  const sent: RecordedRequest[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as { type?: string; params?: Record<string, unknown> }) : {};
    if (body.type === "threads.custom_action" || body.type === "threads.sync_custom_action") {
      sent.push({ url: String(input), type: body.type, params: body.params, method: "POST", body });
      await gate;
      gate = new Promise<void>((resolve) => (release = resolve));
    }
    return inner.fetch(input, init);
  }) as typeof globalThis.fetch;
  return { fetch, requests: sent, release: () => release() };
}

function mount(fetch: typeof globalThis.fetch, extra: Partial<ChatKitOptions> = {}) {
  registerChatKitElement();
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T, ...extra });
  return el.shadowRoot!;
}

const actions = (requests: RecordedRequest[], type = "threads.custom_action") => requests.filter((r) => r.type === type);

describe("widget form controls", () => {
  it("submit a form with every control's value typed: text, checkbox as boolean, radio, date, select, editable text", async () => {
    const form = widgetItem("wd_form", {
      type: "Card",
      children: [
        {
          type: "Form",
          onSubmitAction: { type: "book", payload: { trip: 7 } },
          children: [
            { type: "Text", value: "Ada", editable: { name: "who", required: true } },
            { type: "Input", name: "seats", inputType: "number", defaultValue: "2" },
            { type: "Textarea", name: "notes", defaultValue: "window" },
            { type: "Select", name: "class", defaultValue: "eco", options: [{ value: "eco", label: "Economy" }, { value: "biz", label: "Business" }] },
            { type: "DatePicker", name: "day", defaultValue: "2026-12-24T00:00:00Z", min: "2026-12-01T00:00:00", max: "2027-01-31T00:00:00" },
            { type: "Checkbox", name: "insured", label: "Insurance", defaultChecked: true },
            { type: "Checkbox", name: "meal", label: "Meal" },
            { type: "RadioGroup", name: "seat", ariaLabel: "Seat", defaultValue: "aisle", options: [{ value: "aisle", label: "Aisle" }, { value: "window", label: "Window" }, { value: "middle", label: "Middle", disabled: true }] },
            { type: "Button", label: "Book", submit: true },
          ],
        },
      ],
    });
    const { fetch, requests, release } = gatedFetch([userItem("u1", T, "book"), form]);
    const shadow = mount(fetch);
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    const date = card.querySelector<HTMLInputElement>("input[type=date]")!;
    expect([date.value, date.min, date.max]).toEqual(["2026-12-24", "2026-12-01", "2027-01-31"]);
    const radios = Array.from(card.querySelectorAll<HTMLInputElement>("input[type=radio]"));
    expect(card.querySelector("[role=radiogroup]")!.getAttribute("aria-label")).toBe("Seat");
    expect(radios.map((r) => [r.value, r.checked, r.disabled])).toEqual([["aisle", true, false], ["window", false, false], ["middle", false, true]]);
    radios[1]!.click();
    card.querySelector<HTMLInputElement>("input[name=meal]")!.click();
    const who = card.querySelector<HTMLInputElement>("input[name=who]")!;
    expect(who.value).toBe("Ada");
    expect(who.required).toBe(true);

    const book = Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Book")!;
    book.click();
    await until(() => actions(requests).length === 1 || null);
    expect(actions(requests)[0]!.params).toEqual({
      thread_id: T,
      item_id: "wd_form",
      action: {
        type: "book",
        payload: { trip: 7, who: "Ada", seats: "2", notes: "window", class: "eco", day: "2026-12-24", insured: true, meal: true, seat: "window" },
      },
    });
    // The submit button loads itself ("auto" on a button): spinner, and every control waits.
    await until(() => book.querySelector(".ck-spinner"));
    expect(book.disabled).toBe(true);
    expect(card.querySelector<HTMLInputElement>("input[name=seats]")!.disabled).toBe(true);
    release();
    await until(() => !book.disabled && !book.querySelector(".ck-spinner"));
  });

  it("send onChangeAction with the new value for Select, DatePicker, Checkbox and RadioGroup; clearable clears", async () => {
    const item = widgetItem("wd_change", {
      type: "Card",
      children: [
        { type: "Select", name: "s", clearable: true, defaultValue: "a", options: [{ value: "a", label: "A" }, { value: "b", label: "B" }], onChangeAction: { type: "sel", payload: { k: 1 } } },
        { type: "DatePicker", name: "d", onChangeAction: { type: "date" }, clearable: true },
        { type: "Checkbox", name: "c", label: "C", onChangeAction: { type: "check" } },
        { type: "RadioGroup", name: "r", options: [{ value: "x", label: "X" }, { value: "y", label: "Y" }], onChangeAction: { type: "radio" }, direction: "col" },
      ],
    });
    const { fetch, requests, release } = gatedFetch([item]);
    const shadow = mount(fetch);
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    const sent = () => actions(requests).map((r) => (r.params as { action: unknown }).action);
    const next = async (n: number) => {
      await until(() => actions(requests).length === n || null);
      release();
      await until(() => !card.querySelector("select")!.disabled);
    };

    const select = card.querySelector("select")!;
    select.value = "b";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await next(1);
    // A control cannot spin itself: the whole widget shows it is busy meanwhile ("auto").
    (card.querySelector(".ck-w-clear") as HTMLButtonElement).click();
    await until(() => actions(requests).length === 2 || null);
    expect(shadow.querySelector(".ck-widget")!.getAttribute("aria-busy")).toBe("true");
    expect(shadow.querySelector(".ck-w-overlay")).not.toBeNull();
    release();
    await until(() => !shadow.querySelector(".ck-w-overlay"));

    const date = card.querySelector<HTMLInputElement>("input[type=date]")!;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
    setter.call(date, "2026-05-01");
    date.dispatchEvent(new Event("input", { bubbles: true }));
    date.dispatchEvent(new Event("change", { bubbles: true }));
    await next(3);
    card.querySelector<HTMLInputElement>("input[type=checkbox]")!.click();
    await next(4);
    card.querySelectorAll<HTMLInputElement>("input[type=radio]")[1]!.click();
    await next(5);
    expect(sent()).toEqual([
      { type: "sel", payload: { k: 1, value: "b" } },
      { type: "sel", payload: { k: 1, value: null } },
      { type: "date", payload: { value: "2026-05-01" } },
      { type: "check", payload: { value: true } },
      { type: "radio", payload: { value: "y" } },
    ]);
    expect(card.querySelector(".ck-w-radios-col")).not.toBeNull();
  });
});

describe("widget actions", () => {
  it("honour loadingBehavior: none shows nothing, container busies the widget, self spins the button", async () => {
    const item = widgetItem("wd_lb", {
      type: "Card",
      children: [
        { type: "Button", label: "None", onClickAction: { type: "a", loadingBehavior: "none" } },
        { type: "Button", label: "Container", onClickAction: { type: "b", loadingBehavior: "container" } },
        { type: "Button", id: "me", label: "Self", onClickAction: { type: "c", loadingBehavior: "self" } },
      ],
    });
    const { fetch, requests, release } = gatedFetch([item]);
    const shadow = mount(fetch);
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    const button = (label: string) => Array.from(card.querySelectorAll("button")).find((b) => b.textContent === label)!;

    button("None").click();
    await until(() => actions(requests).length === 1 || null);
    expect(shadow.querySelector(".ck-w-overlay")).toBeNull();
    expect(card.querySelector(".ck-spinner")).toBeNull();
    release();

    await until(() => !button("Container").disabled);
    button("Container").click();
    await until(() => shadow.querySelector(".ck-w-overlay"));
    expect(button("Self").disabled).toBe(true);
    expect(button("Container").querySelector(".ck-spinner")).toBeNull();
    release();
    await until(() => !shadow.querySelector(".ck-w-overlay"));

    await until(() => !button("Self").disabled);
    button("Self").click();
    await until(() => button("Self").querySelector(".ck-spinner"));
    expect(button("Self").getAttribute("aria-busy")).toBe("true");
    expect(shadow.querySelector(".ck-w-overlay")).toBeNull();
    release();
    await until(() => !button("Self").querySelector(".ck-spinner"));
  });

  it("sends streaming: false actions as threads.sync_custom_action and replaces the widget with updated_item", async () => {
    const before = widgetItem("wd_sync", { type: "Card", children: [{ type: "Text", value: "Count: 1" }, { type: "Button", label: "Add", onClickAction: { type: "inc", streaming: false, payload: { by: 1 } } }] });
    const after = widgetItem("wd_sync", { type: "Card", children: [{ type: "Text", value: "Count: 2" }] });
    const { fetch, requests, release } = gatedFetch([before], (r) => (r.type === "threads.sync_custom_action" ? { json: { updated_item: after } } : { sse: [sseBytes([])] }));
    const shadow = mount(fetch);
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Add")!.click();
    await until(() => actions(requests, "threads.sync_custom_action").length === 1 || null);
    release();
    await until(() => shadow.querySelector(".ck-w-text")?.textContent === "Count: 2" || null);
    expect(actions(requests, "threads.sync_custom_action")[0]!.params).toEqual({ thread_id: T, item_id: "wd_sync", action: { type: "inc", payload: { by: 1 } } });
    expect(actions(requests)).toHaveLength(0);
  });

  it("hands handler: client actions to widgets.onAction with the widget item, loading until it settles", async () => {
    const item = widgetItem("wd_client", { type: "Card", children: [{ type: "Button", label: "Open", onClickAction: { type: "open_map", handler: "client", payload: { city: "Oslo" } } }] });
    const { fetch, requests } = gatedFetch([item]);
    const calls: unknown[] = [];
    let finish: () => void = () => undefined;
    const shadow = mount(fetch, {
      widgets: {
        onAction: (action, widgetItem) => {
          calls.push({ action, id: widgetItem.id, type: widgetItem.widget.type });
          return new Promise<void>((resolve) => (finish = resolve));
        },
      },
    });
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    const open = card.querySelector("button")!;
    open.click();
    await until(() => open.querySelector(".ck-spinner"));
    expect(calls).toEqual([{ action: { type: "open_map", payload: { city: "Oslo" } }, id: "wd_client", type: "Card" }]);
    finish();
    await until(() => !open.querySelector(".ck-spinner"));
    expect(actions(requests)).toHaveLength(0);
  });

  it("reports a client action without a widgets.onAction handler as chatkit.error", async () => {
    const item = widgetItem("wd_nohandler", { type: "Card", children: [{ type: "Button", label: "Go", onClickAction: { type: "go", handler: "client" } }] });
    const { fetch, requests } = gatedFetch([item]);
    const shadow = mount(fetch);
    const errors: string[] = [];
    (shadow.host as HTMLElement).addEventListener("chatkit.error", (e) => errors.push((e as CustomEvent<{ error: Error }>).detail.error.message));
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    card.querySelector("button")!.click();
    await until(() => errors.length > 0 || null);
    expect(errors[0]).toContain("widgets.onAction");
    expect(actions(requests)).toHaveLength(0);
  });
});
