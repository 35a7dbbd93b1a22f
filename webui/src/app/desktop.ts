/**
 * The desktop window's side of the conversation with the web UI.
 *
 * The window sends commands as a `kitdesk:command` DOM event (from the tray and
 * from a clicked notification: window/shell.py); the UI tells the window that an
 * answer finished through the pywebview bridge, with the words to show already
 * in the person's language. In a browser tab neither exists and both are no-ops.
 *
 * The quick-ask window says when a show is ready for typing (`announceQuickReady`):
 * the window hands it a fresh question before it appears, and the person (or a
 * test pressing keys through the window system) may only type once that question
 * is on screen, its composer has the focus and the window has the keyboard.
 */

import { threadOfFragment } from "../chatkit/state/newWindow";

export const COMMAND_EVENT = "kitdesk:command";

export type DesktopCommand = { action: "newChat" } | { action: "openThread"; threadId: string };

/** `<html data-quick-ready="N">`: the Nth show of the quick-ask window is ready for typing. */
export const QUICK_READY_ATTRIBUTE = "data-quick-ready";

type AnswerBridge = {
  answer_finished?: (threadId: string, title: string, body: string) => Promise<unknown>;
  hide_quick_ask?: () => Promise<unknown>;
  continue_in_kitdesk?: (threadId: string) => Promise<unknown>;
  new_window?: (threadId?: string | null) => Promise<unknown>;
};

function bridge(): AnswerBridge | undefined {
  return (window as unknown as { pywebview?: { api?: AnswerBridge } }).pywebview?.api;
}

/** This page is the quick-ask window (`?mode=quick`, or `#quick` which survives the token redirect). */
export function isQuickMode(): boolean {
  return new URLSearchParams(window.location.search).get("mode") === "quick" || window.location.hash === "#quick";
}

/** Quick-ask window: hide it (Esc). */
export function hideQuickAsk(): void {
  bridge()?.hide_quick_ask?.().catch(() => undefined);
}

/** Quick-ask window: open this thread in the main window and hide the quick one. */
export function continueInKitdesk(threadId: string): void {
  bridge()?.continue_in_kitdesk?.(threadId).catch(() => undefined);
}

/**
 * The thread this page was opened on (`#thread=<id>`: a chat's "Open in new window",
 * in a desktop window or a browser tab), or null. The fragment is then dropped from
 * the address, so a reload follows the thread the person moved on to.
 */
export function takeThreadFromLocation(): string | null {
  const threadId = threadOfFragment(window.location.hash);
  if (threadId !== null) {
    history.replaceState(history.state, "", window.location.pathname + window.location.search);
  }
  return threadId;
}

/** Whether this page is in a desktop main window, which can open another one. */
export function canOpenWindows(): boolean {
  return typeof bridge()?.new_window === "function";
}

/** Open another main window on a new chat (desktop only); false where there is none to open. */
export function openNewWindow(): boolean {
  const open = bridge()?.new_window;
  if (typeof open !== "function") return false;
  open().catch(() => undefined);
  return true;
}

/** Parse an event's detail into a command, or null for anything else. */
export function parseCommand(detail: unknown): DesktopCommand | null {
  if (typeof detail !== "object" || detail === null) return null;
  const record = detail as Record<string, unknown>;
  if (record.action === "newChat") return { action: "newChat" };
  if (record.action === "openThread" && typeof record.threadId === "string" && record.threadId) {
    return { action: "openThread", threadId: record.threadId };
  }
  return null;
}

/** Listen for the window's commands; returns the function that stops listening. */
export function onDesktopCommand(handle: (command: DesktopCommand) => void): () => void {
  const listener = (event: Event) => {
    const command = parseCommand((event as CustomEvent<unknown>).detail);
    if (command) handle(command);
  };
  window.addEventListener(COMMAND_EVENT, listener);
  return () => window.removeEventListener(COMMAND_EVENT, listener);
}

/** Tell the desktop window an answer finished (it notifies if it is not focused). */
export function reportAnswerFinished(threadId: string, title: string, body: string): void {
  bridge()?.answer_finished?.(threadId, title, body).catch(() => {
    // A notification that could not be shown is not worth an error in the chat.
  });
}

/** The element that has the focus, looking through open shadow roots (the chat element uses one). */
export function deepActiveElement(root: Document | ShadowRoot = document): Element | null {
  let active = root.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Whether the quick window can take typing now: it has the keyboard and its composer the focus. */
function readyForTyping(): boolean {
  return document.hasFocus() && deepActiveElement()?.matches("textarea.ck-input") === true;
}

/**
 * Quick-ask window: once this show's fresh question can take typing, put `show` on
 * `<html data-quick-ready>`. Waits for focus events rather than polling; a newer show
 * supersedes an older one still waiting. Returns the function that stops waiting.
 */
export function announceQuickReady(show: number): () => void {
  const root = document.documentElement;
  const check = () => {
    if (!readyForTyping()) return;
    root.setAttribute(QUICK_READY_ATTRIBUTE, String(show));
    stop();
  };
  const stop = () => {
    window.removeEventListener("focus", check);
    document.removeEventListener("focusin", check);
  };
  window.addEventListener("focus", check);
  document.addEventListener("focusin", check);
  check();
  return stop;
}
