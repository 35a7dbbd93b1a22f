import { describe, expect, it } from "vitest";
import { MENU_GAP, VIEWPORT_MARGIN, placeMenu } from "./menuPlacement";

const viewport = { width: 800, height: 400 };
const menu = { width: 220, height: 300 };
const trigger = (top: number, left = 500) => ({ top, bottom: top + 24, left, right: left + 24 });

describe("placing a menu inside the viewport", () => {
  it("opens on its preferred side when there is room", () => {
    const place = placeMenu(trigger(20), menu, viewport, "down", "end");
    expect(place).toEqual({ side: "down", top: 20 + 24 + MENU_GAP, left: 524 - 220, maxHeight: 400 - 44 - MENU_GAP - VIEWPORT_MARGIN });
  });

  it("opens upward for the last row of a short window, entirely on screen", () => {
    const place = placeMenu(trigger(360), menu, viewport, "down", "end");
    expect(place.side).toBe("up");
    expect(place.top + Math.min(menu.height, place.maxHeight)).toBe(360 - MENU_GAP);
    expect(place.top).toBeGreaterThanOrEqual(VIEWPORT_MARGIN);
  });

  it("keeps the roomier side and scrolls when neither side fits", () => {
    const place = placeMenu(trigger(150), { width: 220, height: 390 }, viewport, "down", "start");
    expect(place.side).toBe("down"); // 196 px below beats 136 above
    expect(place.maxHeight).toBe(400 - 174 - MENU_GAP - VIEWPORT_MARGIN);
    expect(place.top + place.maxHeight).toBeLessThanOrEqual(viewport.height - VIEWPORT_MARGIN);
  });

  it("slides sideways to stay inside, in either direction of writing", () => {
    expect(placeMenu(trigger(20, 10), menu, viewport, "down", "end").left).toBe(VIEWPORT_MARGIN);
    expect(placeMenu(trigger(20, 760), menu, viewport, "down", "start").left).toBe(800 - VIEWPORT_MARGIN - 220);
    // RTL: "end" is the trigger's left edge.
    expect(placeMenu(trigger(20, 300), menu, viewport, "down", "end", true).left).toBe(300);
  });

  it("prefers upward for the composer's pickers and goes down only when there is more room", () => {
    expect(placeMenu(trigger(350), menu, viewport, "up", "start").side).toBe("up");
    expect(placeMenu(trigger(30), { width: 220, height: 100 }, viewport, "up", "start").side).toBe("down");
  });
});
