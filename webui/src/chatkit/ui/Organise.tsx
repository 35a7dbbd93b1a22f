/**
 * The sidebar's organising controls (shown when the server has Kitdesk's
 * organise API): the lists (all chats, each folder, Archived) as drop targets,
 * a folder's editor (name, system prompt, default model), each chat's menu
 * (pin, archive, move, export), and the bar acting on a selection.
 */
import { useState, type DragEvent, type ReactElement } from "react";
import type { ThreadMetadata } from "../protocol/types";
import type { Translate } from "../locale";
import type { ExportFormat, Folder, HistoryView, Organiser, ThreadsAction } from "../state/organise";
import { folderOf, isArchived, isPinned } from "../state/organise";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";
import { Menu, type MenuItem } from "./Menu";
import { openThreadInNewWindow } from "../state/newWindow";

/** The drag payload: the ids of the chats dragged (one, or the selection). */
export const DRAG_TYPE = "application/x-kitdesk-threads";
const FORMATS: readonly ExportFormat[] = ["markdown", "json", "html"];

export function formatLabel(format: ExportFormat, t: Translate): string {
  return t(format === "markdown" ? "organise.format.markdown" : format === "json" ? "organise.format.json" : "organise.format.html");
}

function droppedIds(event: DragEvent): string[] {
  try {
    const ids = JSON.parse(event.dataTransfer.getData(DRAG_TYPE) || "[]") as unknown;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/** A list to show (and a drop target): all chats, a folder, or Archived. */
function ViewButton({
  label,
  icon,
  active,
  count,
  onOpen,
  onDrop,
}: {
  label: string;
  icon: string;
  active: boolean;
  count?: number;
  onOpen: () => void;
  onDrop: (ids: string[]) => void;
}): ReactElement {
  const [over, setOver] = useState(false);
  return (
    <button
      type="button"
      className={`ck-view${active ? " ck-active" : ""}${over ? " ck-drop-over" : ""}`}
      aria-current={active ? "true" : undefined}
      onClick={onOpen}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        const ids = droppedIds(event);
        if (ids.length) onDrop(ids);
      }}
    >
      <Icon name={icon} size={15} />
      <span className="ck-view-label">{label}</span>
      {count ? <span className="ck-view-count">{count}</span> : null}
    </button>
  );
}

function FolderEditor({
  folder,
  onDone,
}: {
  folder: Folder | null;
  onDone: () => void;
}): ReactElement {
  const { t, controller } = useEnv();
  const models = useChatState((s) => s.options?.composer?.models ?? []);
  const [name, setName] = useState(folder?.name ?? "");
  const [prompt, setPrompt] = useState(folder?.system_prompt ?? "");
  const [model, setModel] = useState(folder?.default_model ?? "");
  const [busy, setBusy] = useState(false);
  const save = async () => {
    if (!name.trim()) return;
    setBusy(true);
    const fields = { name: name.trim(), system_prompt: prompt.trim() ? prompt : null, default_model: model || null };
    const done = folder ? await controller.organiser.updateFolder(folder.id, fields) : (await controller.organiser.createFolder(fields)) !== null;
    setBusy(false);
    if (done) onDone();
  };
  return (
    <form
      className="ck-folder-editor"
      aria-label={folder ? t("organise.editFolder") : t("organise.newFolder")}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          onDone();
        }
      }}
    >
      <label>
        <span>{t("organise.folderName")}</span>
        <input className="ck-input" value={name} maxLength={200} autoFocus required onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        <span>{t("organise.systemPrompt")}</span>
        <textarea className="ck-input" rows={3} value={prompt} maxLength={20000} onChange={(event) => setPrompt(event.target.value)} />
        <small className="ck-muted">{t("organise.systemPromptHint")}</small>
      </label>
      <label>
        <span>{t("organise.defaultModel")}</span>
        <select className="ck-input" value={model} onChange={(event) => setModel(event.target.value)}>
          <option value="">{t("organise.defaultModelNone")}</option>
          {model && !models.some((m) => m.id === model) ? <option value={model}>{model}</option> : null}
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <div className="ck-folder-editor-actions">
        <button type="submit" className="ck-btn ck-btn-primary ck-btn-xs" disabled={busy || !name.trim()}>
          {t("organise.save")}
        </button>
        <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs" onClick={onDone}>
          {t("organise.cancel")}
        </button>
      </div>
    </form>
  );
}

