/**
 * Where a popup menu goes so that all of it stays on screen.
 *
 * A menu opens on its preferred side of its trigger (below for a row's "…",
 * above for the composer's pickers). When that side has no room for it (the
 * last chat at the bottom of a short window) it opens on the other side if
 * that has more room, and in either case it is no taller than the room it has
 * (it scrolls) and slides sideways to stay inside the viewport. The menu is
 * `position: fixed`, so no scrolling list around its trigger clips it.
 */

export interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface MenuPlace {
  side: "up" | "down";
  top: number;
  left: number;
  maxHeight: number;
}

/** Between the trigger and the menu. */
export const MENU_GAP = 6;
/** Kept free between the menu and the viewport's edges. */
export const VIEWPORT_MARGIN = 8;

export function placeMenu(
  trigger: Box,
  menu: { width: number; height: number },
  viewport: { width: number; height: number },
  preferred: "up" | "down",
  align: "start" | "end",
  rtl = false,
): MenuPlace {
  const room = {
    down: viewport.height - trigger.bottom - MENU_GAP - VIEWPORT_MARGIN,
    up: trigger.top - MENU_GAP - VIEWPORT_MARGIN,
  };
  const other = preferred === "down" ? "up" : "down";
  const side = menu.height > room[preferred] && room[other] > room[preferred] ? other : preferred;
  const maxHeight = Math.max(0, Math.floor(room[side]));
  const height = Math.min(menu.height, maxHeight);
  const top = side === "down" ? trigger.bottom + MENU_GAP : trigger.top - MENU_GAP - height;
  // "end" lines the menu up with the trigger's end edge: its right edge, or its left in RTL.
  const fromRight = (align === "end") !== rtl;
  const wanted = fromRight ? trigger.right - menu.width : trigger.left;
  const widest = viewport.width - VIEWPORT_MARGIN - menu.width;
  const left = Math.max(VIEWPORT_MARGIN, Math.min(wanted, widest));
  return { side, top: Math.max(VIEWPORT_MARGIN, top), left, maxHeight };
}
