import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  api,
  describeKey,
  inlineError,
  messageOf,
  type AppInfo,
  type ModelList,
  type ProviderCreate,
  type ProviderKind,
  type ProviderView,
  type Settings as SettingsData,
  type SettingsPatch,
  type ThemeSetting,
} from "./api";
import { headerNames, HeaderRows, initialHeaderRows, saveHeaderValues, typedHeaderValues, type HeaderRow } from "./ChatKitHeaders";
import { ConfirmRemoval } from "./ConfirmRemoval";
import { useUrlWarnings } from "./providerUrl";
import { DataTransfer } from "./DataSettings";
import { Field } from "./Field";
import { McpSettings } from "./McpSettings";
import { Modal } from "./Modal";
import { PromptSettings } from "./PromptSettings";
import { ReasoningEffortList } from "./ReasoningEffort";
import { TestResult, type TestState } from "./Onboarding";
import { resolveLanguage, useI18n, withNodes, type LanguageSetting } from "./i18n";
import { FALLBACK_PRESETS, KIND_LABELS, kindLabel, mergePresets } from "./presets";
import { isChatKitServer, needsKey, useProviderKinds } from "./providerKinds";
import { addProvider, makeDefaultProvider } from "./providerSetup";
import { shortcutTable } from "./shortcuts";
import type { AppKey } from "./strings";
import { UpdatesSection } from "./UpdatesSection";
import { WorkflowSettings } from "./WorkflowSettings";
import { explainTestFailure } from "./wording";
import { LANGUAGES } from "../chatkit/i18n";

export type SectionId =
  | "providers"
  | "models"
  | "chat"
  | "prompts"
  | "tools"
  | "workflows"
  | "appearance"
  | "data"
  | "about";

const SECTIONS: { id: SectionId; label: AppKey }[] = [
  { id: "providers", label: "settings.providers" },
  { id: "models", label: "settings.models" },
  { id: "chat", label: "settings.chat" },
  { id: "prompts", label: "settings.prompts" },
  { id: "tools", label: "settings.tools" },
  { id: "workflows", label: "settings.workflows" },
  { id: "appearance", label: "settings.appearance" },
  { id: "data", label: "settings.data" },
  { id: "about", label: "settings.about" },
];

type SettingsProps = {
  info: AppInfo;
  onClose: () => void;
  /** Something the chat depends on changed (providers, models, theme). */
  onChanged: () => void;
  initialSection?: SectionId;
  notice?: ReactNode;
  /** Conversations came in (an import) or were replaced (a restore): the chat should look again. */
  onConversationsChanged?: (change: "imported" | "restored") => void;
};

