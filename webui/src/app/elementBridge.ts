// The two shortcuts the ChatKit element API has no method for (stop, focus the
// history search) reach into the element's own controls by their accessible
// names, so they keep working with any element that labels its buttons.

function root(element: HTMLElement | null): ParentNode | null {
  if (!element) return null;
  return element.shadowRoot ?? element;
}

/** Presses the element's Stop button when one is showing. True when it did. */
export function stopResponse(element: HTMLElement | null): boolean {
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