/** The lists and folders above the chats; folders are created, edited and deleted here. */
export function FolderNav(): ReactElement {
  const { t, controller } = useEnv();
  const organise = useChatState((s) => s.organise);
  const [editing, setEditing] = useState<Folder | "new" | null>(null);
  const [confirming, setConfirming] = useState<Folder | null>(null);
  const organiser = controller.organiser;
  const view = organise.view;
  const open = (next: HistoryView) => void organiser.setView(next);
  return (
    <div className="ck-views" role="group" aria-label={t("organise.views")}>
      <ViewButton label={t("organise.allChats")} icon="history" active={view.kind === "all"} onOpen={() => open({ kind: "all" })} onDrop={(ids) => void organiser.change("move", ids, null)} />
      <div className="ck-views-heading">
        <h4 className="ck-hgroup-label">{t("organise.folders")}</h4>
        <button type="button" className="ck-icon-btn ck-xs" aria-label={t("organise.newFolder")} title={t("organise.newFolder")} onClick={() => setEditing("new")}>
          <Icon name="plus" size={14} />
        </button>
      </div>
      {editing === "new" ? <FolderEditor folder={null} onDone={() => setEditing(null)} /> : null}
      {organise.folders.map((folder) =>
        editing !== "new" && editing?.id === folder.id ? (
          <FolderEditor key={folder.id} folder={folder} onDone={() => setEditing(null)} />
        ) : confirming?.id === folder.id ? (
          <div key={folder.id} className="ck-hrow-confirm" role="group" aria-label={t("organise.deleteFolder")}>
            <span className="ck-confirm-text">{t("organise.confirmDeleteFolder", { name: folder.name })}</span>
            <button
              type="button"
              className="ck-btn ck-btn-danger ck-btn-xs"
              onClick={() => {
                setConfirming(null);
                void organiser.deleteFolder(folder.id);
              }}
            >
              {t("organise.confirmDeleteFolderYes")}
            </button>
            <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs" autoFocus onClick={() => setConfirming(null)}>
              {t("organise.cancel")}
            </button>
          </div>
        ) : (
          <div key={folder.id} className="ck-view-row" data-folder-id={folder.id}>
            <ViewButton
              label={folder.name}
              icon="folder"
              count={folder.threads}
              active={view.kind === "folder" && view.id === folder.id}
              onOpen={() => open({ kind: "folder", id: folder.id })}
              onDrop={(ids) => void organiser.change("move", ids, folder.id)}
            />
            <Menu
              trigger={<Icon name="dots" size={14} />}
              triggerClassName="ck-icon-btn ck-xs"
              triggerLabel={t("organise.folderActions", { name: folder.name })}
              placement="down"
              align="end"
              items={[
                { id: "edit", label: t("organise.editFolder"), icon: <Icon name="pencil" size={14} /> },
                { id: "delete", label: t("organise.deleteFolder"), icon: <Icon name="trash" size={14} />, danger: true },
              ]}
              onSelect={(id) => (id === "edit" ? setEditing(folder) : setConfirming(folder))}
            />
          </div>
        ),
      )}
      <ViewButton label={t("organise.archived")} icon="archive" active={view.kind === "archived"} onOpen={() => open({ kind: "archived" })} onDrop={(ids) => void organiser.change("archive", ids)} />
    </div>
  );
}

/** What a chat's menu offers: open in a new window, pin, archive or restore, move, export. */
export function threadMenu(
  thread: ThreadMetadata | undefined,
  folders: readonly Folder[],
  t: Translate,
): MenuItem[] {
  const pinned = thread ? isPinned(thread) : false;
  const archived = thread ? isArchived(thread) : false;
  const folder = thread ? folderOf(thread) : null;
  const items: MenuItem[] = [];
  if (thread) items.push({ id: "newWindow", label: t("organise.openInNewWindow"), icon: <Icon name="external-link" size={14} /> });
  if (!archived) items.push({ id: pinned ? "unpin" : "pin", label: pinned ? t("organise.unpin") : t("organise.pin"), icon: <Icon name="pin" size={14} /> });
  items.push({ id: archived ? "restore" : "archive", label: archived ? t("organise.restore") : t("organise.archive"), icon: <Icon name="archive" size={14} /> });
  for (const f of folders) {
    if (f.id !== folder) items.push({ id: `move:${f.id}`, label: t("organise.moveTo", { name: f.name }), icon: <Icon name="folder" size={14} /> });
  }
  if (folder) items.push({ id: "move:", label: t("organise.removeFromFolder"), icon: <Icon name="folder" size={14} /> });
  for (const format of FORMATS) {
    items.push({ id: `export:${format}`, label: t("organise.exportAs", { format: formatLabel(format, t) }), icon: <Icon name="share" size={14} /> });
  }
  return items;
}

