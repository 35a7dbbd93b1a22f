// The server writes its messages for any caller; a few read oddly next to the
// form that caused them. These helpers fit them to the screen they appear on.

import type { ProviderKind } from "./api";
import type { T } from "./i18n";

// What the forms call each field the API names in "field: problem" messages.
// In English, like the server's sentences they are spliced into (server
// messages are not translated).
const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  kind: "Kind",
  base_url: "Base URL",
  api_version: "API version",
  key: "API key",
  enabled: "Enabled",
  default_provider: "Default provider",
  default_model: "Default model",
  system_prompt: "System prompt",
  temperature: "Temperature",
  theme: "Theme",
  auto_title: "Automatic chat titles",
  providers: "Providers",
};

// "base_url: ..." or "providers.0.base_url: ..." (the server's validation wording).
const FIELD_PROBLEM = /^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*): (.+)$/s;

function labelOf(path: string): string | null {
  const parts = path.split(".").filter((part) => !/^\d+$/.test(part));
  return FIELD_LABELS[parts[parts.length - 1] ?? ""] ?? null;
}

function relabel(problem: string): string {
  const match = FIELD_PROBLEM.exec(problem);
  if (!match) return problem;
  const label = labelOf(match[1]!);
  if (!label) return problem;
  const rest = match[2]!;
  // "the base URL must …" after "Base URL" says the field twice.
  const restated = `the ${label.toLowerCase()} `;
  if (rest.toLowerCase().startsWith(restated)) return `${label} ${rest.slice(restated.length)}`;
  // "must …", "is …", "may …" read as one sentence after the label.
  if (/^(must|is|may|should|cannot|can't) /.test(rest)) return `${label} ${rest}`;
  return `${label}: ${rest}`;
}

/**
 * Server messages name fields as the API spells them ("base_url: the base URL
 * must start with http://"); a person knows them by the form's labels
 * ("Base URL must start with http://"). Several problems are joined by "; ".
 */
export function withFieldLabels(message: string): string {
  return message
    .split("; ")
    .map((part) => relabel(part))
    .join("; ");
}

// The sentences of kitdesk.models_catalog.describe_failure that these adapt.
const ASKS_FOR_KEY = /^The server asks for an API key\b/;
const UNREACHABLE = /^(Could not connect to |No answer from )/;
// Services on the internet: not answering means the connection, not a stopped server.
const HOSTED_KINDS: ReadonlySet<ProviderKind> = new Set(["openai", "openrouter", "azure"]);

export type TestContext = {
  kind: ProviderKind;
  baseUrl: string;
  /** Where a person types the key on this screen, if anywhere. */
  keyPlace: "field-above" | "set-key-button" | "none";
};

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** A failed connection test's message, worded for the screen that ran it. */
export function explainTestFailure(message: string, context: TestContext, t: T): string {
  if (ASKS_FOR_KEY.test(message)) {
    if (context.keyPlace === "field-above") return t("connection.needsKeyAbove");
    if (context.keyPlace === "set-key-button") return t("connection.needsKeyButton");
    return message;
  }
  if (UNREACHABLE.test(message) && HOSTED_KINDS.has(context.kind)) {
    return t("connection.unreachable", { host: hostOf(context.baseUrl) });
  }
  return message;
}
