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

/** Moves focus to the history panel's search field, if it has one. */
export function focusHistorySearch(element: HTMLElement | null): void {
  const scope = root(element);
  const field = scope?.querySelector<HTMLInputElement>('input[type="search"], input[aria-label^="Search"]');
  field?.focus();
}