/** Run a menu choice (from a chat's menu or the selection bar) on some chats. */
export async function runMenuChoice(organiser: Organiser, choice: string, ids: readonly string[]): Promise<string | null> {
  if (choice === "newWindow") {
    for (const id of ids) openThreadInNewWindow(id);
    return null;
  }
  if (choice.startsWith("move:")) {
    await organiser.change("move", ids, choice.slice(5) || null);
    return null;
  }
  if (choice.startsWith("export:")) return organiser.exportThreads(ids, choice.slice(7) as ExportFormat);
  await organiser.change(choice as ThreadsAction, ids);
  return null;
}

/** The bar over a selection: how many, archive or restore, move, export, delete, done. */
export function SelectionBar({ onNotice }: { onNotice: (text: string) => void }): ReactElement | null {
  const { t, controller } = useEnv();
  const organise = useChatState((s) => s.organise);
  const [confirming, setConfirming] = useState(false);
  if (!organise.selecting) return null;
  const ids = organise.selected;
  const organiser = controller.organiser;
  const archivedView = organise.view.kind === "archived";
  const run = async (choice: string) => {
    const saved = await runMenuChoice(organiser, choice, ids);
    if (saved) onNotice(t("organise.exported", { name: saved }));
  };
  return (
    <div className="ck-selection-bar" role="toolbar" aria-label={t("organise.selected", { n: ids.length })}>
      <span className="ck-selection-count" role="status">
        {t("organise.selected", { n: ids.length })}
      </span>
      {confirming ? (
        <>
          <span className="ck-confirm-text">{t("organise.confirmDeleteSelected", { n: ids.length })}</span>
          <button
            type="button"
            className="ck-btn ck-btn-danger ck-btn-xs"
            onClick={() => {
              setConfirming(false);
              void organiser.change("delete", ids);
            }}
          >
            {t("organise.delete")}
          </button>
          <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs" autoFocus onClick={() => setConfirming(false)}>
            {t("organise.cancel")}
          </button>
        </>
      ) : (
        <>
          <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs" disabled={!ids.length} onClick={() => void run(archivedView ? "restore" : "archive")}>
            {archivedView ? t("organise.restore") : t("organise.archive")}
          </button>
          <Menu
            trigger={<span>{t("organise.move")}</span>}
            triggerClassName="ck-btn ck-btn-ghost ck-btn-xs"
            triggerLabel={t("organise.move")}
            placement="down"
            items={[
              ...organise.folders.map((f) => ({ id: `move:${f.id}`, label: f.name, icon: <Icon name="folder" size={14} />, disabled: !ids.length })),
              { id: "move:", label: t("organise.removeFromFolder"), disabled: !ids.length },
            ]}
            onSelect={(choice) => void run(choice)}
          />
          <Menu
            trigger={<span>{t("organise.export")}</span>}
            triggerClassName="ck-btn ck-btn-ghost ck-btn-xs"
            triggerLabel={t("organise.export")}
            placement="down"
            items={FORMATS.map((format) => ({ id: `export:${format}`, label: formatLabel(format, t), disabled: !ids.length }))}
            onSelect={(choice) => void run(choice)}
          />
          <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs ck-danger" disabled={!ids.length} onClick={() => setConfirming(true)}>
            {t("organise.delete")}
          </button>
          <button type="button" className="ck-btn ck-btn-secondary ck-btn-xs" onClick={() => organiser.clearSelection()}>
            {t("organise.doneSelecting")}
          </button>
        </>
      )}
    </div>
  );
}
