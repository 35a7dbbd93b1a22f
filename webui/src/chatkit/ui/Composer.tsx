/**
 * The composer: an auto-growing textarea (Enter sends, Shift+Enter breaks the
 * line, IME composition never sends), attachments by picker, paste and drop,
 * the model picker and tool menu, and Send that becomes Stop while an answer
 * streams.
 */
import { useEffect, useLayoutEffect, useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent, type ReactElement } from "react";
import { formatBytes } from "../locale";
import type { ComposerAttachment } from "../state/controller";
import { modelRefLabel } from "../state/thread";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";
import { Markdown } from "./Markdown";
import { Menu } from "./Menu";
import { DictationButton, DictationStatus } from "./Dictation";
import { useCommandMenu, useTagSearch } from "./TagPicker";

function acceptAttribute(accept: Record<string, string[]> | undefined): string | undefined {
  if (!accept) return undefined;
  return Object.entries(accept)
    .flatMap(([mime, exts]) => [mime, ...exts])
    .join(",");
}

function Chip({ chip }: { chip: ComposerAttachment }): ReactElement {
  const { t, controller } = useEnv();
  // A refused upload or an image the browser cannot decode shows the file icon.
  const [previewFailed, setPreviewFailed] = useState(false);
  return (
    <div className={`ck-chip ck-chip-${chip.status}`} title={chip.error ?? chip.name}>
      {chip.previewUrl && chip.status !== "error" && !previewFailed ? (
        <img className="ck-chip-thumb" src={chip.previewUrl} alt="" onError={() => setPreviewFailed(true)} />
      ) : (
        <span className="ck-chip-icon">
          <Icon name="file" size={18} />
        </span>
      )}
      <span className="ck-chip-text">
        <span className="ck-chip-name">{chip.name}</span>
        <span className="ck-chip-meta">
          {chip.status === "error" ? (chip.error ?? t("composer.uploadFailed")) : chip.size ? formatBytes(chip.size, t) : ""}
        </span>
      </span>
      {chip.status === "uploading" ? (
        <span className="ck-chip-progress" role="progressbar" aria-label={t("composer.uploading", { name: chip.name })} />
      ) : null}
      <button type="button" className="ck-chip-remove" aria-label={t("composer.removeAttachment", { name: chip.name })} onClick={() => controller.removeAttachment(chip.localId)}>
        <Icon name="close" size={12} />
      </button>
    </div>
  );
}

