// Settings › Tools (MCP): the MCP servers whose tools the model may call.
// Add, edit, test (lists the tools with their descriptions), turn on or off,
// choose approval and remove. Secrets typed here go to the system keyring and
// never come back to the page.

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ConfirmRemoval } from "./ConfirmRemoval";
import { inlineError, messageOf } from "./api";
import { Field } from "./Field";
import { useI18n } from "./i18n";
import {
  formatPairs,
  mcpApi,
  parsePairs,
  type McpApproval,
  type McpServerInput,
  type McpServerView,
  type McpTestResult,
  type McpTransport,
} from "./mcpApi";
import { ErrorNotice } from "./ErrorNotice";

/** Sample input shown in empty fields: the same in every language. */
const EXAMPLES = {
  command: "npx",
  args: "-y\n@modelcontextprotocol/server-filesystem\n/home/me/Documents",
  secretEnv: "API_TOKEN=…",
  url: "https://example.com/mcp",
  secretHeaders: "Authorization: Bearer …",
} as const;

/** The transports' technical names, the same in every language. */
const TRANSPORT_BADGE: Record<McpTransport, string> = { stdio: "stdio", http: "HTTP" };

export function McpSettings() {
  const { t } = useI18n();
  const [servers, setServers] = useState<McpServerView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const reload = useCallback(async () => {
    try {
      setServers(await mcpApi.servers());
      setError(null);
    } catch (e) {
      setError(inlineError(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  return (
    <div className="kd-stack">
      <p className="kd-muted">{t("mcp.intro")}</p>
      <ErrorNotice message={error} />
      {servers?.length === 0 && !adding && <p className="kd-muted">{t("mcp.empty")}</p>}
      <ul className="kd-provider-list" aria-label={t("mcp.listLabel")}>
        {servers?.map((s) => (
          <li key={s.id}>
            <McpServerCard server={s} onChanged={reload} />
          </li>
        ))}
      </ul>
      {adding ? (
        <McpServerForm
          onCancel={() => setAdding(false)}
          onSaved={async () => {
            setAdding(false);
            await reload();
          }}
        />
      ) : (
        <div>
          <button type="button" className="kd-button" onClick={() => setAdding(true)}>
            {t("mcp.add")}
          </button>
        </div>
      )}
      <p className="kd-hint">{t("mcp.searchHint")}</p>
    </div>
  );
}

type TestState = { state: "idle" } | { state: "testing" } | { state: "done"; result: McpTestResult };

function TestOutcome({ test, name }: { test: TestState; name: string }) {
  const { t } = useI18n();
  if (test.state !== "done") return null;
  const { result } = test;
  return (
    <div className="kd-stack" data-testid="mcp-test-result">
      <p className="kd-test-result" role="status" aria-live="polite">
        <span className={result.ok ? "kd-ok" : "kd-bad"}>{result.message}</span>
      </p>
      {result.tools.length > 0 && (
        <ul className="kd-tool-list" aria-label={t("mcp.toolsOf", { name: name })}>
          {result.tools.map((tool) => (
            <li key={tool.name}>
              <code>{tool.name}</code>
              {tool.description && <span className="kd-muted"> — {tool.description}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

async function runTest(work: () => Promise<McpTestResult>, set: (t: TestState) => void) {
  set({ state: "testing" });
  try {
    set({ state: "done", result: await work() });
  } catch (e) {
    set({ state: "done", result: { ok: false, message: messageOf(e), tools: [] } });
  }
}

function McpServerCard({ server, onChanged }: { server: McpServerView; onChanged: () => Promise<void> }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"view" | "edit" | "confirm-remove">("view");
  const [test, setTest] = useState<TestState>({ state: "idle" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const change = async (fields: Partial<McpServerInput>) => {
    setBusy(true);
    setError(null);
    try {
      const { secrets_set: _ignored, id: _id, ...current } = server;
      await mcpApi.edit(server.id, { ...current, ...fields });
      await onChanged();
    } catch (e) {
      setError(inlineError(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await mcpApi.remove(server.id);
      await onChanged();
    } catch (e) {
      setError(inlineError(e));
      setBusy(false);
    }
  };

  if (mode === "edit") {
    return (
      <McpServerForm
        editing={server}
        onCancel={() => setMode("view")}
        onSaved={async () => {
          setMode("view");
          setTest({ state: "idle" });
          await onChanged();
        }}
      />
    );
  }
  const headingId = `mcp-${server.id}`;
  const target = server.transport === "stdio" ? [server.command, ...server.args].join(" ") : server.url;
  const stored = [...server.secrets_set.env, ...server.secrets_set.header];
  return (
    <article className={`kd-card ${server.enabled ? "" : "is-disabled"}`} aria-labelledby={headingId}>
      <div className="kd-card-head">
        <div className="kd-card-title">
          <h4 id={headingId}>{server.name}</h4>
          <span className="kd-badge">{TRANSPORT_BADGE[server.transport]}</span>
        </div>
        <label className="kd-switch">
          <input
            type="checkbox"
            role="switch"
            checked={server.enabled}
            disabled={busy}
            onChange={(e) => void change({ enabled: e.target.checked })}
          />
          <span>{server.enabled ? t("mcp.enabled") : t("mcp.disabled")}</span>
        </label>
      </div>
      <p className="kd-mono kd-muted">{target}</p>
      {stored.length > 0 && <p className="kd-muted">{t("mcp.secretStored", { names: stored.join(", ") })}</p>}
      <Field label={t("mcp.approval")}>
        {(props) => (
          <select
            {...props}
            value={server.approval}
            disabled={busy}
            onChange={(e) => void change({ approval: e.target.value as McpApproval })}
          >
            <option value="ask">{t("mcp.approvalAsk")}</option>
            <option value="allow">{t("mcp.approvalAllow")}</option>
          </select>
        )}
      </Field>
      <ErrorNotice message={error} />
      {mode === "confirm-remove" ? (
        <ConfirmRemoval
          label={t("mcp.confirmRemove", { name: server.name })}
          confirm={t("mcp.remove")}
          busy={busy}
          onKeep={() => setMode("view")}
          onConfirm={() => void remove()}
        >
          {t("mcp.confirmRemove", { name: server.name })}
        </ConfirmRemoval>
      ) : (
        <div className="kd-card-footer">
          <div className="kd-card-actions">
            <button
              type="button"
              className="kd-button"
              disabled={test.state === "testing"}
              onClick={() => void runTest(() => mcpApi.test(server.id), setTest)}
            >
              {test.state === "testing" ? t("common.testing") : t("mcp.test")}
            </button>
            <button type="button" className="kd-button kd-button-quiet" onClick={() => setMode("edit")}>
              {t("mcp.edit")}
            </button>
            <button
              type="button"
              className="kd-button kd-button-quiet kd-danger-text kd-push-end"
              onClick={() => setMode("confirm-remove")}
            >
              {t("mcp.remove")}
            </button>
          </div>
          <TestOutcome test={test} name={server.name} />
        </div>
      )}
    </article>
  );
}

/** Secret lines: "NAME=value" (or "Name: value"); an empty value keeps the stored one. */
function secretLines(names: string[], separator: "=" | ":"): string {
  return names.map((name) => (separator === ":" ? `${name}: ` : `${name}=`)).join("\n");
}

function McpServerForm({
  editing,
  onCancel,
  onSaved,
}: {
  editing?: McpServerView;
  onCancel: () => void;
  onSaved: () => Promise<void>;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(editing?.name ?? "");
  const [transport, setTransport] = useState<McpTransport>(editing?.transport ?? "stdio");
  const [command, setCommand] = useState(editing?.command ?? "");
  const [args, setArgs] = useState(editing?.args.join("\n") ?? "");
  const [cwd, setCwd] = useState(editing?.cwd ?? "");
  const [env, setEnv] = useState(formatPairs(editing?.env ?? {}, "="));
  const [secretEnv, setSecretEnv] = useState(secretLines(editing?.secret_env ?? [], "="));
  const [url, setUrl] = useState(editing?.url ?? "");
  const [headers, setHeaders] = useState(formatPairs(editing?.headers ?? {}, ":"));
  const [secretHeaders, setSecretHeaders] = useState(secretLines(editing?.secret_headers ?? [], ":"));
  const [approval, setApproval] = useState<McpApproval>(editing?.approval ?? "ask");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [test, setTest] = useState<TestState>({ state: "idle" });

  const input = (): McpServerInput => {
    const secretEnvPairs = parsePairs(secretEnv, "=");
    const secretHeaderPairs = parsePairs(secretHeaders, ":");
    const filled = (pairs: Record<string, string>) =>
      Object.fromEntries(Object.entries(pairs).filter(([, value]) => value !== ""));
    return {
      name: name.trim(),
      transport,
      command: command.trim(),
      args: args
        .split("\n")
        .map((a) => a.trim())
        .filter(Boolean),
      cwd: cwd.trim() || null,
      env: parsePairs(env, "="),
      secret_env: Object.keys(secretEnvPairs),
      url: url.trim(),
      headers: parsePairs(headers, ":"),
      secret_headers: Object.keys(secretHeaderPairs),
      enabled: editing?.enabled ?? true,
      approval,
      secret_values: { env: filled(secretEnvPairs), header: filled(secretHeaderPairs) },
    };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (editing) await mcpApi.edit(editing.id, input());
      else await mcpApi.add(input());
      await onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const testNow = () =>
    void runTest(() => mcpApi.testUnsaved({ ...input(), ...(editing ? { server_id: editing.id } : {}) }), setTest);

  return (
    <form
      className="kd-inline-form"
      onSubmit={submit}
      aria-label={editing ? t("mcp.editLabel", { name: editing.name }) : t("mcp.newServer")}
    >
      {!editing && <h4 className="kd-form-title">{t("mcp.newServer")}</h4>}
      <div className="kd-form-grid">
        <Field label={t("mcp.name")}>
          {(props) => (
            <input
              {...props}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={t("mcp.namePlaceholder")}
              maxLength={100}
              required
              autoFocus
            />
          )}
        </Field>
        <Field label={t("mcp.transport")}>
          {(props) => (
            <select {...props} value={transport} onChange={(e) => setTransport(e.target.value as McpTransport)}>
              <option value="stdio">{t("mcp.transportStdio")}</option>
              <option value="http">{t("mcp.transportHttp")}</option>
            </select>
          )}
        </Field>
        {transport === "stdio" ? (
          <>
            <Field label={t("mcp.command")}>
              {(props) => (
                <input
                  {...props}
                  value={command}
                  onChange={(e) => setCommand(e.target.value)}
                  placeholder={EXAMPLES.command}
                  spellCheck={false}
                  required
                />
              )}
            </Field>
            <Field label={t("mcp.args")} hint={t("mcp.argsHint")}>
              {(props) => (
                <textarea
                  {...props}
                  rows={3}
                  value={args}
                  onChange={(e) => setArgs(e.target.value)}
                  placeholder={EXAMPLES.args}
                  spellCheck={false}
                />
              )}
            </Field>
            <Field label={t("mcp.cwd")}>
              {(props) => <input {...props} value={cwd} onChange={(e) => setCwd(e.target.value)} spellCheck={false} />}
            </Field>
            <Field label={t("mcp.env")} hint={t("mcp.envHint")}>
              {(props) => (
                <textarea {...props} rows={2} value={env} onChange={(e) => setEnv(e.target.value)} spellCheck={false} />
              )}
            </Field>
            <Field label={t("mcp.secretEnv")} hint={t("mcp.secretHint")}>
              {(props) => (
                <textarea
                  {...props}
                  rows={2}
                  value={secretEnv}
                  onChange={(e) => setSecretEnv(e.target.value)}
                  placeholder={EXAMPLES.secretEnv}
                  spellCheck={false}
                  autoComplete="off"
                />
              )}
            </Field>
          </>
        ) : (
          <>
            <Field label={t("mcp.url")}>
              {(props) => (
                <input
                  {...props}
                  type="url"
                  value={url}
                  onChange={(e) => setUrl(e.target.value)}
                  placeholder={EXAMPLES.url}
                  spellCheck={false}
                  required
                />
              )}
            </Field>
            <Field label={t("mcp.headers")} hint={t("mcp.headersHint")}>
              {(props) => (
                <textarea {...props} rows={2} value={headers} onChange={(e) => setHeaders(e.target.value)} spellCheck={false} />
              )}
            </Field>
            <Field label={t("mcp.secretHeaders")} hint={t("mcp.secretHint")}>
              {(props) => (
                <textarea
                  {...props}
                  rows={2}
                  value={secretHeaders}
                  onChange={(e) => setSecretHeaders(e.target.value)}
                  placeholder={EXAMPLES.secretHeaders}
                  spellCheck={false}
                  autoComplete="off"
                />
              )}
            </Field>
          </>
        )}
        <Field label={t("mcp.approval")}>
          {(props) => (
            <select {...props} value={approval} onChange={(e) => setApproval(e.target.value as McpApproval)}>
              <option value="ask">{t("mcp.approvalAsk")}</option>
              <option value="allow">{t("mcp.approvalAllow")}</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorNotice message={error} />
      <TestOutcome test={test} name={name.trim() || t("mcp.newServer")} />
      <div className="kd-actions">
        <button type="button" className="kd-button" onClick={testNow} disabled={test.state === "testing"}>
          {test.state === "testing" ? t("common.testing") : t("mcp.test")}
        </button>
        <button type="button" className="kd-button kd-button-quiet" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="kd-button kd-button-primary" disabled={busy}>
          {editing ? t("common.save") : t("mcp.add")}
        </button>
      </div>
    </form>
  );
}
