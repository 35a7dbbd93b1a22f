import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import { answerEvents, fakeFetch, NOW, sseBytes, thread, userItem } from "../test/fixtures";
import type { WidgetItem } from "../protocol/types";
import { widgetColor } from "./style";
import { until, useElementPage } from "../test/page";

useElementPage();

const T = "thr_w";
const WIDGET: WidgetItem = {
  type: "widget",
  id: "wd_1",
  thread_id: T,
  created_at: NOW,
  widget: {
    type: "Card",
    children: [
      { type: "Row", gap: 2, children: [{ type: "Icon", name: "star" }, { type: "Title", value: "Flight <b>AB12</b>" }, { type: "Spacer" }, { type: "Badge", label: "On time", color: "success" }] },
      { type: "Col", children: [{ type: "Text", value: "Departs 09:40" }, { type: "Caption", value: "Gate 12", color: "javascript:alert(1)" }] },
      { type: "Box", children: [{ type: "Markdown", value: "**Bold** <img src=x onerror=alert(1)>" }] },
      { type: "Divider" },
      { type: "Image", src: "https://tracker.example/p.png", alt: "map" },
      { type: "Image", src: "/api/attachments/a/content", alt: "local" },
      { type: "Button", label: "Check in", onClickAction: { type: "check_in", payload: { flight: "AB12" } } },
    ],
  },
};
const LIST: WidgetItem = {
  type: "widget",
  id: "wd_2",
  thread_id: T,
  created_at: NOW,
  widget: { type: "ListView", children: [{ type: "ListViewItem", onClickAction: { type: "pick", payload: { n: 1 } }, children: [{ type: "Text", value: "Option one" }] }] },
};

