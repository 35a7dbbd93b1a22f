/**
 * The history sidebar: threads grouped by recency, paged in as the list
 * scrolls, renamed inline, deleted after confirmation, and searched (full
 * text through the server when it offers /api/search, titles otherwise).
 * With Kitdesk's organise API (``Organise.tsx``): pinned chats first, folders
 * and an Archived view, a menu per chat, drag and drop onto a folder, and a
 * selection (checkboxes, Shift or Ctrl/Cmd click; Space, Shift+ArrowUp/Down and
 * Ctrl/Cmd+A from the keyboard) to act on several chats.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type ReactElement } from "react";
import type { ThreadMetadata } from "../protocol/types";
import { plainTitle, snippetHtml } from "../render/plaintext";
import { TITLE_MAX_LENGTH, type SearchResult } from "../state/controller";
import type { Translate } from "../locale";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";
import { Menu } from "./Menu";
import { DRAG_TYPE, FolderNav, SelectionBar, runMenuChoice, threadMenu } from "./Organise";
import { isPinned } from "../state/organise";

interface Row {
  id: string;
  title: string | null;
  snippet?: string | null;
  date: string;
  thread?: ThreadMetadata;
}

export function groupLabel(dateText: string, now: Date, t: Translate, locale?: string): string {
  const date = new Date(dateText);
  if (Number.isNaN(date.getTime())) return t("history.previous30");
  const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((startOfDay(now) - startOfDay(date)) / 86_400_000);
  if (days <= 0) return t("history.today");
  if (days === 1) return t("history.yesterday");
  if (days < 7) return t("history.previous7");
  if (days < 30) return t("history.previous30");
  return monthFormat(locale, date.getFullYear() !== now.getFullYear()).format(date);
}

// One formatter per language and shape: toLocaleDateString with options builds a new
// ICU formatter for every row, and a long history labels many rows older than a month.
const monthFormats = new Map<string, Intl.DateTimeFormat>();
function monthFormat(locale: string | undefined, withYear: boolean): Intl.DateTimeFormat {
  const key = `${locale ?? ""}\u0001${withYear}`;
  let format = monthFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, withYear ? { month: "long", year: "numeric" } : { month: "long" });
    monthFormats.set(key, format);
  }
  return format;
}

export function groupRows<T extends { date: string }>(rows: T[], t: Translate, now = new Date(), locale?: string): { label: string; rows: T[] }[] {
  const groups: { label: string; rows: T[] }[] = [];
  for (const row of rows) {
    const label = groupLabel(row.date, now, t, locale);
    const last = groups[groups.length - 1];
    if (last && last.label === label) last.rows.push(row);
    else groups.push({ label, rows: [row] });
  }
  return groups;
}

/**
 * The list comes ordered by recent activity, but the wire format only
 * carries created_at. A thread's last activity is at least the newest
 * created_at of every thread listed after it, so that running maximum (or a
 * real updated_at, when a server sends one) dates each row, and groups stay
 * in order.
 */
export function activityDates(threads: readonly ThreadMetadata[]): string[] {
  const dates = new Array<string>(threads.length);
  let newest = 0;
  for (let i = threads.length - 1; i >= 0; i -= 1) {
    const thread = threads[i]!;
    const own = Date.parse(thread.updated_at ?? thread.created_at);
    if (!Number.isNaN(own)) newest = Math.max(newest, own);
    dates[i] = newest ? new Date(newest).toISOString() : thread.created_at;
  }
  return dates;
}

function threadRows(threads: readonly ThreadMetadata[]): Row[] {
  const dates = activityDates(threads);
  return threads.map((thread, i) => ({ id: thread.id, title: thread.title ?? null, date: dates[i]!, thread }));
}

function resultRow(result: SearchResult): Row {
  return { id: result.thread_id, title: result.title, snippet: result.snippet, date: result.updated_at ?? "" };
}

/** The chat row an arrow key, Home or End moves to from `current` (the list has one tab stop). */
function rowFor(current: HTMLButtonElement, key: string): HTMLButtonElement | undefined {
  const list = current.closest(".ck-history-list");
  const rows = list ? Array.from(list.querySelectorAll<HTMLButtonElement>(".ck-hrow-main")) : [];
  const index = rows.indexOf(current);
  const next = key === "Home" ? 0 : key === "End" ? rows.length - 1 : index + (key === "ArrowDown" ? 1 : -1);
  return rows[Math.max(0, Math.min(rows.length - 1, next))];
}

