/** Settings › Providers: the list of providers, each a card with its key, models, test and edit form. */
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { api, describeKey, inlineError, messageOf, type AppInfo, type ModelList, type ProviderView } from "./api";
import { ConfirmRemoval } from "./ConfirmRemoval";
import { Field } from "./Field";
import { TestResult, type TestState } from "./TestResult";
import { useI18n, withNodes } from "./i18n";
import { kindLabel } from "./presets";
import { makeDefaultProvider } from "./providerSetup";
import { explainTestFailure } from "./wording";
import { ProviderForm } from "./ProviderForm";
import { ErrorNotice } from "./ErrorNotice";

export function ProvidersSection({ info, onChanged }: { info: AppInfo; onChanged: () => void }) {
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
      <ErrorNotice message={error} />
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

      <ErrorNotice message={error} />

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
