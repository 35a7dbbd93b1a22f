import { describe, expect, it } from "vitest";
import type { ChatKitOptions, Entity } from "@openai/chatkit";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import type { ThreadItem } from "../protocol/types";
import { fakeFetch, NOW, sseBytes, thread } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage();

const T = "thr_e";
const PEOPLE: Entity[] = [
  { id: "p_ada", title: "Ada Lovelace", group: "People", interactive: true },
  { id: "p_alan", title: "Alan Turing", group: "People", interactive: true },
  { id: "d_plan", title: "Q2 Plan", group: "Documents", interactive: true },
];

function mount(handler: Parameters<typeof fakeFetch>[0], entities: ChatKitOptions["entities"], initialThread: string | null = null) {
  registerChatKitElement();
  const { fetch, requests } = fakeFetch(handler);
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, entities, initialThread });
  return { shadow: el.shadowRoot!, requests };
}

function type(area: HTMLTextAreaElement, text: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!;
  setter.call(area, text);
  area.setSelectionRange(text.length, text.length);
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

const key = (area: HTMLTextAreaElement, name: string) => area.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true }));

describe("entities", () => {
  it("@-mentions search with onTagSearch, pick by keyboard, and send input_tag parts", async () => {
    const queries: string[] = [];
    const { shadow, requests } = mount(
      (r) => (r.type === "threads.list" ? { json: { data: [], has_more: false } } : { sse: [sseBytes([{ type: "thread.created", thread: thread(T) }])] }),
      {
        onTagSearch: async (query) => {
          queries.push(query);
          return PEOPLE.filter((p) => p.title.toLowerCase().startsWith(query.toLowerCase()));
        },
      },
    );
    const area = await until(() => shadow.querySelector<HTMLTextAreaElement>("textarea.ck-input"));
    expect(area.getAttribute("role")).toBe("combobox");
    type(area, "ask @a");
    const options = await until(() => (shadow.querySelectorAll("[role=option]").length === 2 ? shadow.querySelectorAll("[role=option]") : null));
    expect(queries.at(-1)).toBe("a");
    expect(Array.from(options).map((o) => o.textContent)).toEqual(["@Ada Lovelace", "@Alan Turing"]);
    expect(shadow.querySelector(".ck-tag-group")!.textContent).toBe("People");
    expect(area.getAttribute("aria-expanded")).toBe("true");
    key(area, "ArrowDown");
    await until(() => area.getAttribute("aria-activedescendant") === "ck-tag-list-1" || null);
    key(area, "Enter");
    await until(() => area.value === "ask @Alan Turing " || null);
    await until(() => !shadow.querySelector("[role=listbox]"));
    expect(requests.some((r) => r.type === "threads.create")).toBe(false);
    type(area, "ask @Alan Turing about it");
    key(area, "Enter");
    const create = await until(() => requests.find((r) => r.type === "threads.create"));
    expect((create.params as { input: { content: unknown } }).input.content).toEqual([
      { type: "input_text", text: "ask " },
      { type: "input_tag", id: "p_alan", text: "Alan Turing", group: "People", interactive: true },
      { type: "input_text", text: " about it" },
    ]);
  });

  it("Enter pressed right after a click on an option sends, and the tag goes in once", async () => {
    // On a busy machine the Enter can come before the picker has re-rendered shut;
    // it once picked the option a second time over a stale range.
    const { shadow, requests } = mount(
      (r) => (r.type === "threads.list" ? { json: { data: [], has_more: false } } : { sse: [sseBytes([{ type: "thread.created", thread: thread(T) }])] }),
      { onTagSearch: async (query) => PEOPLE.filter((p) => p.title.toLowerCase().startsWith(query.toLowerCase())) },
    );
    const area = await until(() => shadow.querySelector<HTMLTextAreaElement>("textarea.ck-input"));
    type(area, "ask @ad");
    const option = await until(() => shadow.querySelector<HTMLElement>("[role=option]"));
    option.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true }));
    // The pick's own steps (microtasks) run; the picker has not re-rendered yet.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    key(area, "Enter");
    const create = await until(() => requests.find((r) => r.type === "threads.create"));
    expect((create.params as { input: { content: unknown } }).input.content).toEqual([
      { type: "input_text", text: "ask " },
      { type: "input_tag", id: "p_ada", text: "Ada Lovelace", group: "People", interactive: true },
    ]);
  });

  it("Esc closes the picker and the @ button starts a mention", async () => {
    const { shadow } = mount(() => ({ json: { data: [], has_more: false } }), { onTagSearch: async () => PEOPLE, showComposerMenu: true });
    const area = await until(() => shadow.querySelector<HTMLTextAreaElement>("textarea.ck-input"));
    (shadow.querySelector("button[aria-label='Mention someone or something']") as HTMLButtonElement).click();
    await until(() => area.value === "@" || null);
    await until(() => shadow.querySelectorAll("[role=option]").length === 3 || null);
    key(area, "Escape");
    await until(() => !shadow.querySelector("[role=listbox]"));
  });

  it("sent tags and entity sources call onClick and show onRequestPreview's widget", async () => {
    const items: ThreadItem[] = [
      {
        type: "user_message",
        id: "u1",
        thread_id: T,
        created_at: NOW,
        content: [
          { type: "input_text", text: "about " },
          { type: "input_tag", id: "p_ada", text: "Ada Lovelace", interactive: true, data: { team: "math" } },
        ],
        attachments: [],
        inference_options: {},
      },
      {
        type: "assistant_message",
        id: "a1",
        thread_id: T,
        created_at: NOW,
        content: [{ type: "output_text", text: "She wrote the first program.", annotations: [{ type: "annotation", source: { type: "entity", id: "d_plan", title: "Q2 Plan", interactive: true } }] }],
      },
    ];
    const clicked: Entity[] = [];
    const previews: string[] = [];
    const { shadow } = mount(
      (r) => (r.type === "threads.list" ? { json: { data: [], has_more: false } } : { json: { ...thread(T), items: { data: items, has_more: false } } }),
      {
        onClick: (entity) => clicked.push(entity),
        onRequestPreview: async (entity) => {
          previews.push(entity.id);
          return { preview: { type: "Basic", children: [{ type: "Title", value: `Card of ${entity.title}` }] } };
        },
      },
      T,
    );
    const tag = await until(() => shadow.querySelector<HTMLButtonElement>(".ck-user button.ck-entity-tag"));
    expect(tag.textContent).toBe("@Ada Lovelace");
    tag.click();
    expect(clicked).toEqual([{ id: "p_ada", title: "Ada Lovelace", interactive: true, data: { team: "math" } }]);
    tag.dispatchEvent(new FocusEvent("focus"));
    tag.focus();
    const preview = await until(() => shadow.querySelector(".ck-entity-preview"));
    expect(preview.querySelector(".ck-w-title")!.textContent).toBe("Card of Ada Lovelace");
    const source = shadow.querySelector<HTMLButtonElement>(".ck-sources button.ck-source")!;
    source.click();
    expect(clicked.at(-1)).toEqual({ id: "d_plan", title: "Q2 Plan", interactive: true });
    expect(previews).toEqual(["p_ada"]);
  });

  it("/commands: onSearch lists them, onSelect may open a sub-menu, insert an entity, or just run", async () => {
    registerChatKitElement();
    const { fetch } = fakeFetch(() => ({ json: { data: [], has_more: false } }));
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    const searched: string[] = [];
    const selected: string[] = [];
    el.setOptions({
      api: { url: "/chatkit", domainKey: "local", fetch },
      commands: {
        enabled: true,
        onSearch: async (query) => {
          searched.push(query);
          return [
            { id: "attach", label: "Attach a doc", description: "From the wiki", group: "Docs" },
            { id: "clear", label: "Clear notes" },
          ].filter((c) => c.label.toLowerCase().includes(query.toLowerCase()));
        },
        onSelect: async (command) => {
          selected.push(command.id);
          if (command.id === "attach") return { type: "menu", commands: [{ id: "doc_q2", label: "Q2 Plan" }] };
          if (command.id === "doc_q2") return { type: "entity", entity: { id: "d_q2", title: "Q2 Plan" } };
          return undefined;
        },
      },
    });
    const shadow = el.shadowRoot!;
    const area = await until(() => shadow.querySelector<HTMLTextAreaElement>("textarea.ck-input"));
    type(area, "/a");
    await until(() => shadow.querySelectorAll("#ck-command-list [role=option]").length === 2 || null);
    expect(searched.at(-1)).toBe("a");
    expect(shadow.querySelector("#ck-command-list .ck-tag-desc")!.textContent).toBe("From the wiki");
    key(area, "Enter");
    await until(() => shadow.querySelector("#ck-command-list [role=option]")?.textContent === "/Q2 Plan" || null);
    key(area, "Enter");
    await until(() => area.value === "@Q2 Plan " || null);
    expect(selected).toEqual(["attach", "doc_q2"]);
    await until(() => !shadow.querySelector("#ck-command-list"));

    type(area, "/clear");
    await until(() => shadow.querySelectorAll("#ck-command-list [role=option]").length === 1 || null);
    key(area, "Enter");
    await until(() => area.value === "" || null);
    expect(selected).toEqual(["attach", "doc_q2", "clear"]);
  });

  it("/commands: only a / that starts the draft opens the menu; a draft the command set is kept", async () => {
    registerChatKitElement();
    const { fetch } = fakeFetch(() => ({ json: { data: [], has_more: false } }));
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    const searched: string[] = [];
    el.setOptions({
      api: { url: "/chatkit", domainKey: "local", fetch },
      commands: {
        enabled: true,
        onSearch: async (query) => {
          searched.push(query);
          return [{ id: "greet", label: "Greeting" }];
        },
        onSelect: async () => {
          await el.setComposerValue({ text: "Hello there, friend." });
        },
      },
    });
    const shadow = el.shadowRoot!;
    const area = await until(() => shadow.querySelector<HTMLTextAreaElement>("textarea.ck-input"));
    type(area, "see /usr/bin");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(searched).toEqual([]);
    expect(shadow.querySelector("#ck-command-list")).toBeNull();

    type(area, "/gr");
    await until(() => shadow.querySelectorAll("#ck-command-list [role=option]").length === 1 || null);
    key(area, "Enter");
    await until(() => area.value === "Hello there, friend." || null);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(area.value).toBe("Hello there, friend.");
    expect(shadow.querySelector("#ck-command-list")).toBeNull();
  });
});
