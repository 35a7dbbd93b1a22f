// The /api/data and /api/usage routes as Settings > Data sees them: export a
// download, import a file (a job whose progress is polled), back up, list and
// restore backups, and the tokens spent by month.

import { ServerUnreachable, appFetch, errorFromResponse } from "./api";

export type ExportFormat = "json" | "markdown" | "html";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["json", "markdown", "html"];
const EXTENSIONS: Record<ExportFormat, string> = { json: "json", markdown: "md", html: "html" };

export type ImportResult = {
  threads: number;
  messages: number;
  already_present: number;
  skipped: Record<string, number>;
  summary: string;
};

export type ImportJob = {
  id: string;
  filename: string;
  state: "running" | "done" | "failed";
  progress: number;
  result?: ImportResult;
  error?: { code: string; message: string };
};

export type BackupKind = "auto" | "before-restore" | "pre-migration" | "manual";
export type BackupEntry = { name: string; path: string; kind: BackupKind; created_at: string | null; size: number };
export type RestoreResult = { restored: string; created_at: string; previous: string | null };

export type UsageMonth = {
  month: string;
  provider_id: string;
  model: string;
  answers: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
};

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await appFetch(path, init);
  } catch {
    throw new ServerUnreachable();
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit =
    body === undefined ? { method } : { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  return (await (await send(path, init)).json()) as T;
}

/** The file name a download should get: RFC 5987's exact UTF-8 name first, then the plain one. */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const exact = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (exact) {
    try {
      return decodeURIComponent(exact[1]!.trim());
    } catch {
      // A malformed escape: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(header) ?? /filename\s*=\s*([^;]+)/i.exec(header);
  return plain?.[1]?.trim() || fallback;
}

/** Everything skipped by an import, whatever the reasons. */
export function skippedCount(result: ImportResult): number {
  return Object.values(result.skipped).reduce((sum, n) => sum + n, 0);
}

export const dataApi = {
  /** Every conversation in one file, read whole (the size of a person's chats, not a data set). */
  async exportAll(format: ExportFormat): Promise<{ blob: Blob; filename: string }> {
    const response = await send(`api/data/export?format=${format}`);
    const filename = filenameFromDisposition(response.headers.get("content-disposition"), `kitdesk.${EXTENSIONS[format]}`);
    return { blob: await response.blob(), filename };
  },
  /** The raw file as the body; its name only in a header (encoded: headers carry no Unicode). */
  startImport: async (file: File): Promise<ImportJob> =>
    (await (
      await send("api/data/import", {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream", "X-Filename": encodeURIComponent(file.name) },
        body: file,
      })
    ).json()) as ImportJob,
  importStatus: (id: string) => json<ImportJob>("GET", `api/data/import/${encodeURIComponent(id)}`),
  backups: () => json<{ folder: string; backups: BackupEntry[] }>("GET", "api/data/backups"),
  /** A backup in the data folder's backups, or in ``folder`` (a path the person picked). */
  backUpNow: (folder?: string) => json<BackupEntry>("POST", "api/data/backups", folder ? { folder } : {}),
  /** Where a listed backup downloads from. */
  backupFileUrl: (name: string) => `api/data/backups/${encodeURIComponent(name)}/file`,
  restore: (name: string) => json<RestoreResult>("POST", "api/data/restore", { name }),
  /** A backup file the window's native open dialog picked, restored where it is. */
  restorePath: (path: string) => json<RestoreResult>("POST", "api/data/restore", { path }),
  /** A backup file from anywhere, as the raw body: the server verifies it before changing anything. */
  restoreUpload: async (file: File): Promise<RestoreResult> =>
    (await (
      await send("api/data/restore/upload", {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream", "X-Filename": encodeURIComponent(file.name) },
        body: file,
      })
    ).json()) as RestoreResult,
  usage: () => json<{ months: UsageMonth[] }>("GET", "api/usage"),
};
