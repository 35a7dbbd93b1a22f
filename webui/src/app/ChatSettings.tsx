/** Settings › Models and Settings › Chat: the default model, model visibility and chat behaviour. */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, messageOf, type ModelList, type ProviderView, type Settings as SettingsData } from "./api";
import { Field } from "./Field";
import { ReasoningEffortList } from "./ReasoningEffort";
import { useI18n } from "./i18n";
import { type Update, useSaveState } from "./saveState";

export function ModelsSection({ settings, update }: { settings: SettingsData; update: Update }) {
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

export function ChatSection({ settings, update }: { settings: SettingsData; update: Update }) {
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
