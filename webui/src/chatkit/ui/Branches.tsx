/**
 * Versions of a message: the `‹ 2 / 3 ›` switcher shown on messages that have
 * siblings (an edited question, a regenerated answer), the pencil that opens
 * one of the person's own messages for editing, and the in-place editor whose
 * text is sent as a new branch. Switching and editing go through the
 * controller (Kitdesk's branches API); without that API none of this shows.
 */
import { useEffect, useRef, useState, type ReactElement } from "react";
import type { UserMessageItem } from "../protocol/types";
import { siblingTowards, type Fork } from "../state/branches";
import { textAndTags } from "../state/entities";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";

/** After a switch the row is drawn anew: put focus back on the button that was pressed. */
let refocus: { siblings: string; step: -1 | 1 } | null = null;

export function BranchSwitcher({ fork }: { fork: Fork }): ReactElement {
  const { t, controller } = useEnv();
  const responding = useChatState((s) => s.responding);
  const previous = siblingTowards(fork, -1);
  const next = siblingTowards(fork, 1);
  const siblings = fork.sibling_ids.join(" ");
  const previousRef = useRef<HTMLButtonElement | null>(null);
  const nextRef = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (refocus?.siblings !== siblings) return;
    const wanted = refocus.step < 0 ? previousRef.current : nextRef.current;
    const fallback = refocus.step < 0 ? nextRef.current : previousRef.current;
    refocus = null;
    (wanted && !wanted.disabled ? wanted : fallback)?.focus();
  }, [siblings, fork.index]);
  const go = (target: string | null, step: -1 | 1) => {
    if (!target) return;
    refocus = { siblings, step };
    void controller.switchBranch(target);
  };
  return (
    <div className="ck-branch" role="group" aria-label={t("branch.group")}>
      <button
        ref={previousRef}
        type="button"
        className="ck-icon-btn ck-sm"
        aria-label={t("branch.previous")}
        title={t("branch.previous")}
        disabled={!previous || responding}
        onClick={() => go(previous, -1)}
      >
        <Icon name="chevron-left" size={14} />
      </button>
      <span className="ck-branch-position" aria-hidden="true">{`${fork.index} / ${fork.count}`}</span>
      <span className="ck-sr-only">{t("branch.position", { index: fork.index, count: fork.count })}</span>
      <button
        ref={nextRef}
        type="button"
        className="ck-icon-btn ck-sm"
        aria-label={t("branch.next")}
        title={t("branch.next")}
        disabled={!next || responding}
        onClick={() => go(next, 1)}
      >
        <Icon name="chevron-right" size={14} />
      </button>
    </div>
  );
}

/** Under one of the person's messages: its versions and the pencil. */
export function UserMessageActions({ fork, onEdit }: { fork: Fork | null; onEdit: (() => void) | null }): ReactElement | null {
  const { t } = useEnv();
  const responding = useChatState((s) => s.responding);
  if (!fork && !onEdit) return null;
  return (
    <div className={`ck-actions ck-user-actions${fork ? " ck-actions-latest" : ""}`} role="toolbar" aria-label={t("message.actions")}>
      {onEdit ? (
        <button type="button" className="ck-icon-btn ck-sm" aria-label={t("message.edit")} title={t("message.edit")} disabled={responding} onClick={onEdit}>
          <Icon name="pencil" size={15} />
        </button>
      ) : null}
      {fork ? <BranchSwitcher fork={fork} /> : null}
    </div>
  );
}

/** The message's text opened in place; sending it starts a new branch. */
export function EditMessage({ item, onClose }: { item: UserMessageItem; onClose: () => void }): ReactElement {
  const { t, controller } = useEnv();
  const responding = useChatState((s) => s.responding);
  const [text, setText] = useState(() => textAndTags(item.content).text);
  const area = useRef<HTMLTextAreaElement | null>(null);
  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const send = () => {
    if (!text.trim() || responding) return;
    onClose();
    void controller.editMessage(item.id, text);
  };
  return (
    <form
      className="ck-edit"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        ref={area}
        className="ck-edit-input"
        aria-label={t("edit.label")}
        rows={Math.min(10, Math.max(2, text.split("\n").length))}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            onClose();
          } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <div className="ck-edit-actions">
        <button type="button" className="ck-btn ck-btn-ghost" onClick={onClose}>
          {t("edit.cancel")}
        </button>
        <button type="submit" className="ck-btn" disabled={!text.trim() || responding}>
          {t("edit.send")}
        </button>
      </div>
    </form>
  );
}
