import { api, type ProviderCreate, type ProviderView } from "./api";

/**
 * Adds the provider, then stores the key when one was given. The caller
 * clears its key input right after: the key goes to the write-only key API
 * once and is not kept in the page.
 */
export async function addProvider(provider: ProviderCreate, key: string | null): Promise<ProviderView> {
  const saved = await api.addProvider(provider);
  if (key) {
    try {
      await api.setKey(saved.id, key);
    } catch (error) {
      // Without its key the new provider is useless; take it out again so a retry starts clean.
      await api.removeProvider(saved.id).catch(() => undefined);
      throw error;
    }
  }
  return saved;
}

/**
 * Makes `providerId` the default provider with a model it actually lists (its
 * preset default when listed, else the first one). Returns the model ref.
 * `refresh` asks every provider again rather than using the server's cached lists.
 */
export async function makeDefaultProvider(
  providerId: string,
  presetModel: string | null,
  refresh = true,
): Promise<string | null> {
  const list = await api.models(refresh).catch(() => ({ models: [], errors: [] }));
  const prefix = `${providerId}::`;
  const own = list.models.filter((m) => m.id.startsWith(prefix)).map((m) => m.id.slice(prefix.length));
  const model = presetModel && (own.length === 0 || own.includes(presetModel)) ? presetModel : (own[0] ?? presetModel);
  await api.saveSettings({ default_provider: providerId, default_model: model ? `${prefix}${model}` : null });
  return model ? `${prefix}${model}` : null;
}
