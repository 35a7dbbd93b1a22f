// Agent Builder workflows (hosted ChatKit mode) as the server keeps them
// (/api/workflows, desktop/kitdesk/web/routes/workflows.py). The page never sees
// a key or a client secret here: the hosted document asks for a secret itself.

import { request } from "./api";

export type Workflow = { id: string; name: string; provider_id: string };

export const workflowsApi = {
  list: () => request<Workflow[]>("GET", "/api/workflows"),
  add: (workflow: Workflow) => request<Workflow>("POST", "/api/workflows", workflow),
  remove: (id: string) => request<{ deleted: string }>("DELETE", `/api/workflows/${encodeURIComponent(id)}`),
};

/** Where a workflow runs: its own document, with OpenAI's runtime (web/routes/hosted.py). */
export function hostedUrl(id: string): string {
  return `/hosted/${encodeURIComponent(id)}`;
}

/** What an Agent Builder workflow id looks like (the server checks it too). */
export const WORKFLOW_ID = /^wf_[A-Za-z0-9_-]{1,120}$/;
