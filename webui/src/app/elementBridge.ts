// The two shortcuts the ChatKit element API has no method for (stop, focus the
// history search), and the rule for a shortcut's delayed focus. Our element has
// a method for stopping; otherwise these reach into the element's own controls
// by their accessible names.

import { deepActiveElement } from "./desktop";

function root(element: HTMLElement | null): ParentNode | null {
  if (!element) return null;
  return element.shadowRoot ?? element;
}

/**
 * Stops the answer being streamed. Kitdesk's element has `cancelResponse()`
 * for this; any other gets its Stop button pressed. True when it did either.
 */
export function stopResponse(element: HTMLElement | null): boolean {
  const cancel = (element as (HTMLElement & { cancelResponse?: unknown }) | null)?.cancelResponse;
  if (element && typeof cancel === "function") {
    cancel.call(element);
    return true;
  }
  const scope = root(element);
  const button = scope?.querySelector<HTMLButtonElement>(
    'button[aria-label="Stop"], button[aria-label^="Stop "], button[data-action="stop"]',
  );
  if (!button || button.disabled) return false;
  button.click();
  return true;
}

/**
 * Moves focus to the history panel's search field. The panel renders on a
 * later frame after showHistory(), so look for a few frames.
 */
export function focusHistorySearch(element: HTMLElement | null, frames = 10): void {
  const field = root(element)?.querySelector<HTMLInputElement>('input[type="search"], input[aria-label^="Search"]');
  if (field) {
    field.focus();
    field.select();
  } else if (frames > 0) {
    requestAnimationFrame(() => focusHistorySearch(element, frames - 1));
  }
}

/**
 * Runs `focus` (a later frame's focus move) only if the person has not put the
 * focus somewhere themselves since `before` was taken: a shortcut's delayed
 * focus must not take the search box they clicked and are typing into.
 */
export function focusUnlessMoved(before: Element | null, focus: () => void): void {
  const now = deepActiveElement();
  if (now === before || now === null || now === document.body) focus();
}
