import type { Provider, ProviderKind } from "./api";
import type { T } from "./i18n";

// The same presets the server offers (kitdesk.settings.PRESETS); used until
// GET /api/providers/presets answers, and for the words around each kind.
export const FALLBACK_PRESETS: Record<ProviderKind, Provider> = {
  openai: { id: "openai", name: "OpenAI", kind: "openai", base_url: "https://api.openai.com/v1", enabled: true, default_model: "gpt-4.1-mini", api_version: null },
  azure: { id: "azure", name: "Azure OpenAI", kind: "azure", base_url: "https://YOUR-RESOURCE.openai.azure.com/openai/v1", enabled: true, default_model: null, api_version: "preview" },
  openrouter: { id: "openrouter", name: "OpenRouter", kind: "openrouter", base_url: "https://openrouter.ai/api/v1", enabled: true, default_model: "openai/gpt-4.1-mini", api_version: null },
  ollama: { id: "ollama", name: "Ollama", kind: "ollama", base_url: "http://127.0.0.1:11434/v1", enabled: true, default_model: null, api_version: null },
  lmstudio: { id: "lmstudio", name: "LM Studio", kind: "lmstudio", base_url: "http://127.0.0.1:1234/v1", enabled: true, default_model: null, api_version: null },
  custom: { id: "custom", name: "Custom", kind: "custom", base_url: "http://127.0.0.1:8000/v1", enabled: true, default_model: null, api_version: null },
  chatkit: { id: "chatkit", name: "ChatKit server", kind: "chatkit", base_url: "http://127.0.0.1:8000/chatkit", enabled: true, default_model: "default", api_version: null },
};

export const KIND_LABELS: Record<ProviderKind, string> = {
  openai: "OpenAI",
  azure: "Azure OpenAI",
  openrouter: "OpenRouter",
  ollama: "Ollama",
  lmstudio: "LM Studio",
  custom: "OpenAI-compatible server",
  chatkit: "ChatKit server",
};

/** A kind's name in the language shown (product names stay as they are). */
export function kindLabel(kind: ProviderKind, t: T): string {
  return kind === "custom" ? t("kind.custom") : (KIND_LABELS[kind] ?? kind);
}

export function mergePresets(fromServer: Provider[]): Record<ProviderKind, Provider> {
  const merged = { ...FALLBACK_PRESETS };
  for (const preset of fromServer) {
    if (preset.kind in merged) merged[preset.kind] = { ...merged[preset.kind], ...preset };
  }
  return merged;
}
