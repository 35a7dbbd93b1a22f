// The Kitdesk HTTP API as the app sees it: typed calls, one error type whose
// message is written for a person. The page is served by Kitdesk itself with an
// HttpOnly auth cookie, so same-origin requests carry it; no token lives in JS.

import { currentT, type T } from "./i18n";
import type { ProviderKindInfo } from "./providerKinds";
import { withFieldLabels } from "./wording";

export type ThemeSetting = "system" | "light" | "dark";
export type ProviderKind = "openai" | "azure" | "openrouter" | "ollama" | "lmstudio" | "custom" | "chatkit";
export type KeySource = "keyring" | "environment" | "none";

export type AppInfo = {
  version: string;
  data_dir: string;
  log_dir: string;
  needs_onboarding: boolean;
  default_model: string | null;
  theme: ThemeSetting;
  keyring: { usable: boolean; message: string | null };
  settings_recovered_from: string | null;
  /** "system" or a language code, once the server keeps the choice (older servers omit it). */
  language?: string;
};

export type Provider = {
  id: string;
  name: string;
  kind: ProviderKind;
  base_url: string;
  enabled: boolean;
  default_model: string | null;
  api_version: string | null;
  /** Names of the request headers sent to a ChatKit server (their values live in the keyring). */
  headers?: string[];
};

/** A provider as listed by the API: its settings plus what we may know about its key. */
export type ProviderView = Provider & {
  key: { has_key: boolean; source: KeySource };
  read_only: boolean;
  /** New chats use this provider (the server's choice: the saved default, else the first that answers). */
  is_default: boolean;
  headers: string[];
  /** The headers whose value is stored in the keyring (never the values). */
  headers_set: string[];
};

/** What POST /api/providers takes: the server picks the id from the kind. */
export type ProviderCreate = {
  kind: ProviderKind;
  name?: string;
  base_url?: string;
  default_model?: string | null;
  api_version?: string | null;
  enabled?: boolean;
  headers?: string[];
};

/** What PUT /api/providers/{id} takes. */
export type ProviderPatch = Partial<Pick<Provider, "name" | "base_url" | "enabled" | "default_model" | "api_version" | "headers">>;

/** What PUT /api/settings takes: only the fields that change. `default_model` may be a model ref. */
export type SettingsPatch = Partial<
  Pick<
    Settings,
    | "system_prompt"
    | "temperature"
    | "theme"
    | "default_provider"
    | "default_model"
    | "auto_title"
    | "close_to_tray"
    | "notify_when_done"
    | "quick_ask_hotkey"
  >
> & {
  language?: string;
  /** Merged into the stored choices by model ref; null goes back to the model's default. */
  reasoning_effort?: Record<string, ReasoningEffort | null>;
};

export type ReasoningEffort = "minimal" | "low" | "medium" | "high";

export type Settings = {
  providers: Provider[];
  default_provider: string | null;
  default_model: string | null;
  system_prompt: string;
  temperature: number | null;
  theme: ThemeSetting;
  auto_title: boolean;
  /** By model ref ("provider::model"); a model without an entry uses its default. */
  reasoning_effort: Record<string, ReasoningEffort>;
  /** Desktop window only (absent from servers that predate them). */
  close_to_tray?: boolean;
  notify_when_done?: boolean;
  quick_ask_hotkey?: string;
  [extra: string]: unknown;
};

export type ConnectionResult = { ok: boolean; message: string; model_count: number | null };

export type ModelOption = {
  id: string;
  label: string;
  description?: string;
  disabled?: boolean;
  default?: boolean;
  /** The wire API of the model's provider. */
  api?: "responses" | "chat_completions";
  /** The provider has a hosted web search tool (the composer offers "Search the web"). */
  web_search?: boolean;
  /** The provider takes a reasoning-effort choice (Settings › Models offers one). */
  reasoning_effort?: boolean;
};

export type ModelList = { models: ModelOption[]; errors: string[] };