describe("widgets", () => {
  it("render as text, block foreign images, and send actions as threads.custom_action", async () => {
    registerChatKitElement();
    const { fetch, requests } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      if (r.type === "threads.get_by_id") return { json: { ...thread(T, "Trip"), items: { data: [userItem("u1", T, "flight?"), WIDGET, LIST], has_more: false } } };
      return { sse: [sseBytes(answerEvents(T, "a1", ["Checked in."]))] };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
    const shadow = el.shadowRoot!;
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    expect(card.querySelector(".ck-w-title")!.textContent).toBe("Flight <b>AB12</b>");
    expect(card.querySelector("b")).toBeNull();
    expect(card.querySelector(".ck-w-badge")!.textContent).toBe("On time");
    expect((card.querySelector(".ck-w-caption") as HTMLElement).style.color).toBe("");
    expect(card.querySelector(".ck-w-markdown strong")!.textContent).toBe("Bold");
    expect(card.querySelector(".ck-w-markdown img")).toBeNull();
    const images = Array.from(card.querySelectorAll("img")).map((img) => img.getAttribute("src"));
    expect(images).toEqual(["/api/attachments/a/content"]);
    expect(card.querySelector(".ck-img-blocked")!.textContent).toBe("[map]");
    expect(card.querySelector(".ck-w-divider")).not.toBeNull();
    expect(card.querySelector(".ck-w-icon svg")).not.toBeNull();

    (Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Check in") as HTMLButtonElement).click();
    await until(() => requests.find((r) => r.type === "threads.custom_action"));
    expect(requests.find((r) => r.type === "threads.custom_action")!.params).toEqual({
      thread_id: T,
      item_id: "wd_1",
      action: { type: "check_in", payload: { flight: "AB12" } },
    });
    await until(() => !shadow.querySelector(".ck-w-list-item:disabled") && shadow.querySelector(".ck-w-list-item"));
    (shadow.querySelector(".ck-w-list-item") as HTMLButtonElement).click();
    await until(() => requests.filter((r) => r.type === "threads.custom_action").length === 2);
    expect(requests.filter((r) => r.type === "threads.custom_action")[1]!.params).toEqual({ thread_id: T, item_id: "wd_2", action: { type: "pick", payload: { n: 1 } } });
  });

  it("shows an image's alt text and a sentence, not a broken image, when it cannot be loaded", async () => {
    registerChatKitElement();
    const route = "/chatkit/images/agent?url=http%3A%2F%2F127.0.0.1%3A8000%2Fstatic%2Fa.png";
    const pictures: WidgetItem = {
      ...WIDGET,
      id: "wd_pics",
      widget: { type: "Card", children: [{ type: "Image", src: route, alt: "A test pattern" }, { type: "Image", src: "/static/b.png", alt: "" }] },
    };
    const generated = { type: "generated_image", id: "gi_1", thread_id: T, created_at: NOW, image: { id: "img", url: route } };
    const { fetch } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      return { json: { ...thread(T, "Pictures"), items: { data: [pictures, generated], has_more: false } } };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
    const shadow = el.shadowRoot!;
    const card = await until(() => shadow.querySelector(".ck-w-card"));
    const figure = await until(() => shadow.querySelector(".ck-genimage img"));
    const [first, second] = Array.from(card.querySelectorAll("img"));
    expect(first!.getAttribute("src")).toBe(route);
    first!.dispatchEvent(new Event("error"));
    second!.dispatchEvent(new Event("error"));
    figure.dispatchEvent(new Event("error"));
    const failed = await until(() => (card.querySelectorAll(".ck-img-failed").length === 2 ? card.querySelectorAll(".ck-img-failed") : null));
    expect(Array.from(failed).map((span) => span.textContent)).toEqual(["[A test pattern] The image could not be loaded.", "The image could not be loaded."]);
    expect(failed[0]!.getAttribute("role")).toBe("img");
    expect(failed[0]!.getAttribute("aria-label")).toBe("A test pattern. The image could not be loaded.");
    expect(card.querySelector("img")).toBeNull();
    const genFailed = await until(() => shadow.querySelector(".ck-genimage .ck-img-failed"));
    expect(genFailed.textContent).toBe("[Generated image] The image could not be loaded.");
  });

  it("accepts only theme tokens and plain colour values", () => {
    expect(widgetColor("secondary", "light")).toBe("var(--ck-muted)");
    expect(widgetColor("#ff0000", "light")).toBe("#ff0000");
    expect(widgetColor({ light: "#000", dark: "#fff" }, "dark")).toBe("#fff");
    expect(widgetColor("url(https://x)", "light")).toBeUndefined();
    expect(widgetColor("red;background:url(x)", "light")).toBeUndefined();
  });

  it("render Basic, Transition, Table (header, colSpan, align), Label and a Card as a form with confirm, cancel and a collapsible status", async () => {
    registerChatKitElement();
    const item: WidgetItem = {
      type: "widget",
      id: "wd_3",
      thread_id: T,
      created_at: NOW,
      widget: {
        type: "Card",
        asForm: true,
        status: { text: "Draft", icon: "write" },
        confirm: { label: "Save", action: { type: "save" } },
        cancel: { label: "Discard", action: { type: "discard" } },
        children: [
          { type: "Label", value: "Name", fieldName: "name" },
          { type: "Input", name: "name", defaultValue: "Ada" },
          { type: "Transition", children: { type: "Text", value: "inside a transition" } },
          {
            type: "Table",
            children: [
              { type: "Table.Row", header: true, children: [{ type: "Table.Cell", children: [{ type: "Text", value: "Item" }] }, { type: "Table.Cell", align: "end", children: [{ type: "Text", value: "Price" }] }] },
              { type: "Table.Row", children: [{ type: "Table.Cell", colSpan: 2, children: [{ type: "Text", value: "Nothing yet" }] }] },
            ],
          },
        ],
      },
    };
    const basic: WidgetItem = { type: "widget", id: "wd_4", thread_id: T, created_at: NOW, widget: { type: "Basic", direction: "row", gap: 2, children: [{ type: "Text", value: "basic one" }, { type: "Text", value: "basic two" }] } };
    const { fetch, requests } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      if (r.type === "threads.get_by_id") return { json: { ...thread(T, "Forms"), items: { data: [item, basic], has_more: false } } };
      return { sse: [sseBytes([])] };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
    const shadow = el.shadowRoot!;
    const card = await until(() => shadow.querySelector("form.ck-w-card"));
    expect(card.querySelector("label.ck-w-label")!.textContent).toBe("Name");
    expect(Array.from(card.querySelectorAll("th")).map((c) => c.textContent)).toEqual(["Item", "Price"]);
    expect((card.querySelectorAll("th")[1] as HTMLElement).style.textAlign).toBe("right");
    expect(card.querySelector("td")!.getAttribute("colspan")).toBe("2");
    expect(card.textContent).toContain("inside a transition");
    const row = shadow.querySelector<HTMLElement>(".ck-w-basic")!;
    expect(row.style.flexDirection).toBe("row");
    expect(row.textContent).toBe("basic onebasic two");
    // Confirm submits the form: the field values join the confirm action.
    Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Save")!.click();
    await until(() => requests.find((r) => r.type === "threads.custom_action"));
    expect(requests.find((r) => r.type === "threads.custom_action")!.params).toEqual({ thread_id: T, item_id: "wd_3", action: { type: "save", payload: { name: "Ada" } } });
    await until(() => !Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Discard")!.disabled);
    Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Discard")!.click();
    await until(() => requests.filter((r) => r.type === "threads.custom_action").length === 2 || null);
    expect(requests.filter((r) => r.type === "threads.custom_action")[1]!.params).toEqual({ thread_id: T, item_id: "wd_3", action: { type: "discard" } });
    // The status line folds the card.
    (card.querySelector("button.ck-w-status") as HTMLButtonElement).click();
    await until(() => !card.querySelector(".ck-w-card-body"));
  });
});