function HistoryRow({
  row,
  active,
  overlay,
  tabbable,
  onRowFocus,
  order,
  onNotice,
}: {
  row: Row;
  active: boolean;
  overlay: boolean;
  tabbable: boolean;
  onRowFocus: (id: string) => void;
  /** The ids of the rows as shown (a Shift click selects a range of them). */
  order: readonly string[];
  onNotice: (text: string) => void;
}): ReactElement {
  const { t, controller } = useEnv();
  const options = useChatState((s) => s.options);
  const organising = useChatState((s) => s.organise.available === true);
  const folders = useChatState((s) => s.organise.folders);
  const selecting = useChatState((s) => s.organise.selecting);
  const selected = useChatState((s) => s.organise.selected.includes(row.id));
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view");
  const [draft, setDraft] = useState(row.title ?? "");
  const inputRef = useRef<HTMLInputElement | null>(null);
  const title = plainTitle(row.title) || t("header.untitled");
  const showRename = options?.history?.showRename !== false;
  const showDelete = options?.history?.showDelete !== false;

  useEffect(() => {
    if (mode === "rename") {
      inputRef.current?.focus();
      inputRef.current?.select();
    }
  }, [mode]);

  const commit = () => {
    setMode("view");
    const next = draft.trim();
    if (next && next !== plainTitle(row.title)) void controller.renameThread(row.id, next);
  };

  const onRenameKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      commit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setMode("view");
    }
  };

  if (mode === "rename") {
    return (
      <li className="ck-hrow ck-hrow-edit">
        <input
          ref={inputRef}
          className="ck-rename"
          value={draft}
          aria-label={t("history.renameLabel")}
          maxLength={TITLE_MAX_LENGTH}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onRenameKey}
          onBlur={commit}
        />
      </li>
    );
  }
  if (mode === "confirm") {
    return (
      <li className="ck-hrow ck-hrow-confirm" role="group" aria-label={t("history.confirmDelete")}>
        <span className="ck-confirm-text">{t("history.confirmDelete")}</span>
        <button
          type="button"
          className="ck-btn ck-btn-danger ck-btn-xs"
          onClick={() => {
            setMode("view");
            void controller.deleteThread(row.id);
          }}
        >
          {t("history.confirmDeleteYes")}
        </button>
        <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs" autoFocus onClick={() => setMode("view")}>
          {t("history.confirmDeleteNo")}
        </button>
      </li>
    );
  }
  const organiser = controller.organiser;
  const toggle = () => organiser.select(row.id, order, "toggle");
  const onRowClick = (event: MouseEvent<HTMLButtonElement>) => {
    if (organising && event.shiftKey) {
      event.preventDefault();
      organiser.select(row.id, order, "range");
    } else if (organising && (event.ctrlKey || event.metaKey || selecting)) {
      event.preventDefault();
      toggle();
    } else {
      void controller.setThreadId(row.id);
      if (overlay) controller.hideHistory();
    }
  };
  return (
    <li
      className={`ck-hrow${active ? " ck-active" : ""}${selected ? " ck-selected" : ""}`}
      draggable={organising}
      onDragStart={(event) => {
        const ids = selected ? controller.getState().organise.selected : [row.id];
        event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(ids));
        event.dataTransfer.effectAllowed = "move";
      }}
    >
      {organising && selecting ? (
        <input
          type="checkbox"
          className="ck-hrow-check"
          checked={selected}
          tabIndex={tabbable ? 0 : -1}
          aria-label={t("organise.selectRow", { title })}
          onChange={toggle}
        />
      ) : null}
      <button
        type="button"
        className="ck-hrow-main"
        data-row-id={row.id}
        tabIndex={tabbable ? 0 : -1}
        onFocus={() => onRowFocus(row.id)}
        aria-current={active ? "page" : undefined}
        aria-pressed={organising && selecting ? selected : undefined}
        onClick={onRowClick}
        onKeyDown={(event) => {
          if (event.key === " " && organising && selecting) {
            event.preventDefault();
            toggle();
          } else if (event.key === "F2" && showRename) {
            event.preventDefault();
            setDraft(plainTitle(row.title));
            setMode("rename");
          } else if (event.key === "Delete" && showDelete) {
            event.preventDefault();
            setMode("confirm");
          } else if (organising && event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
            // Shift+Arrow moves and extends the selection from its anchor.
            event.preventDefault();
            const next = rowFor(event.currentTarget, event.key);
            const nextId = next?.dataset["rowId"];
            if (!next || !nextId) return;
            next.focus();
            organiser.extend(row.id, nextId, order);
          } else if (["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) {
            // One tab stop for the whole list; arrows move between chats.
            event.preventDefault();
            rowFor(event.currentTarget, event.key)?.focus();
          }
        }}
        onContextMenu={(event) => {
          if (!showRename) return;
          event.preventDefault();
          setDraft(plainTitle(row.title));
          setMode("rename");
        }}
      >
        <span className="ck-hrow-title">
          {row.thread && isPinned(row.thread) ? <Icon name="pin" size={12} /> : null}
          {title}
        </span>
        {row.snippet ? (
          // The server escapes the text and adds <mark>; markdown markers are
          // stripped and the result sanitized again.
          <span className="ck-hrow-snippet" dangerouslySetInnerHTML={{ __html: snippetHtml(row.snippet) }} />
        ) : null}
      </button>
      <span className="ck-hrow-actions">
        {organising && !row.snippet ? (
          <Menu
            trigger={<Icon name="dots" size={14} />}
            triggerClassName="ck-icon-btn ck-xs"
            triggerLabel={t("history.more", { title })}
            tabIndex={tabbable ? 0 : -1}
            placement="down"
            align="end"
            items={threadMenu(row.thread, folders, t)}
            onSelect={(choice) =>
              void runMenuChoice(organiser, choice, [row.id]).then((saved) => saved && onNotice(t("organise.exported", { name: saved })))
            }
          />
        ) : null}
        {showRename ? (
          <button
            type="button"
            className="ck-icon-btn ck-xs"
            tabIndex={tabbable ? 0 : -1}
            aria-label={`${t("history.rename")}: ${title}`}
            title={t("history.rename")}
            onClick={() => {
              setDraft(plainTitle(row.title));
              setMode("rename");
            }}
          >
            <Icon name="pencil" size={14} />
          </button>
        ) : null}
        {showDelete ? (
          <button type="button" className="ck-icon-btn ck-xs" tabIndex={tabbable ? 0 : -1} aria-label={`${t("history.delete")}: ${title}`} title={t("history.delete")} onClick={() => setMode("confirm")}>
            <Icon name="trash" size={14} />
          </button>
        ) : null}
      </span>
    </li>
  );
}

