// The /api/prompts routes as the app sees them: the saved prompts with their
// {{variables}}, add / edit / delete, and the library as a JSON file out and in.

import { ServerUnreachable, appFetch, errorFromResponse } from "./api";
import { filenameFromDisposition } from "./dataApi";

export type SavedPrompt = {
  id: string;
  name: string;
  text: string;
  variables: string[];
  created_at: string;
  updated_at: string;
};

export type PromptImportResult = { added: number; already_present: number; renamed: number };

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

const one = (id: string) => `/api/prompts/${encodeURIComponent(id)}`;

/** Dispatched on `window` after the library changed here (the composer's menu looks again). */
export const PROMPTS_CHANGED = "kitdesk:prompts-changed";

async function changed<T>(work: Promise<T>): Promise<T> {
  const result = await work;
  window.dispatchEvent(new Event(PROMPTS_CHANGED));
  return result;
}

export const promptsApi = {
  list: async () => (await json<{ prompts: SavedPrompt[] }>("GET", "/api/prompts")).prompts,
  add: (name: string, text: string) => changed(json<SavedPrompt>("POST", "/api/prompts", { name, text })),
  update: (id: string, name: string, text: string) => changed(json<SavedPrompt>("PUT", one(id), { name, text })),
  remove: (id: string) => changed(json<{ deleted: string }>("DELETE", one(id))),
  async exportFile(): Promise<{ blob: Blob; filename: string }> {
    const response = await send("/api/prompts/export");
    const filename = filenameFromDisposition(response.headers.get("content-disposition"), "Kitdesk prompts.json");
    return { blob: await response.blob(), filename };
  },
  /** The file as it is: the server reads it and says in a sentence what is wrong with it. */
  importFile: async (file: File): Promise<PromptImportResult> =>
    changed(
      send("/api/prompts/import", { method: "POST", headers: { "Content-Type": "application/json" }, body: file }).then(
        (response) => response.json() as Promise<PromptImportResult>,
      ),
    ),
};

/** The prompts for the composer's `/` menu: names matching first, then texts; at most `limit`. */
export function matchingPrompts(prompts: readonly SavedPrompt[], query: string, limit = 20): SavedPrompt[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return prompts.slice(0, limit);
  const byName = prompts.filter((p) => p.name.toLocaleLowerCase().includes(q));
  const byText = prompts.filter((p) => !byName.includes(p) && p.text.toLocaleLowerCase().includes(q));
  return [...byName, ...byText].slice(0, limit);
}