export function SettingsDialog({ info, onClose, onChanged, initialSection = "providers", notice, onConversationsChanged }: SettingsProps) {
  const [section, setSection] = useState<SectionId>(initialSection);
  const [settings, setSettings] = useState<SettingsData | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { t } = useI18n();

  const reload = useCallback(async () => {
    try {
      setSettings(await api.settings());
      setLoadError(null);
    } catch (e) {
      setLoadError(inlineError(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  /** Saves a change to the plain settings, keeping everything else as the server has it. */
  const update = useCallback(
    async (change: SettingsPatch) => {
      setSettings(await api.saveSettings(change));
      onChanged();
    },
    [onChanged],
  );

  // A provider change may move the default model (Make default, removing the default provider).
  const providersChanged = useCallback(() => {
    void reload();
    onChanged();
  }, [reload, onChanged]);

  return (
    <Modal title={t("settings.title")} onClose={onClose} className="kd-settings" notice={notice}>
      <div className="kd-settings-body">
        <nav className="kd-settings-nav" aria-label={t("settings.sections")}>
          {SECTIONS.map((s) => (
            <button
              key={s.id}
              type="button"
              className="kd-nav-item"
              aria-current={section === s.id ? "page" : undefined}
              data-autofocus={s.id === initialSection ? true : undefined}
              onClick={() => setSection(s.id)}
            >
              {t(s.label)}
            </button>
          ))}
        </nav>
        <section className="kd-settings-section" aria-labelledby={`settings-${section}`}>
          <h3 id={`settings-${section}`}>{t(SECTIONS.find((s) => s.id === section)!.label)}</h3>
          {loadError && (
            <p className="kd-notice kd-notice-error" role="alert">
              {loadError}
            </p>
          )}
          {section === "providers" && <ProvidersSection info={info} onChanged={providersChanged} />}
          {section === "models" && settings && <ModelsSection settings={settings} update={update} />}
          {section === "chat" && settings && <ChatSection settings={settings} update={update} />}
          {section === "prompts" && <PromptSettings />}
          {section === "tools" && <McpSettings />}
          {section === "workflows" && <WorkflowSettings />}
          {section === "appearance" && settings && <AppearanceSection settings={settings} update={update} />}
          {section === "data" && (
            <>
              <DataSection info={info} />
              <DataTransfer onChange={(change) => onConversationsChanged?.(change)} />
            </>
          )}
          {section === "about" && <AboutSection info={info} />}
        </section>
      </div>
    </Modal>
  );
}

// ---------------------------------------------------------------- Providers

function ProvidersSection({ info, onChanged }: { info: AppInfo; onChanged: () => void }) {
  const [providers, setProviders] = useState<ProviderView[] | null>(null);
  const [models, setModels] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const { t } = useI18n();

  const reload = useCallback(async () => {
    try {
      setProviders(await api.providers());
      setError(null);
    } catch (e) {
      setError(inlineError(e));
    }
    api.models().then(setModels, () => undefined);
  }, []);
  useEffect(() => void reload(), [reload]);

  const changed = useCallback(async () => {
    await reload();
    onChanged();
  }, [reload, onChanged]);

  return (
    <div className="kd-stack">
      {!info.keyring.usable && (
        <p className="kd-notice kd-notice-warn" role="note">
          {info.keyring.message ?? t("keyring.unusable")}
        </p>
      )}
      {error && (
        <p className="kd-notice kd-notice-error" role="alert">
          {error}
        </p>
      )}
      {providers?.length === 0 && !adding && <p className="kd-muted">{t("providers.none")}</p>}
      <ul className="kd-provider-list" aria-label={t("settings.providers")}>
        {providers?.map((p) => (
          <li key={p.id}>
            <ProviderCard
              provider={p}
              modelCount={models ? models.models.filter((m) => m.id.startsWith(`${p.id}::`)).length : null}
              keyringUsable={info.keyring.usable}
              onChanged={changed}
            />
          </li>
        ))}
      </ul>
      {adding ? (
        <ProviderForm
          keyringUsable={info.keyring.usable}
          onCancel={() => setAdding(false)}
          onSaved={async () => {
            setAdding(false);
            await changed();
          }}
        />
      ) : (
        <div>
          <button type="button" className="kd-button" onClick={() => setAdding(true)}>
            {t("providers.add")}
          </button>
        </div>
      )}
    </div>
  );
}

function ProviderCard({
  provider,
  modelCount,
  keyringUsable,
  onChanged,
}: {
  provider: ProviderView;
  modelCount: number | null;
  keyringUsable: boolean;
  onChanged: () => Promise<void>;
}) {
  const [test, setTest] = useState<TestState>({ state: "idle" });
  const [mode, setMode] = useState<"view" | "edit" | "key" | "confirm-remove" | "confirm-remove-key">("view");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Shown at once; put back if the server refuses.
  const [enabled, setEnabled] = useState(provider.enabled);
  useEffect(() => setEnabled(provider.enabled), [provider.enabled]);
  const keyInput = useRef<HTMLInputElement>(null);
  const { t } = useI18n();

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      await onChanged();
      return true;
    } catch (e) {
      setError(inlineError(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const runTest = async () => {
    setTest({ state: "testing" });
    try {
      const result = await api.testProvider(provider.id);
      const keyPlace = keyringUsable && !provider.read_only ? "set-key-button" : "none";
      const message = result.ok
        ? result.message
        : explainTestFailure(result.message, { kind: provider.kind, baseUrl: provider.base_url, keyPlace }, t);
      setTest({ state: "done", result: { ...result, message } });
    } catch (e) {
      setTest({ state: "done", result: { ok: false, message: messageOf(e), model_count: null } });
    }
  };

  const saveKey = async (event: FormEvent) => {
    event.preventDefault();
    const key = keyInput.current?.value.trim() ?? "";
    if (!key) {
      setError(t("providers.pasteKeyFirst"));
      return;
    }
    const ok = await act(() => api.setKey(provider.id, key));
    if (keyInput.current) keyInput.current.value = "";
    if (ok) {
      setMode("view");
      setTest({ state: "idle" });
    }
  };

  const headingId = `provider-${provider.id}`;
  return (
    <article className={`kd-card ${enabled ? "" : "is-disabled"}`} aria-labelledby={headingId}>
      <div className="kd-card-head">
        <div className="kd-card-title">
          <h4 id={headingId}>{provider.name}</h4>
          <span className="kd-badge">{kindLabel(provider.kind, t)}</span>
          {provider.is_default && (
            <span className="kd-badge kd-badge-accent" data-testid="default-badge" title={t("providers.defaultTitle")}>
              {t("providers.default")}
            </span>
          )}
        </div>
        {!provider.read_only && (
          <label className="kd-switch">
            <input
              type="checkbox"
              role="switch"
              checked={enabled}
              disabled={busy}
              onChange={(e) => {
                const next = e.target.checked;
                setEnabled(next);
                void act(() => api.updateProvider(provider.id, { enabled: next })).then((ok) => ok || setEnabled(!next));
              }}
            />
            <span>{enabled ? t("providers.enabled") : t("providers.off")}</span>
          </label>
        )}
      </div>
      <dl className="kd-card-facts">
        <div>
          <dt>{t("field.baseUrl")}</dt>
          <dd className="kd-mono">{provider.base_url}</dd>
        </div>
        <div>
          <dt>{t("providers.key")}</dt>
          <dd className="kd-key-row">
            <span data-testid="key-status">{describeKey(provider, t)}</span>
            {mode === "view" && !provider.read_only && keyringUsable && (
              <span className="kd-inline-actions">
                <button type="button" className="kd-link" onClick={() => setMode("key")}>
                  {provider.key.has_key ? t("providers.replaceKey") : t("providers.setKey")}
                </button>
                {provider.key.has_key && provider.key.source === "keyring" && (
                  <button type="button" className="kd-link" onClick={() => setMode("confirm-remove-key")}>
                    {t("providers.removeKey")}
                  </button>
                )}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>{t("settings.models")}</dt>
          <dd>{modelCount === null ? "…" : t("providers.modelsFound", { n: modelCount })}</dd>
        </div>
      </dl>

      {mode === "edit" && (
        <ProviderForm
          editing={provider}
          keyringUsable={keyringUsable}
          onCancel={() => setMode("view")}
          onSaved={async () => {
            setMode("view");
            await onChanged();
          }}
        />
      )}
      {mode === "key" && (
        <form className="kd-inline-form" onSubmit={saveKey}>
          <Field label={provider.key.has_key ? t("field.newApiKey") : t("field.apiKey")}>
            {(props) => <input {...props} ref={keyInput} type="password" autoComplete="off" spellCheck={false} autoFocus />}
          </Field>
          <div className="kd-actions">
            <button type="button" className="kd-button kd-button-quiet" onClick={() => setMode("view")}>
              {t("common.cancel")}
            </button>
            <button type="submit" className="kd-button kd-button-primary" disabled={busy}>
              {t("providers.saveKey")}
            </button>
          </div>
        </form>
      )}
      {mode === "confirm-remove-key" && (
        <ConfirmRemoval
          label={t("providers.removeKeyLabel", { name: provider.name })}
          confirm={t("providers.removeKey")}
          busy={busy}
          onKeep={() => setMode("view")}
          onConfirm={() =>
            void act(() => api.removeKey(provider.id)).then((ok) => {
              if (ok) {
                setMode("view");
                setTest({ state: "idle" });
              }
            })
          }
        >
          {withNodes(t, "providers.removeKeyText", { name: <strong>{provider.name}</strong> })}
        </ConfirmRemoval>
      )}
      {mode === "confirm-remove" && (
        <ConfirmRemoval
          label={t("providers.removeLabel", { name: provider.name })}
          confirm={t("providers.removeProvider")}
          busy={busy}
          onKeep={() => setMode("view")}
          onConfirm={() => void act(() => api.removeProvider(provider.id))}
        >
          {withNodes(t, "providers.removeText", { name: <strong>{provider.name}</strong> })}
        </ConfirmRemoval>
      )}

      {error && (
        <p className="kd-notice kd-notice-error" role="alert">
          {error}
        </p>
      )}

      {mode === "view" && (
        <div className="kd-card-footer">
          <div className="kd-card-actions">
            <button type="button" className="kd-button" onClick={runTest} disabled={test.state === "testing"}>
              {test.state === "testing" ? t("common.testing") : t("common.testConnection")}
            </button>
            {!provider.is_default && enabled && (
              <button
                type="button"
                className="kd-button kd-button-quiet"
                disabled={busy}
                onClick={() => void act(() => makeDefaultProvider(provider.id, provider.default_model, false))}
              >
                {t("providers.makeDefault")}
              </button>
            )}
            {!provider.read_only && (
              <>
                <button type="button" className="kd-button kd-button-quiet" onClick={() => setMode("edit")}>
                  {t("providers.edit")}
                </button>
                <button
                  type="button"
                  className="kd-button kd-button-quiet kd-danger-text kd-push-end"
                  onClick={() => setMode("confirm-remove")}
                >
                  {t("providers.remove")}
                </button>
              </>
            )}
          </div>
          <TestResult test={test} />
        </div>
      )}
    </article>
  );
}

function ProviderForm({
  editing,
  keyringUsable,
  onCancel,
  onSaved,
}: {
  editing?: ProviderView;
  keyringUsable: boolean;
  onCancel: () => void;
  onSaved: () => Promise<void>;
}) {
  const [presets, setPresets] = useState(FALLBACK_PRESETS);
  const kinds = useProviderKinds();
  const [kind, setKind] = useState<ProviderKind>(editing?.kind ?? "openai");
  const [name, setName] = useState(editing?.name ?? FALLBACK_PRESETS.openai.name);
  const [baseUrl, setBaseUrl] = useState(editing?.base_url ?? FALLBACK_PRESETS.openai.base_url);
  const [apiVersion, setApiVersion] = useState(editing?.api_version ?? "");
  const [headers, setHeaders] = useState<HeaderRow[]>(() => initialHeaderRows(editing));
  const [test, setTest] = useState<TestState>({ state: "idle" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keyInput = useRef<HTMLInputElement>(null);
  const { t } = useI18n();
  const urlWarnings = useUrlWarnings(baseUrl, editing?.id);

  useEffect(() => {
    if (editing) return;
    api.presets().then((list) => setPresets(mergePresets(list)), () => undefined);
  }, [editing]);

  const pickKind = (next: ProviderKind) => {
    setKind(next);
    setName(next === "custom" ? "" : presets[next].name);
    setBaseUrl(presets[next].base_url);
    setApiVersion(presets[next].api_version ?? "");
    setTest({ state: "idle" });
  };
  const chatkitServer = isChatKitServer(kinds, kind);

  /** Tests what the form holds now, typed header values included, before anything is saved. */
  const runTest = async () => {
    setTest({ state: "testing" });
    try {
      const result = await api.testConnection({
        kind,
        base_url: baseUrl.trim(),
        headers: typedHeaderValues(headers),
        ...(editing ? { provider_id: editing.id } : {}),
      });
      setTest({ state: "done", result });
    } catch (e) {
      setTest({ state: "done", result: { ok: false, message: messageOf(e), model_count: null } });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = keyInput.current?.value.trim() ?? "";
    const displayName = name.trim() || kindLabel(kind, t);
    setBusy(true);
    setError(null);
    try {
      const fields = {
        name: displayName,
        base_url: baseUrl.trim(),
        api_version: kind === "azure" ? apiVersion.trim() || null : null,
      };
      const named = chatkitServer ? { headers: headerNames(headers) } : {};
      if (editing) {
        await api.updateProvider(editing.id, { ...fields, ...named });
        if (chatkitServer) await saveHeaderValues(editing.id, headers);
      } else {
        const provider: ProviderCreate = { kind, ...fields, ...named, enabled: true };
        const saved = await addProvider(provider, key || null);
        if (chatkitServer) {
          // A header value the keyring refuses takes the new provider out again, as a key does.
          await saveHeaderValues(saved.id, headers).catch(async (error: unknown) => {
            await api.removeProvider(saved.id).catch(() => undefined);
            throw error;
          });
        }
      }
      if (keyInput.current) keyInput.current.value = "";
      await onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="kd-inline-form" onSubmit={submit} aria-label={editing ? t("providers.editLabel", { name: editing.name }) : t("providers.add")}>
      {!editing && <h4 className="kd-form-title">{t("providers.newTitle")}</h4>}
      <div className="kd-form-grid">
        {!editing && (
          <Field label={t("field.kind")}>
            {(props) => (
              // Focusing the first field also scrolls the new form into view.
              <select {...props} value={kind} onChange={(e) => pickKind(e.target.value as ProviderKind)} autoFocus>
                {(Object.keys(KIND_LABELS) as ProviderKind[]).map((k) => (
                  <option key={k} value={k}>
                    {kindLabel(k, t)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label={t("field.name")}>
          {(props) => (
            <input
              {...props}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={100}
              required
              autoFocus={Boolean(editing)}
            />
          )}
        </Field>
        <Field label={t("field.baseUrl")}>
          {(props) => (
            <input {...props} value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} spellCheck={false} required />
          )}
        </Field>
        {kind === "azure" && (
          <Field label={t("field.apiVersion")}>
            {(props) => <input {...props} value={apiVersion} onChange={(e) => setApiVersion(e.target.value)} spellCheck={false} />}
          </Field>
        )}
        {urlWarnings.includes("cleartext") && (
          <p className="kd-notice kd-notice-warn" role="alert">
            {t("providers.cleartextWarning")}
          </p>
        )}
        {urlWarnings.includes("key_cleared") && (
          <p className="kd-notice kd-notice-warn" role="alert">
            {t("providers.keyWillBeCleared")}
          </p>
        )}
        {!editing && keyringUsable && !chatkitServer && (
          <Field label={needsKey(kinds, kind) ? t("field.apiKey") : t("field.apiKeyOptional")} hint={t("providers.keyHint")}>
            {(props) => <input {...props} ref={keyInput} type="password" autoComplete="off" spellCheck={false} />}
          </Field>
        )}
      </div>
      {chatkitServer && keyringUsable && <HeaderRows rows={headers} onChange={setHeaders} />}
      {error && (
        <p className="kd-notice kd-notice-error" role="alert">
          {error}
        </p>
      )}
      <div className="kd-actions">
        {chatkitServer && (
          <button type="button" className="kd-button" onClick={runTest} disabled={test.state === "testing"}>
            {test.state === "testing" ? t("common.testing") : t("common.testConnection")}
          </button>
        )}
        <button type="button" className="kd-button kd-button-quiet" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="kd-button kd-button-primary" disabled={busy}>
          {editing ? t("common.save") : t("providers.add")}
        </button>
      </div>
      {chatkitServer && <TestResult test={test} />}
    </form>
  );
}

// ---------------------------------------------------------------- Models

type Update = (change: SettingsPatch) => Promise<void>;

/**
 * "Saving…", "Saved" or the error next to a save control. `unsaved` (a form
 * edited since its last save) replaces "Saved" with "Unsaved changes", so the
 * word never claims an edit was kept that was not.
 */
function useSaveState(unsaved = false) {
  const [state, setState] = useState<{ kind: "idle" | "saving" | "saved" } | { kind: "error"; message: string }>({
    kind: "idle",
  });
  const { t } = useI18n();
  const run = async (work: () => Promise<void>) => {
    setState({ kind: "saving" });
    try {
      await work();
      setState({ kind: "saved" });
    } catch (e) {
      setState({ kind: "error", message: messageOf(e) });
    }
  };
  const view: ReactNode = (
    <span className="kd-save-state" role="status" aria-live="polite">
      {state.kind === "saving" && t("common.saving")}
      {state.kind !== "saving" && unsaved && <span className="kd-muted">{t("common.unsaved")}</span>}
      {state.kind === "saved" && !unsaved && t("common.saved")}
      {state.kind === "error" && <span className="kd-bad">{state.message}</span>}
    </span>
  );
  return { run, view };
}

function ModelsSection({ settings, update }: { settings: SettingsData; update: Update }) {
  const [list, setList] = useState<ModelList | null>(null);
  const [loading, setLoading] = useState(false);
  const save = useSaveState();
  const { t } = useI18n();

  const load = useCallback(async (refresh: boolean) => {
    setLoading(true);
    try {
      setList(await api.models(refresh));
    } catch (e) {
      setList({ models: [], errors: [messageOf(e)] });
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => void load(false), [load]);
  // Names for the groups, the read-only environment provider included.
  const [providers, setProviders] = useState<ProviderView[] | null>(null);
  useEffect(() => {
    api.providers().then(setProviders, () => undefined);
  }, []);

  // The saved choice; without one, the model the server uses anyway (e.g. OPENAI_API_KEY's provider).
  const current =
    settings.default_provider && settings.default_model
      ? `${settings.default_provider}::${settings.default_model}`
      : (list?.models.find((m) => m.default)?.id ?? "");
  const groups = new Map<string, { id: string; label: string }[]>();
  for (const m of list?.models ?? []) {
    const provider = m.id.includes("::") ? m.id.split("::")[0]! : "";
    const label = m.description ? `${m.label}` : m.label;
    groups.set(provider, [...(groups.get(provider) ?? []), { id: m.id, label }]);
  }
  const providerNames = new Map((providers ?? settings.providers).map((p) => [p.id, p.name]));
  const known = list?.models.some((m) => m.id === current) ?? false;

  return (
    <div className="kd-stack">
      <Field label={t("models.default")} hint={t("models.defaultHint")}>
        {(props) => (
        <select
          {...props}
          value={current}
          disabled={!list || list.models.length === 0}
          onChange={(e) => {
            const ref = e.target.value;
            void save.run(() => update({ default_model: ref }));
          }}
        >
          {!known && <option value={current}>{current ? current.replace("::", " · ") : t("models.choose")}</option>}
          {[...groups.entries()].map(([provider, models]) => (
            <optgroup key={provider} label={providerNames.get(provider) ?? (provider || t("models.group"))}>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        )}
      </Field>
      <div className="kd-row">
        <button type="button" className="kd-button" onClick={() => void load(true)} disabled={loading}>
          {loading ? t("models.refreshing") : t("models.refresh")}
        </button>
        {save.view}
      </div>
      <ReasoningEffortList
        models={list?.models ?? []}
        efforts={settings.reasoning_effort ?? {}}
        onChange={(change) => void save.run(() => update({ reasoning_effort: change }))}
      />
      {list && list.models.length === 0 && list.errors.length === 0 && (
        <p className="kd-muted">{t("models.none")}</p>
      )}
      {list?.errors.map((message) => (
        <p key={message} className="kd-notice kd-notice-warn">
          {message}
        </p>
      ))}
    </div>
  );
}

// ---------------------------------------------------------------- Chat

function ChatSection({ settings, update }: { settings: SettingsData; update: Update }) {
  const [prompt, setPrompt] = useState(settings.system_prompt);
  const [useTemperature, setUseTemperature] = useState(settings.temperature !== null);
  const [temperature, setTemperature] = useState(settings.temperature ?? 1);
  // Compared with what the server last saved: `settings` is replaced by each save's answer.
  const unsaved =
    prompt !== settings.system_prompt ||
    (useTemperature ? settings.temperature === null || Math.abs(settings.temperature - temperature) > 1e-9 : settings.temperature !== null);
  const save = useSaveState(unsaved);
  const { t, number } = useI18n();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run(() => update({ system_prompt: prompt, temperature: useTemperature ? temperature : null }));
  };

  return (
    <form className="kd-stack" onSubmit={submit}>
      <Field label={t("chatSettings.systemPrompt")} hint={t("chatSettings.systemPromptHint")}>
        {(props) => <textarea {...props} value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={6} maxLength={20000} />}
      </Field>
      <fieldset className="kd-field">
        <legend>{t("chatSettings.temperature")}</legend>
        <label className="kd-check">
          <input type="checkbox" checked={useTemperature} onChange={(e) => setUseTemperature(e.target.checked)} />
          <span>{t("chatSettings.setTemperature")}</span>
        </label>
        <div className="kd-row">
          <input
            type="range"
            min={0}
            max={2}
            step={0.1}
            value={temperature}
            disabled={!useTemperature}
            aria-label={t("chatSettings.temperature")}
            onChange={(e) => setTemperature(Number(e.target.value))}
          />
          <output className="kd-mono">{useTemperature ? number(temperature, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : t("chatSettings.default")}</output>
        </div>
        <small className="kd-hint">{t("chatSettings.temperatureHint")}</small>
      </fieldset>
      <div className="kd-row">
        <button type="submit" className="kd-button kd-button-primary" disabled={!unsaved}>
          {t("common.save")}
        </button>
        {save.view}
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- Appearance

/** Key names the window understands (not words for a person, so not translated). */
const EXAMPLE_HOTKEY = ["Ctrl", "Alt", "Space"].join("+");

type HotkeyBridge = { set_quick_ask_hotkey?: (hotkey: string, language: string) => Promise<string> };

function hotkeyBridge(): HotkeyBridge | undefined {
  return (window as unknown as { pywebview?: { api?: HotkeyBridge } }).pywebview?.api;
}

/** Only the desktop window can listen for a global shortcut. */
function canSetHotkey(): boolean {
  return typeof hotkeyBridge()?.set_quick_ask_hotkey === "function";
}

/** '' when the window now listens for `hotkey`, else the reason it cannot (in `language`). */
async function trySetHotkey(hotkey: string, language: string): Promise<string> {
  const set = hotkeyBridge()?.set_quick_ask_hotkey;
  return set ? await set(hotkey, language) : "";
}

function AppearanceSection({ settings, update }: { settings: SettingsData; update: Update }) {
  // A server that keeps the language says so by sending it with the settings.
  const serverKeepsLanguage = typeof settings.language === "string";
  const save = useSaveState();
  const { t } = useI18n();
  const [theme, setTheme] = useState(settings.theme);
  const options: { value: ThemeSetting; label: string }[] = [
    { value: "system", label: t("appearance.system") },
    { value: "light", label: t("appearance.light") },
    { value: "dark", label: t("appearance.dark") },
  ];
  return (
    <div className="kd-stack">
      <fieldset className="kd-stack kd-field">
        <legend>{t("appearance.theme")}</legend>
        <div className="kd-segmented">
          {options.map((o) => (
            <label key={o.value} className={theme === o.value ? "is-selected" : ""}>
              <input
                type="radio"
                name="theme"
                value={o.value}
                checked={theme === o.value}
                onChange={() => {
                  setTheme(o.value);
                  void save.run(() => update({ theme: o.value }));
                }}
              />
              <span>{o.label}</span>
            </label>
          ))}
        </div>
        {save.view}
      </fieldset>
      <LanguagePicker save={serverKeepsLanguage ? (language) => update({ language }) : undefined} />
      {typeof settings.close_to_tray === "boolean" && <DesktopOptions settings={settings} update={update} />}
    </div>
  );
}

/** How the desktop window behaves: close to the tray, notify when an answer finishes in the background. */
function DesktopOptions({ settings, update }: { settings: SettingsData; update: Update }) {
  const { t } = useI18n();
  const save = useSaveState();
  const [closeToTray, setCloseToTray] = useState(settings.close_to_tray === true);
  const [notify, setNotify] = useState(settings.notify_when_done !== false);
  return (
    <fieldset className="kd-stack kd-field" data-testid="desktop-options">
      <legend>{t("appearance.desktop")}</legend>
      <label className="kd-check">
        <input
          type="checkbox"
          name="close_to_tray"
          checked={closeToTray}
          onChange={(e) => {
            const next = e.target.checked;
            setCloseToTray(next);
            void save.run(() => update({ close_to_tray: next }));
          }}
        />
        <span>{t("appearance.closeToTray")}</span>
      </label>
      <label className="kd-check">
        <input
          type="checkbox"
          name="notify_when_done"
          checked={notify}
          onChange={(e) => {
            const next = e.target.checked;
            setNotify(next);
            void save.run(() => update({ notify_when_done: next }));
          }}
        />
        <span>{t("appearance.notifyWhenDone")}</span>
      </label>
      {save.view}
      {canSetHotkey() && <QuickAskHotkeyField initial={String(settings.quick_ask_hotkey ?? "")} update={update} />}
    </fieldset>
  );
}

/** The global quick-ask shortcut: tried in the desktop window first, saved only when it works. */
function QuickAskHotkeyField({ initial, update }: { initial: string; update: Update }) {
  const { t, language } = useI18n();
  const [text, setText] = useState(initial);
  const save = useSaveState();
  const apply = () =>
    void save.run(async () => {
      // Refused (held by another program, not a key combination): shown, and not saved.
      const reason = await trySetHotkey(text.trim(), language);
      if (reason) throw new Error(reason);
      await update({ quick_ask_hotkey: text.trim() });
    });
  return (
    <Field label={t("appearance.quickAskHotkey")} hint={t("appearance.quickAskHint")}>
      {(props) => (
        <div className="kd-row">
          <input
            {...props}
            type="text"
            data-testid="quick-ask-hotkey"
            value={text}
            placeholder={EXAMPLE_HOTKEY}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") apply();
            }}
          />
          <button type="button" className="kd-button" data-testid="quick-ask-apply" onClick={apply}>
            {t("appearance.quickAskApply")}
          </button>
          <span data-testid="quick-ask-state">{save.view}</span>
        </div>
      )}
    </Field>
  );
}

/** The language of Kitdesk's own words: the system's (default) or one of the shipped ones, each named in itself. */
function LanguagePicker({ save }: { save?: (language: LanguageSetting) => Promise<void> }) {
  const { t, setting, setLanguage } = useI18n();
  const saving = useSaveState();
  const systemName = LANGUAGES.find((l) => l.code === resolveLanguage("system"))?.name ?? "English";
  return (
    <>
      <Field label={t("appearance.language")} hint={t("appearance.languageHint")}>
        {(props) => (
          <select
            {...props}
            value={setting}
            data-testid="language-picker"
            onChange={(e) => {
              const next = e.target.value as LanguageSetting;
              // Shown at once and remembered in this profile; kept in settings.json when the server keeps it.
              void setLanguage(next);
              if (save) void saving.run(() => save(next));
            }}
          >
            <option value="system">{t("appearance.languageSystem", { language: systemName })}</option>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div data-testid="language-save-state">{saving.view}</div>
    </>
  );
}

// ---------------------------------------------------------------- Data and About

type DesktopBridge = { open_data_folder?: () => Promise<unknown>; open_log_folder?: () => Promise<unknown> };

function desktopBridge(): DesktopBridge | null {
  const bridge = (window as unknown as { pywebview?: { api?: DesktopBridge } }).pywebview?.api;
  return bridge ?? null;
}

function DataSection({ info }: { info: AppInfo }) {
  const bridge = desktopBridge();
  const [error, setError] = useState<string | null>(null);
  const { t } = useI18n();
  const open = (fn: (() => Promise<unknown>) | undefined) => {
    if (!fn) return;
    setError(null);
    fn.call(bridge).catch((e: unknown) => setError(messageOf(e)));
  };
  return (
    <div className="kd-stack">
      <div className="kd-field">
        <span>{t("data.folder")}</span>
        <code className="kd-path">{info.data_dir}</code>
        <small className="kd-hint">{t("data.folderHint")}</small>
        {bridge?.open_data_folder && (
          <div>
            <button type="button" className="kd-button" onClick={() => open(bridge.open_data_folder)}>
              {t("data.openFolder")}
            </button>
          </div>
        )}
      </div>
      <div className="kd-field">
        <span>{t("data.logFolder")}</span>
        <code className="kd-path">{info.log_dir}</code>
        {bridge?.open_log_folder && (
          <div>
            <button type="button" className="kd-button" onClick={() => open(bridge.open_log_folder)}>
              {t("data.openLogFolder")}
            </button>
          </div>
        )}
      </div>
      {error && (
        <p className="kd-notice kd-notice-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function AboutSection({ info }: { info: AppInfo }) {
  const { t } = useI18n();
  return (
    <div className="kd-stack">
      <p>
        <strong>Kitdesk</strong> <span data-testid="app-version">{info.version}</span>
      </p>
      <p className="kd-muted">{t("about.text")}</p>
      <UpdatesSection />
      <h4>{t("shortcuts.title")}</h4>
      <table className="kd-shortcuts">
        <tbody>
          {shortcutTable(t).map((s) => (
            <tr key={s.action}>
              <th scope="row">{s.label}</th>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
