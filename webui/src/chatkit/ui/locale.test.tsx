/**
 * The element honours ChatKit's `locale` option: its own words switch to the
 * language once its catalogue chunk is loaded, and Arabic turns the host
 * right-to-left (the shadow tree inherits the direction).
 */
import { describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import type { KitdeskChatKitElement } from "../element";
import { fakeFetch } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage({ register: true });

function mount(locale: ChatKitOptions["locale"]) {
  const { fetch } = fakeFetch(() => ({ json: { data: [], has_more: false } }));
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  document.body.appendChild(el);
  const options: ChatKitOptions = { api: { url: "/chatkit", domainKey: "local", fetch }, locale };
  el.setOptions(options);
  return { el, shadow: el.shadowRoot!, options };
}

const label = (shadow: ShadowRoot, selector: string) => shadow.querySelector(selector)?.getAttribute("aria-label");

describe("the locale option", () => {
  it("speaks German, then Arabic right to left, then English again", async () => {
    const { el, shadow, options } = mount("de");
    expect(el.getAttribute("lang")).toBe("de");
    expect(el.getAttribute("dir")).toBe("ltr");
    await until(() => label(shadow, "textarea") === "Nachricht");
    expect(shadow.querySelector("textarea")!.getAttribute("placeholder")).toBe("Nachricht an die KI");

    el.setOptions({ ...options, locale: "ar" });
    expect(el.getAttribute("dir")).toBe("rtl");
    await until(() => label(shadow, "textarea") === "الرسالة");

    el.setOptions({ ...options, locale: "en" });
    expect(el.getAttribute("dir")).toBe("ltr");
    await until(() => label(shadow, "textarea") === "Message");
  });

  it("maps a regional or unshipped locale to the best shipped language", async () => {
    const { el } = mount("pt-PT");
    expect(el.getAttribute("lang")).toBe("pt-BR");
    el.setOptions({ api: { url: "/chatkit", domainKey: "local" }, locale: "ko" });
    // Korean is not shipped: the system's languages decide (English in jsdom).
    expect(el.getAttribute("lang")).toBe("en");
  });
});
