/**
 * The composer's pickers: typing `@query` asks the page's
 * `entities.onTagSearch`, typing `/query` at the start of the draft asks
 * `commands.onSearch` (both debounced, stale answers dropped), and the
 * matches show as a listbox under the composer, grouped by `group`. Arrow keys move, Enter or Tab
 * picks, Esc closes; the textarea keeps focus throughout
 * (aria-activedescendant), as in a combobox.
 */
import type { Command, Entity } from "@openai/chatkit";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactElement, type RefObject } from "react";
import { mentionAt, type Mention } from "../state/entities";
import { messageOf } from "../state/errors";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";

const SEARCH_DELAY_MS = 120;

export interface ComposerPicker {
  /** Call after every change of text or caret. */
  update: () => void;
  /** Start a mention at the caret (the composer's "@" button). */
  start: () => void;
  /** Handles the picker's keys; true when the key was used. */
  onKeyDown: (event: KeyboardEvent<HTMLTextAreaElement>) => boolean;
  open: boolean;
  /** Combobox attributes for the textarea while this picker is open. */
  activeProps: { "aria-controls": string; "aria-activedescendant": string };
  picker: ReactElement | null;
  enabled: boolean;
}

interface PickerItem {
  id: string;
  title: string;
  icon?: string | undefined;
  group?: string | undefined;
  description?: string | undefined;
}

interface PickerConfig<T> {
  trigger: "@" | "/";
  listId: string;
  label: string;
  search: ((query: string) => Promise<T[]>) | undefined;
  view: (item: T) => PickerItem;
  /** Picked: returns items to show next (a sub-menu), or nothing to close. */
  choose: (item: T, mention: Mention) => Promise<T[] | void> | T[] | void;
}

function usePicker<T>(textareaRef: RefObject<HTMLTextAreaElement | null>, config: PickerConfig<T>): ComposerPicker {
  const { controller } = useEnv();
  const { search, trigger } = config;
  const [mention, setMention] = useState<Mention | null>(null);
  const [results, setResults] = useState<T[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const token = useRef(0);
  // The mention a pick was made for, and whether that pick is done. Until the picker
  // re-renders shut, its key handler still sees the old mention and results: an Enter
  // right after a click (a busy machine is slow to re-render) must not pick again over
  // the stale range, and once the pick is done it is the composer's (send).
  const picked = useRef<{ mention: Mention; done: boolean } | null>(null);
  const enabled = Boolean(search);

  const update = useCallback(() => {
    const area = textareaRef.current;
    if (!area || !search) return;
    const next = area.selectionStart === area.selectionEnd ? mentionAt(area.value, area.selectionStart, trigger) : null;
    setMention((current) => (current?.start === next?.start && current?.query === next?.query ? current : next));
  }, [textareaRef, search, trigger]);

  useEffect(() => {
    if (!mention || !search) {
      setResults([]);
      setError(null);
      return;
    }
    const mine = ++token.current;
    const timer = setTimeout(() => {
      Promise.resolve()
        .then(() => search(mention.query))
        .then(
          (items) => {
            if (mine !== token.current) return;
            setResults(Array.isArray(items) ? items : []);
            setError(null);
            setActive(0);
          },
          (failure: unknown) => {
            if (mine !== token.current) return;
            setResults([]);
            setError(messageOf(failure));
          },
        );
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [mention, search]);

  const close = () => {
    token.current += 1;
    setMention(null);
  };

  const choose = (item: T) => {
    if (!mention || picked.current?.mention === mention) return;
    const chosenAt = mention;
    const pick = { mention, done: false };
    picked.current = pick;
    const mine = ++token.current;
    Promise.resolve()
      .then(() => config.choose(item, chosenAt))
      .then(
        (next) => {
          if (mine !== token.current) return;
          if (Array.isArray(next) && next.length) {
            picked.current = null; // a sub-menu: the next pick is for the same mention
            setResults(next);
            setActive(0);
          } else {
            pick.done = true;
            close();
          }
        },
        (failure: unknown) => {
          pick.done = true;
          controller.reportPageError(failure);
          close();
        },
      );
  };

  const start = () => {
    const area = textareaRef.current;
    if (!area) return;
    const caret = area.selectionStart;
    const before = area.value.slice(0, caret);
    const insert = before && !/\s$/.test(before) ? ` ${trigger}` : trigger;
    controller.setComposerText(before + insert + area.value.slice(area.selectionEnd));
    const at = caret + insert.length;
    setMention({ start: at - 1, end: at, query: "" });
    requestAnimationFrame(() => {
      area.focus();
      area.setSelectionRange(at, at);
    });
  };

  const open = mention !== null && (results.length > 0 || error !== null);
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!mention) return false;
    if (picked.current?.mention === mention) {
      if (picked.current.done) return false; // closing: the key is the composer's
      const picking = (event.key === "Enter" || event.key === "Tab") && !event.shiftKey;
      if (picking) event.preventDefault(); // still picking: not a second pick, not a send
      return picking;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      close();
      return true;
    }
    if (!results.length) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((index) => (index + step + results.length) % results.length);
      return true;
    }
    if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      event.preventDefault();
      const item = results[active];
      if (item !== undefined) choose(item);
      return true;
    }
    return false;
  };

  const optionId = (index: number) => `${config.listId}-${index}`;
  let lastGroup: string | undefined;
  const picker = open ? (
    <div className="ck-tag-picker">
      {error ? (
        <p className="ck-tag-error" role="alert">
          {error}
        </p>
      ) : (
        <ul id={config.listId} role="listbox" aria-label={config.label}>
          {results.map((result, index) => {
            const item = config.view(result);
            const header = item.group && item.group !== lastGroup ? item.group : null;
            lastGroup = item.group;
            return [
              header ? (
                <li key={`g:${header}`} role="presentation" className="ck-tag-group">
                  {header}
                </li>
              ) : null,
              <li
                key={item.id}
                id={optionId(index)}
                role="option"
                aria-selected={index === active}
                className={`ck-tag-option${index === active ? " ck-active" : ""}`}
                onMouseDown={(event) => {
                  // Keep focus in the textarea.
                  event.preventDefault();
                  choose(result);
                }}
                onMouseEnter={() => setActive(index)}
              >
                {item.icon ? <Icon name={item.icon} size={15} /> : <span className="ck-tag-at">{trigger}</span>}
                <span>{item.title}</span>
                {item.description ? <span className="ck-tag-desc">{item.description}</span> : null}
              </li>,
            ];
          })}
        </ul>
      )}
    </div>
  ) : null;

  return { update, start, onKeyDown, enabled, open, activeProps: { "aria-controls": config.listId, "aria-activedescendant": optionId(active) }, picker };
}

