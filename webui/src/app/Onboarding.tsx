import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import {
  api,
  messageOf,
  type AppInfo,
  type ProviderCreate,
  type ProviderKind,
} from "./api";
import { Field } from "./Field";
import { useI18n } from "./i18n";
import { FALLBACK_PRESETS, kindLabel, mergePresets } from "./presets";
import { needsKey, useProviderKinds } from "./providerKinds";
import { addProvider, makeDefaultProvider } from "./providerSetup";
import type { AppKey } from "./strings";
import { explainTestFailure } from "./wording";
import { ErrorNotice } from "./ErrorNotice";
import { LogoMark } from "./LogoMark";
import { TestResult, type TestState } from "./TestResult";

type Choice = "openai" | "other" | "local";

const CHOICES: { id: Choice; title: AppKey; detail: AppKey }[] = [
  { id: "openai", title: "onboarding.openai.title", detail: "onboarding.openai.detail" },
  { id: "other", title: "onboarding.other.title", detail: "onboarding.other.detail" },
  { id: "local", title: "onboarding.local.title", detail: "onboarding.local.detail" },
];

const OTHER_KINDS: ProviderKind[] = ["openrouter", "azure", "custom"];
const LOCAL_KINDS: ProviderKind[] = ["ollama", "lmstudio", "custom"];

