// Settings > Prompts: the prompt library the composer's "/" menu offers. Add,
// edit and delete prompts (the form shows which {{variables}} a prompt asks
// for as it is typed), and take the library out as a JSON file or bring one
// in; the server reads the file and answers a bad one with a sentence.

import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { ConfirmRemoval } from "./ConfirmRemoval";
import { inlineError } from "./api";
import { deliver } from "./DataSettings";
import { Field } from "./Field";
import { useI18n } from "./i18n";
import { promptsApi, type SavedPrompt } from "./promptsApi";
import { variablesOf } from "./promptVariables";
import { ErrorNotice } from "./ErrorNotice";

const VARIABLE_EXAMPLE = "{{topic}}";

type Status = { error: boolean; text: string } | null;

export function PromptSettings() {
  const { t } = useI18n();
  const [prompts, setPrompts] = useState<SavedPrompt[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setPrompts(await promptsApi.list());
      setLoadError(null);
    } catch (e) {
      setLoadError(inlineError(e) ?? t("offline.title"));
    }
  }, [t]);
  useEffect(() => void reload(), [reload]);

  return (
    <div className="kd-stack">
      <p className="kd-hint">{t("prompts.intro", { example: VARIABLE_EXAMPLE })}</p>
      <ErrorNotice message={loadError} />
      {prompts && prompts.length === 0 && <p className="kd-muted">{t("prompts.empty")}</p>}
      {prompts && prompts.length > 0 && (
        <ul className="kd-provider-list" aria-label={t("prompts.listLabel")}>
          {prompts.map((p) => (
            <li key={p.id}>
              <PromptCard prompt={p} onChanged={reload} />
            </li>
          ))}
        </ul>
      )}
      {adding ? (
        <PromptForm
          onCancel={() => setAdding(false)}
          onSaved={async () => {
            setAdding(false);
            await reload();
          }}
        />
      ) : (
        <div>
          <button type="button" className="kd-button" onClick={() => setAdding(true)}>
            {t("prompts.add")}
          </button>
        </div>
      )}
      <PromptExchange onImported={reload} />
    </div>
  );
}

function PromptCard({ prompt, onChanged }: { prompt: SavedPrompt; onChanged: () => Promise<void> }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"view" | "edit" | "confirm-remove">("view");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (mode === "edit") {
    return (
      <PromptForm
        editing={prompt}
        onCancel={() => setMode("view")}
        onSaved={async () => {
          setMode("view");
          await onChanged();
        }}
      />
    );
  }
  const remove = async () => {
    setBusy(true);
    try {
      await promptsApi.remove(prompt.id);
      await onChanged();
    } catch (e) {
      setError(inlineError(e) ?? t("offline.title"));
      setBusy(false);
    }
  };
  const headingId = `prompt-${prompt.id}`;
  return (
    <article className="kd-card" aria-labelledby={headingId}>
      <div className="kd-card-head">
        <div className="kd-card-title">
          <h4 id={headingId}>{prompt.name}</h4>
        </div>
      </div>
      <p className="kd-muted kd-prompt-text">{prompt.text}</p>
      {prompt.variables.length > 0 && <p className="kd-muted">{t("prompts.asksFor", { names: prompt.variables.join(", ") })}</p>}
      <ErrorNotice message={error} />
      {mode === "confirm-remove" ? (
        <ConfirmRemoval
          label={t("prompts.confirmRemove", { name: prompt.name })}
          confirm={t("prompts.remove")}
          busy={busy}
          onKeep={() => setMode("view")}
          onConfirm={() => void remove()}
        >
          {t("prompts.confirmRemove", { name: prompt.name })}
        </ConfirmRemoval>
      ) : (
        <div className="kd-card-footer">
          <div className="kd-card-actions">
            <button
              type="button"
              className="kd-button kd-button-quiet"
              aria-label={t("prompts.editLabel", { name: prompt.name })}
              onClick={() => setMode("edit")}
            >
              {t("prompts.edit")}
            </button>
            <button
              type="button"
              className="kd-button kd-button-quiet kd-danger-text kd-push-end"
              aria-label={t("prompts.removeLabel", { name: prompt.name })}
              onClick={() => setMode("confirm-remove")}
            >
              {t("prompts.remove")}
            </button>
          </div>
        </div>
      )}
    </article>
  );
}

function PromptForm({
  editing,
  onCancel,
  onSaved,
}: {
  editing?: SavedPrompt;
  onCancel: () => void;
  onSaved: () => Promise<void>;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(editing?.name ?? "");
  const [text, setText] = useState(editing?.text ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const variables = variablesOf(text);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (editing) await promptsApi.update(editing.id, name, text);
      else await promptsApi.add(name, text);
      await onSaved();
    } catch (e) {
      setError(inlineError(e) ?? t("offline.title"));
      setBusy(false);
    }
  };
  const title = editing ? t("prompts.editLabel", { name: editing.name }) : t("prompts.newPrompt");
  return (
    <form className="kd-inline-form" onSubmit={(e) => void submit(e)} aria-label={title}>
      {!editing && <h4 className="kd-form-title">{t("prompts.newPrompt")}</h4>}
      <Field label={t("prompts.name")}>
        {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />}
      </Field>
      <Field
        label={t("prompts.text")}
        hint={variables.length > 0 ? t("prompts.asksFor", { names: variables.join(", ") }) : t("prompts.textHint", { example: VARIABLE_EXAMPLE })}
      >
        {(props) => <textarea {...props} rows={6} value={text} onChange={(e) => setText(e.target.value)} maxLength={20_000} required />}
      </Field>
      <ErrorNotice message={error} />
      <div className="kd-actions">
        <button type="button" className="kd-button kd-button-quiet" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="kd-button kd-button-primary" disabled={busy}>
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
    </form>
  );
}

function PromptExchange({ onImported }: { onImported: () => Promise<void> }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status>(null);
  const input = useRef<HTMLInputElement | null>(null);

  const run = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setStatus(null);
    try {
      const text = await work();
      if (text) setStatus({ error: false, text });
    } catch (e) {
      setStatus({ error: true, text: inlineError(e) ?? t("offline.title") });
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  };
  const exportAll = () =>
    run(async () => {
      const { blob, filename } = await promptsApi.exportFile();
      return (await deliver(blob, filename)) ? t("dataTransfer.exported", { name: filename }) : null;
    });
  const importFile = (file: File | undefined) =>
    file &&
    run(async () => {
      const result = await promptsApi.importFile(file);
      await onImported();
      return t("prompts.imported", { added: result.added, present: result.already_present, renamed: result.renamed });
    });

  return (
    <fieldset className="kd-field kd-data-panel">
      <legend>{t("prompts.exchangeTitle")}</legend>
      <small className="kd-hint">{t("prompts.exchangeHint")}</small>
      <div className="kd-inline-actions">
        <button type="button" className="kd-button" disabled={busy} onClick={() => void exportAll()}>
          {t("prompts.export")}
        </button>
        <label className={`kd-button${busy ? " kd-disabled" : ""}`}>
          {t("prompts.import")}
          <input
            ref={input}
            type="file"
            className="kd-visually-hidden"
            accept=".json,application/json"
            disabled={busy}
            onChange={(event) => void importFile(event.target.files?.[0])}
          />
        </label>
      </div>
      {status && (
        <p className={status.error ? "kd-notice kd-notice-error" : "kd-muted"} role={status.error ? "alert" : "status"}>
          {status.text}
        </p>
      )}
    </fieldset>
  );
}
