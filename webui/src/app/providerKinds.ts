// What each kind of provider speaks and can do, as the server's table has it
// (GET /api/provider-kinds, from desktop/kitdesk/providers/kinds.py). The UI keeps
// no copy of these facts: components read them through useProviderKinds().

import { useEffect, useSyncExternalStore } from "react";
import { api, type ProviderKind } from "./api";

export type ProviderKindInfo = {
  kind: ProviderKind;
  label: string;
  preset_name: string;
  wire_api: "responses" | "chat_completions" | "chatkit";
  needs_key: boolean;
  speech_to_text: boolean;
  tools: boolean;
  reasoning: "summaries" | "reasoning_content" | "none";
  web_search: boolean;
  reasoning_effort: boolean;
  lists_models: boolean;
  runs_locally: boolean;
  /** Its key can run Agent Builder workflows (hosted ChatKit sessions). */
  hosted_chatkit: boolean;
  default_base_url: string;
  default_model: string | null;
  default_api_version: string | null;
  key_help_url: string | null;
  base_url_help: string;
};

export type ProviderKinds = Partial<Record<ProviderKind, ProviderKindInfo>>;

let table: ProviderKinds | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();

function load(): void {
  if (table || loading) return;
  loading = api.providerKinds().then(
    (list) => {
      table = Object.fromEntries(list.map((info) => [info.kind, info])) as ProviderKinds;
      listeners.forEach((notify) => notify());
    },
    () => {
      loading = null; // asked again by the next component that needs it
    },
  );
}

function subscribe(notify: () => void): () => void {
  listeners.add(notify);
  return () => listeners.delete(notify);
}

/** The kinds table, or null until the server has answered (asked once per page). */
export function useProviderKinds(): ProviderKinds | null {
  useEffect(load, []);
  return useSyncExternalStore(subscribe, () => table);
}

/** Whether a kind needs an API key; until the table is in, assume it does (the safer wording). */
export function needsKey(kinds: ProviderKinds | null, kind: ProviderKind): boolean {
  return kinds?.[kind]?.needs_key ?? true;
}

/** A ChatKit server: it takes request headers rather than an API key. */
export function isChatKitServer(kinds: ProviderKinds | null, kind: ProviderKind): boolean {
  return kinds?.[kind]?.wire_api === "chatkit";
}

/** Whether a kind's key can run Agent Builder workflows (false until the table is in). */
export function runsWorkflows(kinds: ProviderKinds | null, kind: ProviderKind): boolean {
  return kinds?.[kind]?.hosted_chatkit ?? false;
}
