// The /api/mcp routes as the app sees them: MCP servers whose tools the model may
// call. Secret values (tokens in environment variables or headers) go in through
// `secret_values` and never come back: a server only says which names have one.

import { ServerUnreachable, appFetch, errorFromResponse } from "./api";

export type McpTransport = "stdio" | "http";
export type McpApproval = "ask" | "allow";

export type McpServer = {
  id: string;
  name: string;
  transport: McpTransport;
  command: string;
  args: string[];
  env: Record<string, string>;
  secret_env: string[];
  cwd: string | null;
  url: string;
  headers: Record<string, string>;
  secret_headers: string[];
  enabled: boolean;
  approval: McpApproval;
};

/** A server as listed: its settings plus which secret names have a stored value. */
export type McpServerView = McpServer & { secrets_set: { env: string[]; header: string[] } };

/** What add, edit and test take: new secret values by name (a name left out keeps its value). */
export type McpServerInput = Omit<McpServer, "id"> & {
  id?: string;
  secret_values?: { env?: Record<string, string>; header?: Record<string, string> };
};

export type McpTool = { name: string; title: string; description: string };
export type McpTestResult = { ok: boolean; message: string; tools: McpTool[] };

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await appFetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ServerUnreachable();
  }
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}

const path = (id: string) => `api/mcp/servers/${encodeURIComponent(id)}`;

export const mcpApi = {
  servers: () => call<McpServerView[]>("GET", "api/mcp/servers"),
  add: (server: McpServerInput) => call<McpServerView>("POST", "api/mcp/servers", server),
  edit: (id: string, server: McpServerInput) => call<McpServerView>("PUT", path(id), server),
  remove: (id: string) => call<{ deleted: string }>("DELETE", path(id)),
  test: (id: string) => call<McpTestResult>("POST", `${path(id)}/test`),
  /** Test a configuration before saving it; `server_id` lends the stored secrets of a saved server. */
  testUnsaved: (server: McpServerInput & { server_id?: string }) =>
    call<McpTestResult>("POST", "api/mcp/test", server),
};

/** "NAME=value" lines (or "Name: value" for headers) into a record; blank lines are skipped. */
export function parsePairs(text: string, separator: "=" | ":"): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf(separator);
    const name = (at < 0 ? line : line.slice(0, at)).trim();
    pairs[name] = at < 0 ? "" : line.slice(at + 1).trim();
  }
  return pairs;
}

export function formatPairs(pairs: Record<string, string>, separator: "=" | ":"): string {
  const joiner = separator === ":" ? ": " : "=";
  return Object.entries(pairs)
    .map(([name, value]) => `${name}${joiner}${value}`)
    .join("\n");
}