/** `@` mentions: entities.onTagSearch; the pick becomes an input_tag. */
export function useTagSearch(textareaRef: RefObject<HTMLTextAreaElement | null>): ComposerPicker {
  const { controller, t } = useEnv();
  const onTagSearch = useChatState((s) => s.options?.entities?.onTagSearch);
  return usePicker<Entity>(textareaRef, {
    trigger: "@",
    listId: "ck-tag-list",
    label: t("composer.tagSearch"),
    search: onTagSearch,
    view: (entity) => ({ id: entity.id, title: entity.title, icon: entity.icon, group: entity.group }),
    choose: (entity, mention) => controller.chooseTag(mention, entity),
  });
}

/** `/` commands: commands.onSearch, then commands.onSelect (an entity to insert, a sub-menu, or an effect). */
export function useCommandMenu(textareaRef: RefObject<HTMLTextAreaElement | null>): ComposerPicker {
  const { controller, t } = useEnv();
  const commands = useChatState((s) => s.options?.commands);
  const onSearch = commands?.enabled ? commands.onSearch : undefined;
  return usePicker<Command>(textareaRef, {
    trigger: "/",
    listId: "ck-command-list",
    label: t("composer.commands"),
    search: onSearch,
    view: (command) => ({ id: command.id, title: command.label, icon: command.icon, group: command.group, description: command.description }),
    choose: async (command, mention) => {
      const draft = controller.getState().composer.text;
      const selection = commands?.onSelect ? await commands.onSelect(command) : undefined;
      if (selection && selection.type === "menu") return selection.commands;
      if (selection && selection.type === "entity") controller.chooseTag(mention, selection.entity);
      // The command's effect may have been to set the draft (setComposerValue): keep what it set.
      else if (controller.getState().composer.text === draft) controller.removeComposerRange(mention.start, mention.end);
      controller.logEvent("composer.command", { id: command.id });
      return undefined;
    },
  });
}
