"""``GET /hosted/{workflow_id}``: the document that runs OpenAI's own ChatKit runtime.

Hosted mode (Agent Builder workflows) uses OpenAI's official ``<openai-chatkit>``
from its CDN, which cannot share a page with Kitdesk's own element of the same
name, so it gets a document of its own. Its Content-Security-Policy (set here;
the security gate keeps a page's own policy) allows only what that runtime
needs: its script and frame from the CDN, its requests to OpenAI's API, and this
page's one inline script, by nonce. The script hands the runtime
``api.getClientSecret``, which asks Kitdesk for a fresh secret
(``POST /api/workflows/{id}/session``) each time the runtime needs one, so an
expired secret is refreshed. If the runtime cannot load (offline, blocked), the
page says so in a sentence instead of staying blank. A link at the top leads
back to Kitdesk (Settings › Workflows opens this document in the same window).
"""

from __future__ import annotations

import html
import json
import secrets

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from kitdesk.settings import SettingsFile

CDN = "https://cdn.platform.openai.com"
RUNTIME_URL = f"{CDN}/deployments/chatkit/chatkit.js"
OPENAI_API = "https://api.openai.com"
LOAD_SECONDS = 15
BACK = "← Back to Kitdesk"

NOT_LOADED = (
    "OpenAI's ChatKit runtime could not be loaded. Hosted workflows run on OpenAI's "
    "servers and need an internet connection; check it, then reload this window."
)


def hosted_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'nonce-{nonce}' {CDN}",
            "style-src 'unsafe-inline'",
            f"connect-src 'self' {OPENAI_API} {CDN}",
            f"frame-src {CDN}",
            f"img-src data: blob: {CDN} {OPENAI_API}",
            "font-src data:",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def hosted_document(workflow_id: str, name: str, nonce: str) -> str:
    config = json.dumps(
        {
            "sessionUrl": f"/api/workflows/{workflow_id}/session",
            "notLoaded": NOT_LOADED,
            "loadMs": LOAD_SECONDS * 1000,
            "runtime": RUNTIME_URL,
        }
    ).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(name)} (hosted by OpenAI)</title>
<style>html,body{{height:100%;margin:0;font:15px system-ui,sans-serif}}
body{{display:flex;flex-direction:column}}#back{{padding:.5em 1em;flex:none}}
openai-chatkit{{display:block;flex:1;min-height:0}}#problem{{margin:3em;max-width:40em}}</style>
</head><body>
<nav id="back"><a href="/">{html.escape(BACK)}</a></nav>
<p id="problem" role="alert" hidden></p>
<openai-chatkit id="chat"></openai-chatkit>
<script nonce="{nonce}">
(() => {{
  const config = {config};
  const problem = (text) => {{
    const box = document.getElementById("problem");
    box.textContent = text;
    box.hidden = false;
    document.getElementById("chat").hidden = true;
  }};
  async function getClientSecret() {{
    const response = await fetch(config.sessionUrl, {{
      method: "POST",
      credentials: "same-origin",
    }});
    const body = await response.json().catch(() => ({{}}));
    if (!response.ok) {{
      const message = (body.error && body.error.message) || "Kitdesk could not start a session.";
      problem(message);
      throw new Error(message);
    }}
    return body.client_secret;
  }}
  const timer = setTimeout(() => problem(config.notLoaded), config.loadMs);
  const runtime = document.createElement("script");
  runtime.src = config.runtime;
  runtime.async = true;
  runtime.onerror = () => {{ clearTimeout(timer); problem(config.notLoaded); }};
  document.head.append(runtime);
  customElements.whenDefined("openai-chatkit").then(() => {{
    clearTimeout(timer);
    document.getElementById("chat").setOptions({{ api: {{ getClientSecret }} }});
  }});
}})();
</script>
</body></html>
"""


def build_hosted_router(settings_file: SettingsFile) -> APIRouter:
    router = APIRouter()

    @router.get("/hosted/{workflow_id}")
    def hosted(workflow_id: str) -> HTMLResponse:
        workflow = next((w for w in settings_file.settings.workflows if w.id == workflow_id), None)
        if workflow is None:
            page = (
                "<!doctype html><meta charset=utf-8><title>Kitdesk</title>"
                "<p style='font:16px system-ui;margin:3em'>There is no such workflow. "
                "It may have been removed in Settings.</p>"
            )
            return HTMLResponse(page, status_code=404, headers={"cache-control": "no-store"})
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(
            hosted_document(workflow.id, workflow.name, nonce),
            headers={
                "content-security-policy": hosted_policy(nonce),
                "cache-control": "no-store",
            },
        )

    return router