export function History({ overlay }: { overlay: boolean }): ReactElement {
  const { t, controller, locale } = useEnv();
  const history = useChatState((s) => s.history);
  const search = useChatState((s) => s.search);
  const activeId = useChatState((s) => s.view.thread?.id ?? null);
  const options = useChatState((s) => s.options);
  const listRef = useRef<HTMLDivElement | null>(null);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const organise = useChatState((s) => s.organise);
  const organising = organise.available === true;
  const searching = search.query.trim().length > 0;
  const otherView = organising && organise.view.kind !== "all" && !searching;
  const [rovingId, setRovingId] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const listed = otherView ? organise.threads : history.threads;
  const rows: Row[] = searching ? (search.results ?? []).map(resultRow) : threadRows(listed);
  const pinnedRows = otherView || searching ? [] : rows.filter((r) => r.thread && isPinned(r.thread));
  const groups = searching
    ? [{ label: "", rows }]
    : [
        ...(pinnedRows.length ? [{ label: t("organise.pinned"), rows: pinnedRows }] : []),
        ...groupRows(pinnedRows.length ? rows.filter((r) => !pinnedRows.includes(r)) : rows, t, new Date(), locale),
      ];
  const order = groups.flatMap((g) => g.rows.map((r) => r.id));
  const listLoading = otherView ? organise.loading : history.loading;
  const tabStop = rows.some((r) => r.id === rovingId) ? rovingId : rows.some((r) => r.id === activeId) ? activeId : (rows[0]?.id ?? null);

  const onScroll = () => {
    const el = listRef.current;
    if (!el || searching) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight >= 200) return;
    if (otherView) void controller.organiser.loadViewThreads(false);
    else if (history.hasMore && !history.loading) void controller.loadThreads(false);
  };

  useEffect(() => {
    // An overlay takes focus while open (Escape or a pick closes it).
    if (overlay) searchRef.current?.focus();
  }, [overlay]);

  useEffect(() => {
    // Fill the sidebar when a page does not reach its bottom.
    const el = listRef.current;
    if (el && !searching && history.hasMore && !history.loading && el.scrollHeight <= el.clientHeight + 10) void controller.loadThreads(false);
  }, [history.threads.length, history.hasMore, history.loading, searching, controller]);

  return (
    <nav
      className={`ck-history${overlay ? " ck-overlay" : ""}`}
      aria-label={t("history.label")}
      onKeyDown={(event) => {
        // Escape leaves selecting (menus and editors inside handle their own Escape first).
        if (event.key === "Escape" && organise.selecting && !event.defaultPrevented) {
          event.preventDefault();
          event.stopPropagation();
          controller.organiser.clearSelection();
        }
        // Ctrl/Cmd+A on a chat (not in a text field) selects every chat shown.
        const onRow = event.target instanceof Element && event.target.closest(".ck-hrow") && !event.target.matches("input:not([type=checkbox]), textarea");
        if (organise.selecting && onRow && (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "a") {
          event.preventDefault();
          controller.organiser.selectAll(order);
        }
      }}
    >
      <div className="ck-search">
        <Icon name="search" size={16} />
        <input
          ref={searchRef}
          type="search"
          value={search.query}
          placeholder={t("history.search")}
          aria-label={t("history.searchLabel")}
          onChange={(event) => controller.setSearchQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape" && search.query) {
              event.preventDefault();
              event.stopPropagation();
              controller.setSearchQuery("");
            }
          }}
        />
        {search.query ? (
          <button type="button" className="ck-icon-btn ck-xs" aria-label={t("history.clearSearch")} onClick={() => controller.setSearchQuery("")}>
            <Icon name="close" size={12} />
          </button>
        ) : null}
        {organising ? (
          <button
            type="button"
            className="ck-icon-btn ck-xs"
            aria-label={t("organise.select")}
            title={t("organise.select")}
            aria-pressed={organise.selecting}
            onClick={() => controller.organiser.setSelecting(!organise.selecting)}
          >
            <Icon name="check-circle" size={14} />
          </button>
        ) : null}
      </div>
      {organising ? <SelectionBar onNotice={setNotice} /> : null}
      {notice ? (
        <p className="ck-history-notice" role="status">
          {notice}
        </p>
      ) : null}
      <div ref={listRef} className="ck-history-list" onScroll={onScroll}>
        {organising && !searching ? <FolderNav /> : null}
        {groups.map((group) =>
          group.rows.length ? (
            <section key={group.label || "results"} className="ck-hgroup" aria-label={group.label || t("history.search")}>
              {group.label ? <h4 className="ck-hgroup-label">{group.label}</h4> : null}
              <ul>
                {group.rows.map((row) => (
                  <HistoryRow
                    key={row.id}
                    row={row}
                    active={row.id === activeId}
                    overlay={overlay}
                    tabbable={row.id === tabStop}
                    onRowFocus={setRovingId}
                    order={order}
                    onNotice={setNotice}
                  />
                ))}
              </ul>
            </section>
          ) : null,
        )}
        {searching && !search.loading && search.failed ? (
          <div className="ck-history-empty" role="alert">
            <p>{t("history.searchFailed")}</p>
            <button type="button" className="ck-btn ck-btn-secondary ck-btn-xs" onClick={() => controller.retrySearch()}>
              {t("history.retry")}
            </button>
          </div>
        ) : null}
        {searching && !search.loading && !search.failed && rows.length === 0 ? <p className="ck-history-empty">{t("history.noResults", { query: search.query })}</p> : null}
        {!searching && !otherView && history.loaded && rows.length === 0 && !history.error ? <p className="ck-history-empty">{t("history.empty")}</p> : null}
        {otherView && !organise.loading && rows.length === 0 && !organise.error ? (
          <p className="ck-history-empty">{organise.view.kind === "archived" ? t("organise.emptyArchived") : t("organise.emptyFolder")}</p>
        ) : null}
        {organise.error ? (
          <p className="ck-history-empty" role="alert">
            {organise.error}
          </p>
        ) : null}
        {listLoading || (searching && search.loading) ? (
          <p className="ck-history-empty" role="status">
            <span className="ck-spinner" aria-hidden="true" /> {t("history.loading")}
          </p>
        ) : null}
        {history.error ? (
          <div className="ck-history-empty" role="alert">
            <p>{t("history.errorLoad")}</p>
            <button type="button" className="ck-btn ck-btn-secondary ck-btn-xs" onClick={() => void controller.loadThreads(true)}>
              {t("history.retry")}
            </button>
          </div>
        ) : null}
      </div>
    </nav>
  );
}