export function Composer(): ReactElement {
  const { t, controller } = useEnv();
  const composer = useChatState((s) => s.composer);
  const responding = useChatState((s) => s.responding);
  const options = useChatState((s) => s.options);
  const status = useChatState((s) => s.view.thread?.status);
  const allowCancel = useChatState((s) => s.view.allowCancel);
  const textareaRef = useRef<HTMLTextAreaElement | null>(null);
  const fileRef = useRef<HTMLInputElement | null>(null);
  const composing = useRef(false);
  const tagSearch = useTagSearch(textareaRef);
  const commandMenu = useCommandMenu(textareaRef);
  const openPicker = tagSearch.open ? tagSearch : commandMenu.open ? commandMenu : null;
  const pickerEnabled = tagSearch.enabled || commandMenu.enabled;
  const [dragging, setDragging] = useState(false);
  const dictationPhase = useChatState((s) => s.dictation.phase);
  const listening = dictationPhase === "recording" || dictationPhase === "starting";
  const dictationEnabled = Boolean(options?.composer?.dictation?.enabled) && controller.dictationAvailable;
  // Read when the words arrive: the person may have moved the caret meanwhile.
  const readCaret = () => {
    const area = textareaRef.current;
    return area ? { start: area.selectionStart, end: area.selectionEnd } : null;
  };

  const attachments = options?.composer?.attachments;
  const attachEnabled = Boolean(attachments?.enabled);
  const models = options?.composer?.models ?? [];
  const tools = options?.composer?.tools ?? [];
  const tool = tools.find((item) => item.id === composer.toolId);
  const model = models.find((item) => item.id === composer.modelId);
  // The open thread's model may have left the list (provider removed, list
  // refreshed): it stays picked and shown rather than silently replaced.
  const missingModel = composer.modelId && !model ? composer.modelId : null;
  const modelLabel = model?.label ?? (missingModel ? modelRefLabel(missingModel) : null);
  const blocked = status?.type === "locked" || status?.type === "closed" ? status : null;
  const uploading = composer.attachments.some((a) => a.status === "uploading");
  const hasContent = composer.text.trim().length > 0 || composer.attachments.some((a) => a.status === "done");
  const canSend = hasContent && !uploading && !blocked && !responding;
  const placeholder = blocked
    ? (blocked.reason ?? t(blocked.type === "locked" ? "composer.lockedThread" : "composer.closedThread"))
    : (tool?.placeholderOverride ?? options?.composer?.placeholder ?? t("composer.placeholder"));

  // Auto-grow: measure after every change (CSS caps the height at 40% of the window).
  useLayoutEffect(() => {
    const area = textareaRef.current;
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${area.scrollHeight}px`;
  }, [composer.text]);

  useEffect(() => {
    if (!composer.focusToken) return;
    const area = textareaRef.current;
    area?.focus();
    // Dictated text arrived: the caret goes right after it.
    if (area && typeof composer.caretAt === "number") area.setSelectionRange(composer.caretAt, composer.caretAt);
  }, [composer.focusToken]);

  // Once configured, start in the message box unless the page put focus elsewhere.
  const configured = options !== null;
  useEffect(() => {
    if (!configured) return;
    const active = document.activeElement;
    if (!active || active === document.body) textareaRef.current?.focus({ preventScroll: true });
  }, [configured]);

  const addFiles = (files: File[]) => {
    if (files.length) void controller.addFiles(files);
  };

  const submit = () => {
    if (!canSend) return;
    void controller.submitComposer();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!composing.current && (tagSearch.onKeyDown(event) || commandMenu.onKeyDown(event))) return;
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      // keyCode 229: some IMEs report Enter that way before compositionend.
      if (composing.current || event.nativeEvent.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && responding && !listening) {
      event.preventDefault();
      controller.cancel();
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length && attachEnabled) {
      event.preventDefault();
      addFiles(files);
    }
  };

  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    if (!attachEnabled) return;
    event.preventDefault();
    setDragging(false);
    addFiles(Array.from(event.dataTransfer?.files ?? []));
  };

  const pinned = tools.filter((item) => item.pinned);

  return (
    <div className="ck-composer-wrap">
      <form
        className={`ck-composer${dragging ? " ck-dragging" : ""}${blocked ? " ck-blocked" : ""}`}
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
        onDragOver={(event) => {
          if (!attachEnabled || !event.dataTransfer?.types?.includes("Files")) return;
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(event) => {
          if (!(event.currentTarget as Node).contains(event.relatedTarget as Node)) setDragging(false);
        }}
        onDrop={onDrop}
        onKeyDown={(event) => {
          // Esc stops a recording wherever focus is in the composer (and not the answer).
          if (event.key === "Escape" && listening) {
            event.preventDefault();
            controller.stopDictation();
          }
        }}
      >
        {dragging ? <div className="ck-dropzone">{t("composer.dropFiles")}</div> : null}
        {composer.reply ? (
          <div className="ck-reply">
            <Icon name="quote" size={12} />
            <span className="ck-reply-text">{composer.reply}</span>
            <button type="button" className="ck-icon-btn ck-xs" aria-label={t("composer.clearReply")} onClick={() => controller.clearReply()}>
              <Icon name="close" size={12} />
            </button>
          </div>
        ) : null}
        {composer.attachments.length ? (
          <div className="ck-chips">
            {composer.attachments.map((chip) => (
              <Chip key={chip.localId} chip={chip} />
            ))}
          </div>
        ) : null}
        <textarea
          ref={textareaRef}
          className="ck-input"
          rows={1}
          value={composer.text}
          placeholder={placeholder}
          aria-label={t("composer.label")}
          disabled={Boolean(blocked)}
          onChange={(event) => {
            controller.setComposerText(event.target.value);
            tagSearch.update();
            commandMenu.update();
          }}
          onSelect={() => {
            tagSearch.update();
            commandMenu.update();
          }}
          onKeyDown={onKeyDown}
          {...(pickerEnabled ? { role: "combobox", "aria-autocomplete": "list" as const, "aria-expanded": openPicker !== null } : {})}
          {...(openPicker ? openPicker.activeProps : {})}
          onCompositionStart={() => {
            composing.current = true;
          }}
          onCompositionEnd={() => {
            composing.current = false;
          }}
          onPaste={onPaste}
        />
        <div className="ck-composer-bar">
          <div className="ck-composer-left">
            {attachEnabled ? (
              <>
                <button type="button" className="ck-icon-btn" aria-label={t("composer.attach")} title={t("composer.attach")} disabled={Boolean(blocked)} onClick={() => fileRef.current?.click()}>
                  <Icon name="paperclip" size={18} />
                </button>
                <input
                  ref={fileRef}
                  type="file"
                  multiple
                  hidden
                  tabIndex={-1}
                  accept={acceptAttribute(attachments?.accept)}
                  onChange={(event) => {
                    addFiles(Array.from(event.target.files ?? []));
                    event.target.value = "";
                  }}
                />
              </>
            ) : null}
            {tagSearch.enabled && options?.entities?.showComposerMenu ? (
              <button type="button" className="ck-icon-btn" aria-label={t("composer.mention")} title={t("composer.mention")} disabled={Boolean(blocked)} onClick={tagSearch.start}>
                <span className="ck-tag-at" aria-hidden="true">
                  @
                </span>
              </button>
            ) : null}
            {dictationEnabled ? <DictationButton disabled={Boolean(blocked)} readCaret={readCaret} /> : null}
            {dictationEnabled ? <DictationStatus /> : null}
            {tools.length > pinned.length ? (
              <Menu
                trigger={<Icon name="settings" size={18} />}
                triggerLabel={t("composer.tools")}
                items={tools
                  .filter((item) => !item.pinned)
                  .map((item) => ({ id: item.id, label: item.label, icon: <Icon name={item.icon} size={16} />, selected: item.id === composer.toolId }))}
                onSelect={(id) => controller.selectTool(id === composer.toolId ? null : id)}
                radio
              />
            ) : null}
            {pinned.map((item) => (
              <button
                key={item.id}
                type="button"
                className={`ck-pill${item.id === composer.toolId ? " ck-on" : ""}`}
                aria-pressed={item.id === composer.toolId}
                onClick={() => controller.selectTool(item.id === composer.toolId ? null : item.id)}
              >
                <Icon name={item.icon} size={15} />
                <span>{item.shortLabel ?? item.label}</span>
              </button>
            ))}
            {tool && !tool.pinned ? (
              <span className="ck-pill ck-on">
                <Icon name={tool.icon} size={15} />
                <span>{tool.shortLabel ?? tool.label}</span>
                <button type="button" className="ck-pill-x" aria-label={t("composer.clearTool", { tool: tool.label })} onClick={() => controller.selectTool(null)}>
                  <Icon name="close" size={12} />
                </button>
              </span>
            ) : null}
          </div>
          <div className="ck-composer-right">
            {models.length || missingModel ? (
              <Menu
                trigger={
                  <>
                    <span className="ck-model-name">{modelLabel ?? t("composer.model")}</span>
                    <Icon name="chevron-down" size={14} />
                  </>
                }
                triggerLabel={t("composer.chooseModel", { model: modelLabel ?? "" })}
                triggerClassName="ck-model-btn"
                items={[
                  ...(missingModel
                    ? [{ id: missingModel, label: modelRefLabel(missingModel), description: t("composer.modelNotListed"), selected: true }]
                    : []),
                  ...models.map((item) => ({
                    id: item.id,
                    label: item.label,
                    description: item.description,
                    disabled: item.disabled,
                    selected: item.id === composer.modelId,
                  })),
                ]}
                onSelect={(id) => controller.selectModel(id)}
                radio
                align="end"
              />
            ) : null}
            {responding ? (
              <button
                type="button"
                className="ck-send ck-stop"
                aria-label={t("composer.stop")}
                title={t("composer.stop")}
                disabled={!allowCancel}
                onClick={() => controller.cancel()}
              >
                <Icon name="stop" size={16} />
              </button>
            ) : (
              <button type="submit" className="ck-send" aria-label={t("composer.send")} title={t("composer.send")} disabled={!canSend}>
                <Icon name="arrow-up" size={18} />
              </button>
            )}
          </div>
        </div>
      </form>
      {tagSearch.picker}
      {commandMenu.picker}
      {composer.error ? (
        <p className="ck-composer-error" role="alert">
          {composer.error}
        </p>
      ) : null}
      {options?.disclaimer?.text ? (
        <div className={`ck-disclaimer${options.disclaimer.highContrast ? " ck-hc" : ""}`}>
          <Markdown text={options.disclaimer.text} />
        </div>
      ) : null}
    </div>
  );
}
