// The app's keyboard shortcuts: one table used both to act and to list them in
// the help panel, so the two never disagree.

import { canOpenWindows } from "./desktop";
import type { T } from "./i18n";

export type ShortcutAction = "newChat" | "newWindow" | "search" | "settings" | "stop" | "focusComposer" | "help";

export type Shortcut = { action: ShortcutAction; keys: string; label: string };

/** True on macOS, where the primary modifier is Cmd. */
export function isMac(platform: string = navigator.platform): boolean {
  return /mac|iphone|ipad/i.test(platform);
}

/**
 * The shortcuts with their labels in the language shown (`keys` alternatives are separated by "  or  ").
 * `windows`: the page is in the desktop app, which can open more windows.
 */
export function shortcutTable(t: T, mac: boolean = isMac(), windows: boolean = canOpenWindows()): Shortcut[] {
  const mod = mac ? "⌘" : "Ctrl";
  const shift = mac ? "⇧" : "Shift";
  return [
    { action: "newChat", keys: `${mod} N`, label: t("shortcuts.newChat") },
    ...(windows ? [{ action: "newWindow" as const, keys: `${mod} ${shift} N`, label: t("shortcuts.newWindow") }] : []),
    { action: "search", keys: `${mod} K`, label: t("shortcuts.search") },
    { action: "settings", keys: `${mod} ,`, label: t("shortcuts.settings") },
    { action: "focusComposer", keys: "/", label: t("shortcuts.focusComposer") },
    { action: "stop", keys: t("key.esc"), label: t("shortcuts.stop") },
    { action: "help", keys: `${mod} /  or  ?`, label: t("shortcuts.help") },
  ];
}

type KeyLike = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">;

/**
 * Which action a key press asks for. `typing` is true when focus is in a text
 * field: then the bare keys (`/`, `?`) belong to the field, not to us.
 */
export function matchShortcut(event: KeyLike, typing: boolean, mac: boolean = isMac()): ShortcutAction | null {
  const primary = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (primary && !event.altKey) {
    const key = event.key.toLowerCase();
    if (key === "n") return event.shiftKey ? "newWindow" : "newChat";
    if (key === "k" && !event.shiftKey) return "search";
    if (key === ",") return "settings";
    if (key === "/") return "help";
    return null;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.key === "Escape") return "stop";
  if (typing) return null;
  if (event.key === "/") return "focusComposer";
  if (event.key === "?") return "help";
  return null;
}

/** Whether the element that has focus (looking through shadow roots) takes text. */
export function isTypingTarget(event: Event): boolean {
  const target = event.composedPath()[0];
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color", "file"].includes(target.type);
  }
  return false;
}