/** An error worth showing: `message` is a sentence for a person. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/** Thrown when the request never reached the server (it stopped, or the network is down). */
export class ServerUnreachable extends Error {
  constructor() {
    super(currentT()("offline.title"));
    this.name = "ServerUnreachable";
  }
}

type Listener = (reachable: boolean) => void;
const reachabilityListeners = new Set<Listener>();

/** What the latest request showed; a listener added later hears it at once. */
let reachableNow = true;

/** Called with false when a request fails at the network level, true when one succeeds
 * again; and at once with what the latest request showed (the app's first question is
 * asked before the app renders, so before anything listens). */
export function onReachability(listener: Listener): () => void {
  reachabilityListeners.add(listener);
  listener(reachableNow);
  return () => reachabilityListeners.delete(listener);
}

function report(reachable: boolean): void {
  reachableNow = reachable;
  for (const listener of reachabilityListeners) listener(reachable);
}

/** Network-level failures seen so far: tells an answer sent before the latest one from a fresh answer. */
let failuresSeen = 0;

/**
 * fetch with the app's cookie and reachability tracking. Also handed to the
 * ChatKit element (`api.fetch`) so a dead server is noticed wherever it shows.
 */
export const appFetch: typeof fetch = async (input, init) => {
  const failuresBefore = failuresSeen;
  let response: Response;
  try {
    response = await fetch(input, { credentials: "same-origin", ...init });
  } catch (error) {
    // An abort is the user pressing Stop, not a dead server.
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    failuresSeen += 1;
    report(false);
    throw error;
  }
  // Only an answer to a request sent after the latest failure shows the server is
  // back: a stopping server refuses new connections but still finishes the
  // requests it had (a slow model list, say), and those must not end the reconnect poll.
  if (failuresSeen === failuresBefore) report(true);
  return response;
};

/**
 * appFetch that names the language shown (`Accept-Language`) on every request:
 * the ChatKit server writes the text it builds into the thread (tool approval
 * cards, tool activity) in it. Only the app knows it when the setting is "system".
 */
export function fetchInLanguage(language: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("Accept-Language", language);
    return appFetch(input, { ...init, headers });
  };
}

