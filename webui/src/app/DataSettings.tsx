// Settings > Data: take everything out (Kitdesk JSON, Markdown, HTML), bring
// conversations in (ChatGPT, Open WebUI, Kitdesk JSON) with progress and a
// result line, back up now, and restore a listed backup after a confirm that
// says the current database is kept as a backup first.
//
// Downloads: in a browser the file goes through the browser's download; in the
// desktop window (pywebview, where browser downloads are switched off) it goes
// through the bridge's native save dialog (`save_export`). "Back up now" in the
// window asks for a folder in the native folder dialog (`choose_folder`) and the
// server writes the backup there; in a browser the backup is made in the data
// folder (listed below) and then downloaded, so the browser puts a copy where
// the person chooses.
//
// "Restore from file…" restores a backup kept anywhere (another disk, another
// computer): the window asks for it in the native open dialog
// (`choose_backup_file`) and the server restores from that path; a browser
// uploads the file, which the server verifies the same way before it changes
// anything.

import { useCallback, useEffect, useRef, useState } from "react";
import { inlineError } from "./api";
import {
  EXPORT_FORMATS,
  dataApi,
  skippedCount,
  type BackupEntry,
  type ExportFormat,
  type ImportJob,
} from "./dataApi";
import { useI18n } from "./i18n";
import type { AppKey } from "./strings";
import { UsageTotals } from "./UsageTotals";
import { ErrorNotice } from "./ErrorNotice";

const FORMAT_LABELS: Record<ExportFormat, AppKey> = {
  json: "dataTransfer.formatJson",
  markdown: "dataTransfer.formatMarkdown",
  html: "dataTransfer.formatHtml",
};

const KIND_LABELS: Record<string, AppKey> = {
  auto: "dataTransfer.kindAuto",
  manual: "dataTransfer.kindManual",
  "before-restore": "dataTransfer.kindBeforeRestore",
  "pre-migration": "dataTransfer.kindPreMigration",
};

type SaveBridge = {
  save_export?: (filename: string, content: string) => Promise<string | null>;
  choose_folder?: () => Promise<string | null>;
  choose_backup_file?: () => Promise<string | null>;
};

/** A backup file picked to restore: a path (the window's open dialog) or the file itself (a browser). */
type PickedBackup = { name: string; path: string } | { name: string; file: File };

/** The last part of a path, whatever the platform's separator. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

function saveBridge(): SaveBridge | null {
  return (window as unknown as { pywebview?: { api?: SaveBridge } }).pywebview?.api ?? null;
}

/** Let the browser download a file the server serves (streamed to disk, never held in memory). */
function download(href: string, filename: string): void {
  const link = document.createElement("a");
  link.href = href;
  link.download = filename;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
}

