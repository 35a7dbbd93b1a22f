/**
 * The ChatKitOptions fields and events that no other test covers, each seen
 * through the real element: header, history switches, start screen,
 * composer placeholder, disclaimer, frameTitle, theme, and the thread-load
 * and history events.
 */
import { describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import { themeVariables } from "../theme";
import { fakeFetch, thread, userItem } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage();

const T = "thr_o";

function mount(extra: Partial<ChatKitOptions>) {
  registerChatKitElement();
  const { fetch } = fakeFetch((r) => {
    if (r.type === "threads.list") return { json: { data: [thread(T, "Old chat")], has_more: false } };
    return { json: { ...thread(T, "Old chat"), items: { data: [userItem("u1", T, "hello")], has_more: false } } };
  });
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  const events: { name: string; detail: unknown }[] = [];
  for (const name of ["chatkit.thread.load.start", "chatkit.thread.load.end", "chatkit.history.open", "chatkit.history.close", "chatkit.log"]) {
    el.addEventListener(name, (e) => events.push({ name, detail: (e as CustomEvent).detail }));
  }
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, ...extra });
  return { el, shadow: el.shadowRoot!, events };
}

const button = (root: ParentNode, label: string) => root.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);

describe("options", () => {
  it("header: leftAction and rightAction call back, title.text replaces the thread title, enabled: false hides it", async () => {
    const clicks: string[] = [];
    const { shadow } = mount({
      header: { title: { text: "Support desk" }, leftAction: { icon: "home", onClick: () => clicks.push("left") }, rightAction: { icon: "settings-cog", onClick: () => clicks.push("right") } },
      initialThread: T,
    });
    const header = await until(() => shadow.querySelector(".ck-header"));
    await until(() => shadow.querySelector(".ck-user"));
    expect(header.querySelector(".ck-title")!.textContent).toBe("Support desk");
    const sideButtons = Array.from(header.querySelectorAll(".ck-header-side button"));
    const left = sideButtons.find((b) => b.closest(".ck-header-side:not(.ck-header-right)") && !b.hasAttribute("aria-expanded")) as HTMLButtonElement;
    const right = header.querySelector(".ck-header-right button") as HTMLButtonElement;
    left.click();
    right.click();
    expect(clicks).toEqual(["left", "right"]);

    document.body.innerHTML = "";
    const hidden = mount({ header: { enabled: false } });
    await until(() => hidden.shadow.querySelector(".ck-composer"));
    expect(hidden.shadow.querySelector(".ck-header")).toBeNull();
  });

  it("history: showHistory/hideHistory fire events; showRename and showDelete false remove those actions; enabled false hides the panel", async () => {
    const { el, shadow, events } = mount({ history: { enabled: true, showRename: false, showDelete: false } });
    await el.showHistory();
    const row = await until(() => shadow.querySelector(".ck-history .ck-hrow"));
    expect(row.textContent).toContain("Old chat");
    expect(button(shadow, "Rename: Old chat")).toBeNull();
    expect(button(shadow, "Delete: Old chat")).toBeNull();
    await el.hideHistory();
    await until(() => !shadow.querySelector(".ck-history"));
    expect(events.filter((e) => e.name.startsWith("chatkit.history")).map((e) => e.name)).toEqual(["chatkit.history.open", "chatkit.history.close"]);

    document.body.innerHTML = "";
    const off = mount({ history: { enabled: false } });
    await until(() => off.shadow.querySelector(".ck-composer"));
    expect(off.shadow.querySelector("button[aria-expanded]")).toBeNull();
  });

  it("setThreadId reports chatkit.thread.load.start and .end around loading", async () => {
    const { el, shadow, events } = mount({});
    await until(() => shadow.querySelector(".ck-composer"));
    await el.setThreadId(T);
    await until(() => shadow.querySelector(".ck-user"));
    expect(events.filter((e) => e.name.startsWith("chatkit.thread.load"))).toEqual([
      { name: "chatkit.thread.load.start", detail: { threadId: T } },
      { name: "chatkit.thread.load.end", detail: { threadId: T } },
    ]);
  });

  it("startScreen, composer.placeholder, disclaimer and frameTitle show as given", async () => {
    const { shadow } = mount({
      startScreen: { greeting: "Ask the desk", prompts: [{ label: "Reset a password", prompt: "How do I reset my password?", icon: "keys" }] },
      composer: { placeholder: "Type a question" },
      disclaimer: { text: "Answers may be **wrong**.", highContrast: true },
      frameTitle: "Help chat",
    });
    const greeting = await until(() => shadow.querySelector(".ck-greeting"));
    expect(greeting.textContent).toBe("Ask the desk");
    expect(shadow.querySelector(".ck-prompt")!.textContent).toBe("Reset a password");
    expect(shadow.querySelector("textarea")!.getAttribute("placeholder")).toBe("Type a question");
    const disclaimer = shadow.querySelector(".ck-disclaimer")!;
    expect(disclaimer.classList.contains("ck-hc")).toBe(true);
    expect(disclaimer.querySelector("strong")!.textContent).toBe("wrong");
    expect(shadow.querySelector("main")!.getAttribute("aria-label")).toBe("Help chat");
  });

  it("theme: colorScheme, radius, density, typography and colours become CSS variables", async () => {
    const { shadow } = mount({ theme: { colorScheme: "dark", radius: "sharp", density: "compact", typography: { baseSize: 14, fontFamily: "Inter" }, color: { accent: { primary: "#ff5500", level: 2 } } } });
    const root = await until(() => shadow.querySelector<HTMLElement>(".ck-root"));
    expect(root.dataset.colorScheme).toBe("dark");
    expect(root.style.getPropertyValue("--ck-radius-md")).toBe("4px");
    expect(root.style.getPropertyValue("--ck-space")).toBe("3px");
    expect(root.style.getPropertyValue("--ck-font-size")).toBe("14px");
    expect(root.style.getPropertyValue("--ck-font")).toContain("Inter");
    const light = themeVariables({ api: { url: "/", domainKey: "" }, theme: { color: { surface: { background: "#fafafa", foreground: "#111111" }, grayscale: { hue: 220, tint: 4 } } } }, "light");
    expect([light["--ck-bg"], light["--ck-text"]]).toEqual(["#fafafa", "#111111"]);
  });

  it("methods: setComposerValue fills the composer (tags too), focusComposer focuses it, fetchUpdates reloads the thread", async () => {
    let title = "Old chat";
    registerChatKitElement();
    const { fetch, requests } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [thread(T, title)], has_more: false } };
      return { json: { ...thread(T, title), items: { data: [userItem("u1", T, "hello")], has_more: false } } };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
    const shadow = el.shadowRoot!;
    await until(() => shadow.querySelector(".ck-user"));
    await el.setComposerValue({ content: [{ type: "input_text", text: "see " }, { type: "input_tag", id: "p1", text: "Ada" }] });
    const area = shadow.querySelector("textarea")!;
    await until(() => area.value === "see @Ada" || null);
    (document.activeElement as HTMLElement | null)?.blur();
    await el.focusComposer();
    await until(() => shadow.activeElement === area || null);
    title = "Renamed elsewhere";
    const before = requests.filter((r) => r.type === "threads.get_by_id").length;
    await el.fetchUpdates();
    expect(requests.filter((r) => r.type === "threads.get_by_id").length).toBe(before + 1);
    await until(() => shadow.querySelector(".ck-title")?.textContent === "Renamed elsewhere" || null);
  });
});
