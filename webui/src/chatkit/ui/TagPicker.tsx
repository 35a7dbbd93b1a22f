/**
 * The composer's @-mention picker: typing `@query` asks the page's
 * `entities.onTagSearch` (debounced, stale answers dropped) and shows the
 * entities as a listbox under the composer, grouped by `group`. Arrow keys
 * move, Enter or Tab picks, Esc closes; the textarea keeps focus throughout
 * (aria-activedescendant), as in a combobox.
 */
import type { Entity } from "@openai/chatkit";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactElement, type RefObject } from "react";
import { mentionAt, type Mention } from "../state/entities";
import { messageOf } from "../state/errors";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";

const SEARCH_DELAY_MS = 120;

export interface TagSearch {
  /** Call after every change of text or caret. */
  update: () => void;
  /** Start a mention at the caret (the composer's "@" button). */
  start: () => void;
  /** Handles the picker's keys; true when the key was used. */
  onKeyDown: (event: KeyboardEvent<HTMLTextAreaElement>) => boolean;
  /** Combobox attributes for the textarea. */
  inputProps: { role?: "combobox"; "aria-expanded"?: boolean; "aria-controls"?: string; "aria-activedescendant"?: string; "aria-autocomplete"?: "list" };
  picker: ReactElement | null;
  enabled: boolean;
}

export function useTagSearch(textareaRef: RefObject<HTMLTextAreaElement | null>): TagSearch {
  const { controller, t } = useEnv();
  const onTagSearch = useChatState((s) => s.options?.entities?.onTagSearch);
  const [mention, setMention] = useState<Mention | null>(null);
  const [results, setResults] = useState<Entity[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const token = useRef(0);
  const enabled = Boolean(onTagSearch);

  const update = useCallback(() => {
    const area = textareaRef.current;
    if (!area || !onTagSearch) return;
    const next = area.selectionStart === area.selectionEnd ? mentionAt(area.value, area.selectionStart) : null;
    setMention((current) => (current?.start === next?.start && current?.query === next?.query ? current : next));
  }, [textareaRef, onTagSearch]);

  useEffect(() => {
    if (!mention || !onTagSearch) {
      setResults([]);
      setError(null);
      return;
    }
    const mine = ++token.current;
    const timer = setTimeout(() => {
      Promise.resolve()
        .then(() => onTagSearch(mention.query))
        .then(
          (entities) => {
            if (mine !== token.current) return;
            setResults(Array.isArray(entities) ? entities : []);
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
  }, [mention, onTagSearch]);

  const close = () => {
    token.current += 1;
    setMention(null);
  };

  const choose = (entity: Entity) => {
    if (!mention) return;
    controller.chooseTag(mention, entity);
    close();
  };

  const start = () => {
    const area = textareaRef.current;
    if (!area) return;
    const caret = area.selectionStart;
    const before = area.value.slice(0, caret);
    const insert = before && !/\s$/.test(before) ? " @" : "@";
    const text = before + insert + area.value.slice(area.selectionEnd);
    controller.setComposerText(text);
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
      const entity = results[active];
      if (entity) choose(entity);
      return true;
    }
    return false;
  };

  const listId = "ck-tag-list";
  let lastGroup: string | undefined;
  const picker = open ? (
    <div className="ck-tag-picker">
      {error ? (
        <p className="ck-tag-error" role="alert">
          {error}
        </p>
      ) : (
        <ul id={listId} role="listbox" aria-label={t("composer.tagSearch")}>
          {results.map((entity, index) => {
            const header = entity.group && entity.group !== lastGroup ? entity.group : null;
            lastGroup = entity.group;
            return [
              header ? (
                <li key={`g:${header}`} role="presentation" className="ck-tag-group">
                  {header}
                </li>
              ) : null,
              <li
                key={entity.id}
                id={`ck-tag-${index}`}
                role="option"
                aria-selected={index === active}
                className={`ck-tag-option${index === active ? " ck-active" : ""}`}
                onMouseDown={(event) => {
                  // Keep focus in the textarea.
                  event.preventDefault();
                  choose(entity);
                }}
                onMouseEnter={() => setActive(index)}
              >
                {entity.icon ? <Icon name={entity.icon} size={15} /> : <span className="ck-tag-at">@</span>}
                <span>{entity.title}</span>
              </li>,
            ];
          })}
        </ul>
      )}
    </div>
  ) : null;

  return {
    update,
    start,
    onKeyDown,
    enabled,
    inputProps: enabled
      ? {
          role: "combobox",
          "aria-expanded": open,
          "aria-autocomplete": "list",
          ...(open ? { "aria-controls": listId, "aria-activedescendant": `ck-tag-${active}` } : {}),
        }
      : {},
    picker,
  };
}