/** Hand the file to the person: the native save dialog in the window, a download in a browser. */
export async function deliver(blob: Blob, filename: string): Promise<boolean> {
  const bridge = saveBridge();
  if (bridge?.save_export) return (await bridge.save_export(filename, await blob.text())) !== null;
  const url = URL.createObjectURL(blob);
  download(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return true;
}

const POLL_MS = 400;

export function DataTransfer({ onChange }: { onChange: (change: "imported" | "restored") => void }) {
  return (
    <>
      <ExportPanel />
      <ImportPanel onImported={() => onChange("imported")} />
      <BackupsPanel onRestored={() => onChange("restored")} />
      <UsageTotals />
    </>
  );
}

function ExportPanel() {
  const { t } = useI18n();
  const [format, setFormat] = useState<ExportFormat>("json");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const run = async () => {
    setBusy(true);
    setStatus(null);
    try {
      const { blob, filename } = await dataApi.exportAll(format);
      if (await deliver(blob, filename)) setStatus({ error: false, text: t("dataTransfer.exported", { name: filename }) });
    } catch (error) {
      setStatus({ error: true, text: inlineError(error) ?? t("offline.title") });
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="kd-field kd-data-panel">
      <legend>{t("dataTransfer.exportTitle")}</legend>
      <small className="kd-hint">{t("dataTransfer.exportHint")}</small>
      <div className="kd-inline-actions">
        <label className="kd-data-format">
          <span>{t("dataTransfer.format")}</span>
          <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)}>
            {EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {t(FORMAT_LABELS[f])}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="kd-button" disabled={busy} onClick={() => void run()}>
          {busy ? t("dataTransfer.exporting") : t("dataTransfer.exportAll")}
        </button>
      </div>
      {status && (
        <p className={status.error ? "kd-notice kd-notice-error" : "kd-muted"} role={status.error ? "alert" : "status"}>
          {status.text}
        </p>
      )}
    </fieldset>
  );
}

function ImportPanel({ onImported }: { onImported: () => void }) {
  const { t } = useI18n();
  const [job, setJob] = useState<ImportJob | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const follow = async (started: ImportJob) => {
    let current = started;
    while (alive.current && current.state === "running") {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      current = await dataApi.importStatus(current.id);
      if (alive.current) setJob(current);
    }
    if (current.state === "done" && (current.result?.threads ?? 0) > 0) onImported();
  };

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setJob(null);
    setUploading(true);
    try {
      const started = await dataApi.startImport(file);
      setUploading(false);
      setJob(started);
      await follow(started);
    } catch (e) {
      setError(inlineError(e) ?? t("offline.title"));
    } finally {
      setUploading(false);
      if (input.current) input.current.value = "";
    }
  };

  const running = uploading || job?.state === "running";
  const result = job?.state === "done" ? job.result : undefined;
  const failure = job?.state === "failed" ? (job.error?.message ?? t("dataTransfer.importFailed")) : error;
  return (
    <fieldset className="kd-field kd-data-panel">
      <legend>{t("dataTransfer.importTitle")}</legend>
      <small className="kd-hint">{t("dataTransfer.importHint")}</small>
      <div>
        <label className={`kd-button${running ? " kd-disabled" : ""}`}>
          {t("dataTransfer.importChoose")}
          <input
            ref={input}
            type="file"
            className="kd-visually-hidden"
            accept=".zip,.json,application/json,application/zip"
            disabled={running}
            onChange={(event) => void choose(event.target.files?.[0])}
          />
        </label>
      </div>
      {running && (
        <div className="kd-data-progress" role="status">
          <span>{uploading ? t("dataTransfer.uploading") : t("dataTransfer.importing")}</span>
          <progress
            aria-label={t("dataTransfer.importProgress")}
            max={1}
            value={uploading ? undefined : (job?.progress ?? 0)}
          />
        </div>
      )}
      {result && (
        <p className="kd-notice" role="status" data-testid="import-result">
          {t("dataTransfer.importResult", {
            threads: result.threads,
            messages: result.messages,
            skipped: skippedCount(result),
          })}
          {result.already_present > 0 ? ` ${t("dataTransfer.importAlreadyPresent", { n: result.already_present })}` : ""}
        </p>
      )}
      <ErrorNotice message={failure} />
    </fieldset>
  );
}

