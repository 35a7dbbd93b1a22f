/**
 * The mic button through the real element in jsdom, with a fake microphone
 * installed as the browser's own (navigator.mediaDevices + MediaRecorder).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import type { KitdeskChatKitElement } from "../element";
import { fakeFetch, type RecordedRequest } from "../test/fixtures";
import { fakeMicrophone, installBrowserMicrophone } from "../test/media";
import { until, useElementPage } from "../test/page";

useElementPage({ register: true });

let uninstall: () => void = () => undefined;
afterEach(() => {
  uninstall();
  uninstall = () => undefined;
});

type Reply = { json: unknown; status?: number };

function mount(reply: (r: RecordedRequest) => Reply, composer: ChatKitOptions["composer"] = { dictation: { enabled: true } }) {
  const { fetch, requests } = fakeFetch(
    (r) => (r.type === "threads.list" ? { json: { data: [], has_more: false } } : reply(r)),
    // The sidebar asking for folders is not part of dictation.
    (r) => (r.url.includes("/api/organise/") ? { json: { folders: [] } } : null),
  );
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  const events: string[] = [];
  el.addEventListener("chatkit.error", (e) => events.push(`error: ${(e as CustomEvent<{ error: Error }>).detail.error.message}`));
  el.addEventListener("chatkit.log", (e) => events.push(`log: ${(e as CustomEvent<{ name: string }>).detail.name}`));
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, composer });
  return { shadow: el.shadowRoot!, requests, events };
}

const button = (shadow: ShadowRoot, name: string) =>
  Array.from(shadow.querySelectorAll<HTMLButtonElement>("button")).find((b) => b.getAttribute("aria-label") === name) ?? null;

function type(area: HTMLTextAreaElement, value: string): void {
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!.call(area, value);
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("the mic button", () => {
  it("records, stops on Esc and puts the words at the caret without sending", async () => {
    const mic = fakeMicrophone();
    uninstall = installBrowserMicrophone(mic);
    const { shadow, requests, events } = mount(() => ({ json: { text: "brown fox" } }));
    const mic0 = await until(() => button(shadow, "Dictate"));
    expect(mic0.title).toContain("Dictate");
    expect(mic0.closest(".ck-composer-left")).not.toBeNull();
    const area = shadow.querySelector("textarea")!;
    type(area, "The quick jumps");
    await until(() => area.value === "The quick jumps");
    await new Promise((r) => setTimeout(r, 20)); // React has re-rendered the typed value
    area.setSelectionRange(10, 10);

    mic0.click();
    const stop = await until(() => button(shadow, "Stop recording"));
    expect(shadow.querySelector(".ck-dictation-recording .ck-rec-dot")).not.toBeNull();
    expect(shadow.querySelector(".ck-dictation-recording [role=status]")!.textContent).toBe("Recording");
    expect(shadow.querySelector(".ck-rec-time")!.textContent).toMatch(/^0:0\d$/);

    stop.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await until(() => button(shadow, "Dictate") && area.value !== "The quick jumps");
    expect(area.value).toBe("The quick brown fox jumps");
    expect([area.selectionStart, area.selectionEnd]).toEqual([19, 19]);
    expect(requests.map((r) => r.type).filter((t) => t !== "threads.list")).toEqual(["input.transcribe"]);
    expect(shadow.querySelector(".ck-dictation-status")).toBeNull();
    // Typing into the empty composer started a draft; the words then went into it.
    expect(events).toEqual([
      "log: composer.draft",
      "log: composer.dictation.start",
      "log: composer.dictation.stop",
      "log: composer.dictation.done",
    ]);
  });

  it("a refused microphone shows one sentence and keeps the draft", async () => {
    uninstall = installBrowserMicrophone(fakeMicrophone({ deny: "NotAllowedError" }));
    const { shadow, requests, events } = mount(() => ({ json: {} }));
    const mic = await until(() => button(shadow, "Dictate"));
    const area = shadow.querySelector("textarea")!;
    type(area, "my careful draft");
    mic.click();
    const alert = await until(() => shadow.querySelector(".ck-composer-error[role=alert]"));
    expect(alert.textContent).toBe("Microphone access was blocked. Allow it for this app to dictate.");
    expect(area.value).toBe("my careful draft");
    expect(requests.filter((r) => r.type !== "threads.list")).toHaveLength(0);
    expect(events).toContain("error: Microphone access was blocked. Allow it for this app to dictate.");
  });

  it("a second click stops; the server's error shows under the composer", async () => {
    uninstall = installBrowserMicrophone(fakeMicrophone());
    const sentence = "Local does not offer speech-to-text, so dictation is not available with it.";
    const { shadow } = mount(() => ({ json: { error: { code: "transcription_unavailable", message: sentence } }, status: 422 }));
    (await until(() => button(shadow, "Dictate"))).click();
    (await until(() => button(shadow, "Stop recording"))).click();
    const alert = await until(() => shadow.querySelector(".ck-composer-error[role=alert]"));
    expect(alert.textContent).toBe(sentence);
    expect(shadow.querySelector("textarea")!.value).toBe("");
    expect(button(shadow, "Dictate")!.disabled).toBe(false);
  });

  it("offers to cancel while the browser asks for the microphone", async () => {
    const mic = fakeMicrophone({ hold: true });
    uninstall = installBrowserMicrophone(mic);
    const { shadow } = mount(() => ({ json: {} }));
    (await until(() => button(shadow, "Dictate"))).click();
    const cancel = await until(() => button(shadow, "Cancel dictation"));
    expect(shadow.querySelector(".ck-dictation-status")!.textContent).toBe("Waiting for the microphone…");
    cancel.click();
    await until(() => button(shadow, "Dictate"));
    mic.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(button(shadow, "Stop recording")).toBeNull();
    expect(mic.tracks.every((t) => t.stopped)).toBe(true);
  });

  it("is hidden when the browser cannot record, or when dictation is off", async () => {
    const { shadow } = mount(() => ({ json: {} }));
    await until(() => shadow.querySelector("textarea"));
    expect(button(shadow, "Dictate")).toBeNull();

    document.body.innerHTML = "";
    uninstall = installBrowserMicrophone(fakeMicrophone());
    const off = mount(() => ({ json: {} }), {});
    await until(() => off.shadow.querySelector("textarea"));
    expect(button(off.shadow, "Dictate")).toBeNull();
  });
});
