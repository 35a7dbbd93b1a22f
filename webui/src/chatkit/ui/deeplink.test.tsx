import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import { sanitizeHtml } from "../render/sanitize";
import { assistantItem, fakeFetch, thread, userItem } from "../test/fixtures";
import { dom, until, useElementPage } from "../test/page";
import { deeplinkDetail } from "./Markdown";

useElementPage();

const T = "thr_d";

describe("chatkit-link deeplinks", () => {
  it("survive sanitizing as in-app links (no new window); other schemes still do not", () => {
    const html = dom(sanitizeHtml('<a href="chatkit-link://open_order?id=7">order</a> <a href="javascript:alert(1)">x</a> <a href="https://a.example/">web</a>'));
    const [deeplink, script, web] = Array.from(html.querySelectorAll("a"));
    expect(deeplink!.getAttribute("href")).toBe("chatkit-link://open_order?id=7");
    expect(deeplink!.hasAttribute("target")).toBe(false);
    expect(script!.hasAttribute("href")).toBe(false);
    expect(web!.getAttribute("target")).toBe("_blank");
  });

  it("parse into a name and data", () => {
    expect(deeplinkDetail("chatkit-link://open_order?id=7&tab=items")).toEqual({ name: "open_order", data: { id: "7", tab: "items" } });
    expect(deeplinkDetail("chatkit-link://settings")).toEqual({ name: "settings" });
  });

  it("raise chatkit.deeplink when clicked in an answer", async () => {
    registerChatKitElement();
    const { fetch } = fakeFetch((r) =>
      r.type === "threads.list"
        ? { json: { data: [], has_more: false } }
        : { json: { ...thread(T), items: { data: [userItem("u1", T, "where"), assistantItem("a1", T, "See [your order](chatkit-link://open_order?id=7).")], has_more: false } } },
    );
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    const links: unknown[] = [];
    el.addEventListener("chatkit.deeplink", (e) => links.push((e as CustomEvent).detail));
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
    const link = await until(() => el.shadowRoot!.querySelector<HTMLAnchorElement>(".ck-assistant a"));
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    expect(links).toEqual([{ name: "open_order", data: { id: "7" } }]);
  });
});
