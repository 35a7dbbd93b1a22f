// Settings › Workflows: Agent Builder workflows (hosted mode). Added by id with
// an OpenAI provider whose key creates the sessions, listed, removed, and opened
// in their own document, where OpenAI's runtime runs them. The section says
// plainly, first, that this mode is OpenAI's hosted UI under OpenAI's terms.

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, inlineError, messageOf, type ProviderView } from "./api";
import { ConfirmRemoval } from "./ConfirmRemoval";
import { Field } from "./Field";
import { useI18n, withNodes } from "./i18n";
import { runsWorkflows, useProviderKinds } from "./providerKinds";
import { hostedUrl, WORKFLOW_ID, workflowsApi, type Workflow } from "./workflowsApi";
import { ErrorNotice } from "./ErrorNotice";

export function WorkflowSettings() {
  const [workflows, setWorkflows] = useState<Workflow[] | null>(null);
  const [providers, setProviders] = useState<ProviderView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const kinds = useProviderKinds();
  const { t } = useI18n();

  const reload = useCallback(async () => {
    try {
      const [listed, known] = await Promise.all([workflowsApi.list(), api.providers()]);
      setWorkflows(listed);
      setProviders(known);
      setError(null);
    } catch (e) {
      setError(inlineError(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  // Only a provider whose kind runs hosted ChatKit, with a key, can create sessions.
  const hosts = providers.filter((p) => runsWorkflows(kinds, p.kind) && p.key.has_key);
  const names = new Map(providers.map((p) => [p.id, p.name]));

  return (
    <div className="kd-stack">
      <p className="kd-notice kd-notice-warn" role="note" data-testid="hosted-terms">
        {t("workflows.terms")}
      </p>
      <p className="kd-muted">{t("workflows.intro")}</p>
      <ErrorNotice message={error} />
      {workflows?.length === 0 && !adding && <p className="kd-muted">{t("workflows.none")}</p>}
      <ul className="kd-provider-list" aria-label={t("settings.workflows")}>
        {workflows?.map((w) => (
          <li key={w.id}>
            <WorkflowCard workflow={w} providerName={names.get(w.provider_id) ?? w.provider_id} onRemoved={reload} />
          </li>
        ))}
      </ul>
      {adding ? (
        <WorkflowForm
          hosts={hosts}
          onCancel={() => setAdding(false)}
          onSaved={async () => {
            setAdding(false);
            await reload();
          }}
        />
      ) : (
        <div>
          <button type="button" className="kd-button" onClick={() => setAdding(true)}>
            {t("workflows.add")}
          </button>
        </div>
      )}
    </div>
  );
}

function WorkflowCard({
  workflow,
  providerName,
  onRemoved,
}: {
  workflow: Workflow;
  providerName: string;
  onRemoved: () => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { t } = useI18n();
  const headingId = `workflow-${workflow.id}`;

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await workflowsApi.remove(workflow.id);
      await onRemoved();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <article className="kd-card" aria-labelledby={headingId}>
      <div className="kd-card-head">
        <div className="kd-card-title">
          <h4 id={headingId}>{workflow.name}</h4>
          <span className="kd-badge">{t("workflows.hostedBadge")}</span>
        </div>
      </div>
      <dl className="kd-card-facts">
        <div>
          <dt>{t("workflows.id")}</dt>
          <dd className="kd-mono">{workflow.id}</dd>
        </div>
        <div>
          <dt>{t("workflows.provider")}</dt>
          <dd>{providerName}</dd>
        </div>
      </dl>
      {confirming && (
        <ConfirmRemoval
          label={t("workflows.removeLabel", { name: workflow.name })}
          confirm={t("workflows.remove")}
          busy={busy}
          onKeep={() => setConfirming(false)}
          onConfirm={() => void remove()}
        >
          {withNodes(t, "workflows.removeText", { name: <strong>{workflow.name}</strong> })}
        </ConfirmRemoval>
      )}
      <ErrorNotice message={error} />
      {!confirming && (
        <div className="kd-card-actions">
          {/* The hosted document replaces this page; it has a way back to Kitdesk. */}
          <a className="kd-button kd-button-primary" href={hostedUrl(workflow.id)}>
            {t("workflows.open")}
          </a>
          <button
            type="button"
            className="kd-button kd-button-quiet kd-danger-text kd-push-end"
            onClick={() => setConfirming(true)}
          >
            {t("providers.remove")}
          </button>
        </div>
      )}
    </article>
  );
}

function WorkflowForm({
  hosts,
  onCancel,
  onSaved,
}: {
  hosts: ProviderView[];
  onCancel: () => void;
  onSaved: () => Promise<void>;
}) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [providerId, setProviderId] = useState(hosts[0]?.id ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { t } = useI18n();
  useEffect(() => {
    if (!providerId && hosts[0]) setProviderId(hosts[0].id);
  }, [hosts, providerId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const workflowId = id.trim();
    if (!WORKFLOW_ID.test(workflowId)) {
      setError(t("workflows.badId"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await workflowsApi.add({ id: workflowId, name: name.trim() || workflowId, provider_id: providerId });
      await onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="kd-inline-form" onSubmit={submit} aria-label={t("workflows.add")}>
      <h4 className="kd-form-title">{t("workflows.newTitle")}</h4>
      {hosts.length === 0 ? (
        <p className="kd-notice kd-notice-warn" role="note">
          {t("workflows.needsOpenAI")}
        </p>
      ) : (
        <div className="kd-form-grid">
          <Field label={t("workflows.id")} hint={t("workflows.idHint")}>
            {(props) => (
              <input
                {...props}
                value={id}
                onChange={(e) => setId(e.target.value)}
                placeholder={t("workflows.idPlaceholder")}
                spellCheck={false}
                required
                autoFocus
              />
            )}
          </Field>
          <Field label={t("field.name")}>
            {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />}
          </Field>
          <Field label={t("workflows.provider")} hint={t("workflows.providerHint")}>
            {(props) => (
              <select {...props} value={providerId} onChange={(e) => setProviderId(e.target.value)}>
                {hosts.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      )}
      <ErrorNotice message={error} />
      <div className="kd-actions">
        <button type="button" className="kd-button kd-button-quiet" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="kd-button kd-button-primary" disabled={busy || hosts.length === 0}>
          {t("workflows.add")}
        </button>
      </div>
    </form>
  );
}
