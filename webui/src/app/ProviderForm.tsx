/** The form that adds or edits one provider (kind, URL, key, ChatKit headers), with a connection test. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, messageOf, type ProviderCreate, type ProviderKind, type ProviderView } from "./api";
import { headerNames, HeaderRows, initialHeaderRows, saveHeaderValues, typedHeaderValues, type HeaderRow } from "./ChatKitHeaders";
import { useUrlWarnings } from "./providerUrl";
import { Field } from "./Field";
import { TestResult, type TestState } from "./TestResult";
import { useI18n } from "./i18n";
import { FALLBACK_PRESETS, KIND_LABELS, kindLabel, mergePresets } from "./presets";
import { isChatKitServer, needsKey, useProviderKinds } from "./providerKinds";
import { addProvider } from "./providerSetup";
import { ErrorNotice } from "./ErrorNotice";

export function ProviderForm({
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
      <ErrorNotice message={error} />
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
