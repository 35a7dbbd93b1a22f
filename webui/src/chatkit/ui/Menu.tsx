/**
 * A small accessible popup menu: a trigger button, items navigable with the
 * arrow keys, Escape closes and returns focus to the trigger. The open menu is
 * placed on screen (``menuPlacement.ts``): above its trigger when there is no
 * room below, never clipped by the list it sits in; scrolling that list closes it.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement, type ReactNode } from "react";
import { placeMenu } from "./menuPlacement";

/** Put an open menu where all of it is visible (see menuPlacement.ts). */
function placeOnScreen(list: HTMLElement, trigger: HTMLElement, preferred: "up" | "down", align: "start" | "end"): void {
  const style = list.style;
  // Measure from the fixed containing block's origin (the element's host may be one), at full height.
  Object.assign(style, { position: "fixed", top: "0px", left: "0px", right: "auto", bottom: "auto", maxHeight: "none" });
  const origin = list.getBoundingClientRect();
  const root = document.documentElement;
  const place = placeMenu(
    trigger.getBoundingClientRect(),
    { width: origin.width, height: list.scrollHeight },
    { width: root.clientWidth, height: root.clientHeight },
    preferred,
    align,
    getComputedStyle(trigger).direction === "rtl",
  );
  Object.assign(style, { top: `${place.top - origin.top}px`, left: `${place.left - origin.left}px`, maxHeight: `${place.maxHeight}px` });
  list.dataset["side"] = place.side;
}

export interface MenuItem {
  id: string;
  label: string;
  description?: string;
  icon?: ReactNode;
  disabled?: boolean;
  selected?: boolean;
  danger?: boolean;
}

export function Menu({
  trigger,
  triggerLabel,
  triggerClassName,
  items,
  onSelect,
  placement = "up",
  align = "start",
  radio = false,
  title,
  tabIndex,
}: {
  trigger: ReactNode;
  triggerLabel: string;
  triggerClassName?: string;
  items: MenuItem[];
  onSelect: (id: string) => void;
  placement?: "up" | "down";
  align?: "start" | "end";
  radio?: boolean;
  title?: string;
  /** For a trigger inside a list with one tab stop (-1 off the stop). */
  tabIndex?: number;
}): ReactElement {
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement | null>(null);
  const listRef = useRef<HTMLDivElement | null>(null);
  const id = useId();

  useLayoutEffect(() => {
    const list = listRef.current;
    const button = triggerRef.current;
    if (!open || !list || !button) return;
    const place = () => placeOnScreen(list, button, placement, align);
    place();
    window.addEventListener("resize", place);
    return () => window.removeEventListener("resize", place);
  }, [open, placement, align, items.length]);

  useEffect(() => {
    if (!open) return;
    const list = listRef.current;
    const buttons = list ? Array.from(list.querySelectorAll<HTMLButtonElement>("[role^=menuitem]:not([disabled])")) : [];
    (buttons.find((b) => b.getAttribute("aria-checked") === "true") ?? buttons[0])?.focus({ preventScroll: true });
    const onDown = (event: Event) => {
      const path = event.composedPath();
      if (list && !path.includes(list) && triggerRef.current && !path.includes(triggerRef.current)) setOpen(false);
    };
    // The menu stays put while the list under it scrolls: close it rather than float away.
    const root = triggerRef.current?.getRootNode() ?? document;
    const onScroll = (event: Event) => {
      if (!(list && event.target instanceof Node && list.contains(event.target))) setOpen(false);
    };
    window.addEventListener("pointerdown", onDown, true);
    root.addEventListener("scroll", onScroll, true);
    return () => {
      window.removeEventListener("pointerdown", onDown, true);
      root.removeEventListener("scroll", onScroll, true);
    };
  }, [open]);

  const close = (focusTrigger: boolean) => {
    setOpen(false);
    if (focusTrigger) triggerRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const list = listRef.current;
    if (!list) return;
    const buttons = Array.from(list.querySelectorAll<HTMLButtonElement>("[role^=menuitem]:not([disabled])"));
    const index = buttons.indexOf(event.target as HTMLButtonElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = (index + (event.key === "ArrowDown" ? 1 : -1) + buttons.length) % buttons.length;
      buttons[next]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      buttons[event.key === "Home" ? 0 : buttons.length - 1]?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    }
  };

  return (
    <div className="ck-menu-wrap">
      <button
        ref={triggerRef}
        type="button"
        className={triggerClassName ?? "ck-icon-btn"}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={triggerLabel}
        title={title ?? triggerLabel}
        tabIndex={tabIndex}
        onClick={() => setOpen(!open)}
      >
        {trigger}
      </button>
      {open ? (
        <div ref={listRef} id={id} role="menu" aria-label={triggerLabel} className={`ck-menu ck-menu-${placement} ck-menu-${align}`} onKeyDown={onKeyDown}>
          {items.map((item) => (
            <button
              key={item.id}
              type="button"
              role={radio ? "menuitemradio" : "menuitem"}
              aria-checked={radio ? Boolean(item.selected) : undefined}
              disabled={item.disabled}
              className={`ck-menu-item${item.selected ? " ck-selected" : ""}${item.danger ? " ck-danger" : ""}`}
              onClick={() => {
                close(true);
                onSelect(item.id);
              }}
            >
              {item.icon ? <span className="ck-menu-icon">{item.icon}</span> : null}
              <span className="ck-menu-text">
                <span className="ck-menu-label">{item.label}</span>
                {item.description ? <span className="ck-menu-desc">{item.description}</span> : null}
              </span>
              {radio && item.selected ? <span className="ck-menu-check" aria-hidden="true">✓</span> : null}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
