/**
 * "Open in new window" on a chat: the chat opens on its own in another window.
 *
 * In Kitdesk's desktop window the pywebview bridge opens another main window on
 * that thread (window/bridge.py `new_window`); anywhere else (`kitdesk serve` in a
 * browser) a new tab opens this same page with `#thread=<id>`, a relative address,
 * which the app reads as the thread to start on (app/desktop.ts `threadFromLocation`;
 * the desktop window is pointed at the same fragment).
 */

export const THREAD_FRAGMENT = "#thread=";

type WindowBridge = { new_window?: (threadId?: string | null) => Promise<unknown> };

function desktopBridge(): WindowBridge | undefined {
  return (window as unknown as { pywebview?: { api?: WindowBridge } }).pywebview?.api;
}

/** The relative address of this page opened on `threadId`. */
export function threadAddress(threadId: string): string {
  return `${THREAD_FRAGMENT}${encodeURIComponent(threadId)}`;
}

/** The thread a `#thread=<id>` address names, or null. */
export function threadOfFragment(hash: string): string | null {
  if (!hash.startsWith(THREAD_FRAGMENT)) return null;
  try {
    const id = decodeURIComponent(hash.slice(THREAD_FRAGMENT.length));
    return id && id.length <= 200 ? id : null;
  } catch {
    return null; // a malformed escape: no thread
  }
}

/** Open `threadId` in another window (desktop) or tab (browser). */
export function openThreadInNewWindow(threadId: string): void {
  const open = desktopBridge()?.new_window;
  if (typeof open === "function") {
    open(threadId).catch(() => undefined);
    return;
  }
  window.open(threadAddress(threadId), "_blank", "noopener");
}
