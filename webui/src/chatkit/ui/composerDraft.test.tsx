import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import { fakeFetch, quietKitdeskApis } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage();

function mount() {
  registerChatKitElement();
  const { fetch } = fakeFetch(
    (r) => (r.type === "threads.list" ? { json: { data: [], has_more: false } } : { json: {}, status: 500 }),
    quietKitdeskApis,
  );
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  const logged: string[] = [];
  el.addEventListener("chatkit.log", (event) => logged.push((event as CustomEvent<{ name: string }>).detail.name));
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch } });
  return { el, shadow: el.shadowRoot!, drafts: () => logged.filter((name) => name === "composer.draft").length };
}

/** Type as the person would, then wait until React shows it (the next keystroke sees it). */
async function type(area: HTMLTextAreaElement, value: string): Promise<void> {
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!.call(area, value);
  area.dispatchEvent(new Event("input", { bubbles: true }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await until(() => area.value === value);
}

describe("composer.draft", () => {
  it("is logged when the person starts typing into an empty composer, once per draft", async () => {
    const { el, shadow, drafts } = mount();
    const area = await until(() => shadow.querySelector<HTMLTextAreaElement>("textarea.ck-input"));
    expect(drafts()).toBe(0);
    await type(area, "H");
    await type(area, "He");
    await type(area, "Hello");
    expect(drafts()).toBe(1);
    // Emptied and started again: a new draft.
    await type(area, "");
    await type(area, "A");
    expect(drafts()).toBe(2);
    // Text the host puts in is not the person typing.
    await type(area, "");
    await el.setComposerValue({ text: "from the host" });
    expect(drafts()).toBe(2);
  });
});