function BackupsPanel({ onRestored }: { onRestored: () => void }) {
  const { t, language } = useI18n();
  const [backups, setBackups] = useState<BackupEntry[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [picked, setPicked] = useState<PickedBackup | null>(null);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const bridge = saveBridge();

  const load = useCallback(async () => {
    try {
      setBackups((await dataApi.backups()).backups);
    } catch (e) {
      setStatus({ error: true, text: inlineError(e) ?? t("offline.title") });
    }
  }, [t]);
  useEffect(() => void load(), [load]);

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    setStatus(null);
    try {
      setStatus({ error: false, text: await work() });
      await load();
    } catch (e) {
      setStatus({ error: true, text: inlineError(e) ?? t("offline.title") });
    } finally {
      setBusy(false);
    }
  };
  const backUp = async () => {
    const bridge = saveBridge();
    if (bridge?.choose_folder) {
      const folder = await bridge.choose_folder();
      if (!folder) return; // cancelled: nothing to do
      await act(async () => t("dataTransfer.backedUp", { name: (await dataApi.backUpNow(folder)).path }));
      return;
    }
    await act(async () => {
      const made = await dataApi.backUpNow();
      download(dataApi.backupFileUrl(made.name), made.name);
      return t("dataTransfer.backedUp", { name: made.name });
    });
  };
  const restore = (name: string) =>
    act(async () => {
      await dataApi.restore(name);
      setConfirming(null);
      onRestored();
      return t("dataTransfer.restored", { name });
    });

  const pick = (chosen: PickedBackup) => {
    setConfirming(null);
    setStatus(null);
    setPicked(chosen);
  };
  const chooseInWindow = async () => {
    const path = await bridge?.choose_backup_file?.();
    if (path) pick({ name: baseName(path), path });
  };
  const forgetPicked = () => {
    setPicked(null);
    if (fileInput.current) fileInput.current.value = "";
  };
  const restorePicked = (chosen: PickedBackup) =>
    act(async () => {
      try {
        await ("path" in chosen ? dataApi.restorePath(chosen.path) : dataApi.restoreUpload(chosen.file));
      } finally {
        forgetPicked();
      }
      onRestored();
      return t("dataTransfer.restored", { name: chosen.name });
    });

  const when = (entry: BackupEntry) =>
    entry.created_at
      ? new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(entry.created_at))
      : entry.name;

  return (
    <fieldset className="kd-field kd-data-panel">
      <legend>{t("dataTransfer.backupsTitle")}</legend>
      <small className="kd-hint">{t("dataTransfer.backupsHint")}</small>
      <div className="kd-inline-actions">
        <button type="button" className="kd-button" disabled={busy} onClick={() => void backUp()}>
          {t("dataTransfer.backUpNow")}
        </button>
        {bridge?.choose_backup_file ? (
          <button type="button" className="kd-button kd-button-quiet" disabled={busy} onClick={() => void chooseInWindow()}>
            {t("dataTransfer.restoreFromFile")}
          </button>
        ) : (
          <label className={`kd-button kd-button-quiet${busy ? " kd-disabled" : ""}`}>
            {t("dataTransfer.restoreFromFile")}
            <input
              ref={fileInput}
              type="file"
              className="kd-visually-hidden"
              accept=".zip,application/zip"
              disabled={busy}
              onChange={(event) => {
                const file = event.target.files?.[0];
                if (file) pick({ name: file.name, file });
              }}
            />
          </label>
        )}
      </div>
      {picked && (
        <div className="kd-confirm" role="alertdialog" aria-label={t("dataTransfer.restoreFileLabel", { name: picked.name })}>
          <p>{t("dataTransfer.restoreConfirm")}</p>
          <div className="kd-actions">
            <button type="button" className="kd-button kd-button-quiet" autoFocus disabled={busy} onClick={forgetPicked}>
              {t("common.cancel")}
            </button>
            <button type="button" className="kd-button kd-button-danger" disabled={busy} onClick={() => void restorePicked(picked)}>
              {busy ? t("dataTransfer.restoring") : t("dataTransfer.restoreThis")}
            </button>
          </div>
        </div>
      )}
      {backups && backups.length === 0 && <p className="kd-muted">{t("dataTransfer.noBackups")}</p>}
      {backups && backups.length > 0 && (
        <ul className="kd-backups" aria-label={t("dataTransfer.backupsTitle")}>
          {backups.map((entry) => (
            <li key={entry.name} className="kd-backup">
              <span className="kd-backup-when">{when(entry)}</span>
              <span className="kd-muted">{t(KIND_LABELS[entry.kind] ?? "dataTransfer.kindManual")}</span>
              {confirming === entry.name ? (
                <div className="kd-confirm" role="alertdialog" aria-label={t("dataTransfer.restoreLabel", { when: when(entry) })}>
                  <p>{t("dataTransfer.restoreConfirm")}</p>
                  <div className="kd-actions">
                    <button type="button" className="kd-button kd-button-quiet" autoFocus onClick={() => setConfirming(null)}>
                      {t("common.cancel")}
                    </button>
                    <button type="button" className="kd-button kd-button-danger" disabled={busy} onClick={() => void restore(entry.name)}>
                      {t("dataTransfer.restoreThis")}
                    </button>
                  </div>
                </div>
              ) : (
                <button
                  type="button"
                  className="kd-button kd-button-quiet"
                  aria-label={t("dataTransfer.restoreLabel", { when: when(entry) })}
                  disabled={busy}
                  onClick={() => {
                    forgetPicked();
                    setConfirming(entry.name);
                  }}
                >
                  {t("dataTransfer.restore")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {status && (
        <p className={status.error ? "kd-notice kd-notice-error" : "kd-muted"} role={status.error ? "alert" : "status"}>
          {status.text}
        </p>
      )}
    </fieldset>
  );
}
