/**
 * Shared set-up for tests that mount the real element in jsdom, and DOM
 * assertions shared by the markdown and sanitizer tests.
 */
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { registerChatKitElement } from "../index";
import { isAllowedImageSource, isSafeLink } from "../render/sanitize";
import { installLayoutShim } from "./fixtures";

/** Resolve with the first truthy value of `check`, polled every 10 ms. */
export function until<T>(check: () => T | null | undefined | false, timeout = 3000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = check();
      if (value) return resolve(value);
      if (Date.now() - start > timeout) return reject(new Error("timed out"));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Layout shim for the virtual list, the element registered, a clean page after each test. */
export function useElementPage({ register = false }: { register?: boolean } = {}): void {
  let restoreLayout: () => void = () => undefined;
  beforeAll(() => {
    restoreLayout = installLayoutShim();
    if (register) registerChatKitElement();
  });
  afterAll(() => restoreLayout());
  afterEach(async () => {
    document.body.innerHTML = "";
    // The element unmounts React one task after it leaves the page; let that and
    // React's scheduled work finish before jsdom is torn down ("window is not defined").
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
}

/** Parse HTML into a detached container so assertions look at real DOM. */
export function dom(html: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div;
}

const EXECUTABLE_TAGS = ["script", "iframe", "object", "embed", "svg", "math", "form", "style", "link", "meta", "base", "template"];

/** Nothing in `html` can run code, load foreign content or restyle the page. */
export function assertInert(html: string): void {
  for (const el of Array.from(dom(html).querySelectorAll("*"))) {
    const tag = el.tagName.toLowerCase();
    expect(EXECUTABLE_TAGS).not.toContain(tag);
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name.startsWith("on"), `${tag}[${attr.name}]`).toBe(false);
      expect(attr.name).not.toBe("style");
      if (attr.name === "href") expect(isSafeLink(attr.value), attr.value).toBe(true);
      if (attr.name === "src") expect(isAllowedImageSource(attr.value), attr.value).toBe(true);
    }
  }
}