/** Turns an error body `{"error": {"code", "message"}}` (or anything else) into an ApiError. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = currentT()("api.serverAnswered", { status: `${response.status} ${response.statusText}`.trim() });
  try {
    const body: unknown = await response.json();
    const error = isRecord(body) ? body.error : undefined;
    if (isRecord(error)) {
      if (typeof error.code === "string") code = error.code;
      if (typeof error.message === "string" && error.message) message = withFieldLabels(error.message);
    } else if (isRecord(body) && typeof body.detail === "string") {
      message = withFieldLabels(body.detail);
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(code, message, response.status);
}

/** One JSON request to the Kitdesk API; a refusal becomes an ApiError with the server's sentence. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await appFetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ServerUnreachable();
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalizeProvider(raw: unknown): ProviderView {
  const p = isRecord(raw) ? raw : {};
  const keyRaw = isRecord(p.key) ? p.key : isRecord(p.key_status) ? p.key_status : p;
  const source = keyRaw.source ?? keyRaw.key_source;
  const hasKey = Boolean(keyRaw.has_key);
  const id = String(p.id ?? "");
  return {
    id,
    name: String(p.name ?? id),
    kind: (p.kind as ProviderKind | undefined) ?? "custom",
    base_url: String(p.base_url ?? ""),
    enabled: p.enabled !== false,
    default_model: typeof p.default_model === "string" ? p.default_model : null,
    api_version: typeof p.api_version === "string" ? p.api_version : null,
    key: {
      has_key: hasKey,
      source: source === "keyring" || source === "environment" ? source : hasKey ? "keyring" : "none",
    },
    read_only: Boolean(p.read_only) || id === "environment",
    is_default: p.is_default === true,
    headers: stringsOf(p.headers),
    headers_set: stringsOf(p.headers_set),
  };
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function listOf(body: unknown, field: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (isRecord(body)) {
    const inner = body[field];
    if (Array.isArray(inner)) return inner;
    if (isRecord(inner)) return Object.values(inner);
    return Object.values(body).filter(isRecord);
  }
  return [];
}

function errorsOf(raw: unknown): string[] {
  if (Array.isArray(raw)) {
    return raw.map((e) => (isRecord(e) ? String(e.message ?? JSON.stringify(e)) : String(e)));
  }
  if (isRecord(raw)) {
    return Object.entries(raw).map(([k, v]) => (isRecord(v) ? String(v.message ?? k) : `${k}: ${String(v)}`));
  }
  return [];
}

export const api = {
  app: () => request<AppInfo>("GET", "api/app"),
  health: () => request<unknown>("GET", "api/health"),

  settings: () => request<Settings>("GET", "api/settings"),
  saveSettings: (patch: SettingsPatch) => request<Settings>("PUT", "api/settings", patch),

  providers: async (): Promise<ProviderView[]> =>
    listOf(await request<unknown>("GET", "api/providers"), "providers").map(normalizeProvider),
  providerKinds: () => request<ProviderKindInfo[]>("GET", "api/provider-kinds"),
  presets: async (): Promise<Provider[]> =>
    listOf(await request<unknown>("GET", "api/providers/presets"), "presets").map(normalizeProvider),
  addProvider: async (provider: ProviderCreate) =>
    normalizeProvider(await request<unknown>("POST", "api/providers", provider)),
  updateProvider: async (id: string, patch: ProviderPatch) =>
    normalizeProvider(await request<unknown>("PUT", `api/providers/${encodeURIComponent(id)}`, patch)),
  removeProvider: (id: string) => request<unknown>("DELETE", `api/providers/${encodeURIComponent(id)}`),
  setKey: (id: string, key: string) =>
    request<unknown>("PUT", `api/providers/${encodeURIComponent(id)}/key`, { key }),
  removeKey: (id: string) => request<unknown>("DELETE", `api/providers/${encodeURIComponent(id)}/key`),
  /** A ChatKit server's request header value, into the keyring (write-only). */
  setHeader: (id: string, header: string, value: string) =>
    request<unknown>("PUT", `api/providers/${encodeURIComponent(id)}/headers/${encodeURIComponent(header)}`, { value }),
  removeHeader: (id: string, header: string) =>
    request<unknown>("DELETE", `api/providers/${encodeURIComponent(id)}/headers/${encodeURIComponent(header)}`),
  testProvider: (id: string) =>
    request<ConnectionResult>("POST", `api/providers/${encodeURIComponent(id)}/test`),
  testConnection: (params: {
    kind: ProviderKind;
    base_url?: string;
    key?: string;
    api_version?: string | null;
    provider_id?: string;
    /** A ChatKit server's request headers typed into the form (name -> value). */
    headers?: Record<string, string>;
  }) =>
    request<ConnectionResult>("POST", "api/providers/test", params),

  models: async (refresh = false): Promise<ModelList> => {
    const body = await request<unknown>("GET", refresh ? "api/models?refresh=1" : "api/models");
    const models = listOf(body, "models").filter(isRecord) as ModelOption[];
    return { models, errors: errorsOf(isRecord(body) ? body.errors : undefined) };
  },
};

/** The human summary of a connection test. */
export function describeConnection(result: ConnectionResult, t: T): string {
  if (!result.ok) return result.message || t("connection.failed");
  if (result.model_count === null || result.model_count === undefined) return result.message || t("connection.ok");
  return t("connection.models", { n: result.model_count });
}

/** The words a provider card uses for its key. */
export function describeKey(provider: ProviderView, t: T): string {
  if (provider.key.source === "environment") return t("keyStatus.environment");
  if (provider.key.has_key) return t("keyStatus.keyring");
  return t("keyStatus.none");
}

/** The message to show inline, or null when the reconnect notice already says it. */
export function inlineError(error: unknown): string | null {
  return error instanceof ServerUnreachable ? null : messageOf(error);
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