export function Onboarding({ info, onDone }: { info: AppInfo; onDone: () => void }) {
  const [choice, setChoice] = useState<Choice>("openai");
  const [presets, setPresets] = useState(FALLBACK_PRESETS);
  const [kind, setKind] = useState<ProviderKind>("openai");
  const [name, setName] = useState("");
  const [baseUrl, setBaseUrl] = useState(FALLBACK_PRESETS.openai.base_url);
  const [apiVersion, setApiVersion] = useState("");
  const [hasKeyText, setHasKeyText] = useState(false);
  const keyInput = useRef<HTMLInputElement>(null);
  const [test, setTest] = useState<TestState>({ state: "idle" });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = useId();
  const { t } = useI18n();

  useEffect(() => {
    api.presets().then(
      (list) => setPresets(mergePresets(list)),
      () => undefined, // the built-in presets are the same; nothing to tell the person
    );
  }, []);

  const selectKind = (next: ProviderKind) => {
    setKind(next);
    setBaseUrl(presets[next].base_url);
    setApiVersion(presets[next].api_version ?? "");
    setName(next === "custom" ? "" : presets[next].name);
    setTest({ state: "idle" });
    setError(null);
  };

  const selectChoice = (next: Choice) => {
    setChoice(next);
    selectKind(next === "openai" ? "openai" : next === "other" ? "openrouter" : "ollama");
  };

  // Keep the base URL in step with the presets once they arrive.
  useEffect(() => {
    setBaseUrl((current) => (current === FALLBACK_PRESETS[kind].base_url ? presets[kind].base_url : current));
  }, [presets]);

  const kinds = useProviderKinds();
  const keyRequired = needsKey(kinds, kind);
  const showKey = choice !== "local";
  // Without a keyring no key can be stored: the key field is off, and kinds that need one cannot continue.
  const keyringBlocked = showKey && !info.keyring.usable;
  const cannotContinue = keyringBlocked && keyRequired;

  const runTest = async () => {
    setTest({ state: "testing" });
    setError(null);
    const key = keyInput.current?.value.trim() || undefined;
    try {
      const result = await api.testConnection({
        kind,
        base_url: baseUrl.trim(),
        ...(key ? { key } : {}),
        ...(kind === "azure" ? { api_version: apiVersion.trim() || null } : {}),
      });
      const keyPlace = showKey && !keyringBlocked ? "field-above" : "none";
      const message = result.ok ? result.message : explainTestFailure(result.message, { kind, baseUrl, keyPlace }, t);
      setTest({ state: "done", result: { ...result, message } });
    } catch (e) {
      setTest({ state: "done", result: { ok: false, message: messageOf(e), model_count: null } });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = keyInput.current?.value.trim() ?? "";
    if (keyRequired && !key) {
      setError(t("onboarding.enterKey", { kind: kindLabel(kind, t) }));
      keyInput.current?.focus();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const provider: ProviderCreate = {
        kind,
        name: name.trim() || presets[kind].name,
        base_url: baseUrl.trim(),
        api_version: kind === "azure" ? apiVersion.trim() || null : null,
        enabled: true,
      };
      const saved = await addProvider(provider, key || null);
      if (keyInput.current) keyInput.current.value = "";
      setHasKeyText(false);
      await makeDefaultProvider(saved.id, saved.default_model);
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };

  const kindsForChoice = choice === "other" ? OTHER_KINDS : choice === "local" ? LOCAL_KINDS : [];

  return (
    <main className="kd-onboarding">
      <form className="kd-onboarding-card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
        <div className="kd-brand" aria-hidden="true">
          <LogoMark />
        </div>
        <h1 id={`${ids}-title`}>{t("onboarding.title")}</h1>
        <p className="kd-lede">{t("onboarding.lede")}</p>

        <fieldset className="kd-choices">
          <legend className="kd-visually-hidden">{t("onboarding.provider")}</legend>
          {CHOICES.map((c) => (
            <label key={c.id} className={`kd-choice ${choice === c.id ? "is-selected" : ""}`}>
              <input
                type="radio"
                name="choice"
                value={c.id}
                checked={choice === c.id}
                onChange={() => selectChoice(c.id)}
              />
              <span className="kd-choice-title">{t(c.title)}</span>
              <span className="kd-choice-detail">{t(c.detail)}</span>
            </label>
          ))}
        </fieldset>

        <div className="kd-form-grid">
          {kindsForChoice.length > 0 && (
            <Field label={choice === "local" ? t("onboarding.server") : t("onboarding.provider")}>
              {(props) => (
                <select {...props} value={kind} onChange={(e) => selectKind(e.target.value as ProviderKind)}>
                  {kindsForChoice.map((k) => (
                    <option key={k} value={k}>
                      {k === "custom" && choice === "local" ? t("onboarding.otherServer") : kindLabel(k, t)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {kind === "custom" && (
            <Field label={t("field.name")}>
              {(props) => (
                <input {...props} value={name} onChange={(e) => setName(e.target.value)} placeholder={t("onboarding.namePlaceholder")} maxLength={100} />
              )}
            </Field>
          )}
          {choice !== "openai" && (
            <Field label={t("field.baseUrl")}>
              {(props) => (
                <input
                  {...props}
                  value={baseUrl}
                  onChange={(e) => {
                    setBaseUrl(e.target.value);
                    setTest({ state: "idle" });
                  }}
                  inputMode="url"
                  spellCheck={false}
                  autoComplete="off"
                  required
                />
              )}
            </Field>
          )}
          {kind === "azure" && (
            <Field label={t("field.apiVersion")}>
              {(props) => <input {...props} value={apiVersion} onChange={(e) => setApiVersion(e.target.value)} spellCheck={false} />}
            </Field>
          )}
          {showKey && (
            <Field
              label={keyRequired ? t("field.apiKey") : t("field.apiKeyOptional")}
              hint={t("onboarding.keyHint")}
            >
              {(props) => (
                <input
                  {...props}
                  ref={keyInput}
                  type="password"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder={kind === "openai" ? "sk-…" : t("onboarding.keyPlaceholder")}
                  onChange={(e) => {
                    setHasKeyText(e.target.value.trim() !== "");
                    setTest({ state: "idle" });
                  }}
                  disabled={keyringBlocked}
                />
              )}
            </Field>
          )}
        </div>

        {keyringBlocked && (
          <p className="kd-notice kd-notice-warn" role="alert">
            {info.keyring.message ?? t("keyring.unusable")}
          </p>
        )}

        <div className="kd-test-row">
          <button
            type="button"
            className="kd-button"
            onClick={runTest}
            disabled={test.state === "testing" || (keyRequired && !hasKeyText) || !baseUrl.trim()}
          >
            {test.state === "testing" ? t("common.testing") : t("common.testConnection")}
          </button>
          <TestResult test={test} />
        </div>

        <ErrorNotice message={error} />

        <div className="kd-actions">
          <button type="button" className="kd-button kd-button-quiet" onClick={onDone}>
            {t("onboarding.later")}
          </button>
          <button type="submit" className="kd-button kd-button-primary" disabled={saving || cannotContinue}>
            {saving ? t("common.saving") : t("onboarding.continue")}
          </button>
        </div>
      </form>
    </main>
  );
}
