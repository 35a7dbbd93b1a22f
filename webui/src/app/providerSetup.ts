import { api, type Provider, type ProviderView, type Settings } from "./api";

/**
 * Adds the provider (or updates the one with its id), then stores the key when
 * one was given. The caller clears its key input right after: the key goes to
 * the write-only key API once and is not kept in the page.
 */
export async function saveProvider(provider: Provider, key: string | null, existing: ProviderView[]): Promise<ProviderView> {
  const saved = existing.some((p) => p.id === provider.id)
    ? await api.updateProvider(provider)
    : await api.addProvider(provider);
  if (key) await api.setKey(saved.id || provider.id, key);
  return saved;
}

/**
 * Makes `providerId` the default provider with a model it actually lists
 * (its preset default when listed, else the first one). Returns the model ref.
 */
export async function makeDefaultProvider(providerId: string, presetModel: string | null): Promise<string | null> {
  const [settings, list] = await Promise.all([api.settings(), api.models(true).catch(() => ({ models: [], errors: [] }))]);
  const prefix = `${providerId}::`;
  const own = list.models.filter((m) => m.id.startsWith(prefix)).map((m) => m.id.slice(prefix.length));
  const model = presetModel && (own.length === 0 || own.includes(presetModel)) ? presetModel : (own[0] ?? presetModel);
  const next: Settings = { ...settings, default_provider: providerId, default_model: model ?? null };
  await api.saveSettings(next);
  return model ? `${prefix}${model}` : null;
}
