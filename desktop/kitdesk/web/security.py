"""The local server's gatekeeper: token, Host and Origin checks, security headers.

Kitdesk listens on loopback, but any web page the user visits can still try to
reach it (CSRF, DNS rebinding). So every request must:

- name us in ``Host`` exactly (``127.0.0.1:PORT`` or ``localhost:PORT``),
  which defeats DNS rebinding;
- carry no foreign ``Origin`` (there is no CORS: other origins get a 403),
  and, on ``/api`` and ``/chatkit``, no ``Sec-Fetch-Site`` of another site or
  of another port of this machine;
- ask for a path under the launch's secret prefix (``/k/<random>``): the UI,
  ``/api`` and ``/chatkit`` live only there;
- prove it holds the per-launch token, either as ``Authorization: Bearer`` or
  as the HttpOnly, SameSite=Strict cookie that the first page load trades the
  ``?token=`` query parameter for (then redirects so the token leaves the URL).
  The cookie header is parsed leniently: other local servers' cookies, however
  odd, and a stale token of an earlier launch must not log the window out.

Why the prefix: cookies ignore ports, so a cookie for ``127.0.0.1`` would go
to every other server on this machine the browser visits, and ride along with
requests pages on other local ports make. The cookie's ``Path`` is the secret
prefix, so the browser sends it only to URLs that name the prefix, which no
other local server or page knows. (A per-launch ``*.localhost`` host name
would scope it too, but not every browser resolves those names.) Below the
gate the app sees the prefix as the ASGI ``root_path``; ``route_path`` gives
the path within it.

Written as plain ASGI middleware because streaming responses pass through it
and BaseHTTPMiddleware adds per-chunk overhead.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE_NAME = "kitdesk_token"
# Sec-Fetch-Site values of a request another page made.
CROSS_SITE = frozenset({"cross-site", "same-site"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # React sets style attributes (positions of the virtual list, theme vars).
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "frame-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)

COMMON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
PAGE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
]


def route_path(scope: Scope) -> str:
    """The request's path below the launch prefix (``/api/health``, ``/``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def allowed_hosts(port: int) -> frozenset[str]:
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def allowed_origins(port: int) -> frozenset[str]:
    return frozenset(f"http://{host}" for host in allowed_hosts(port))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie_tokens(scope: Scope) -> list[str]:
    """Every value sent under our cookie's name.

    Parsed by hand, leniently, as browsers send them: another site's cookie on
    127.0.0.1 may hold JSON, spaces, quotes or ``@`` (which make
    ``http.cookies`` give up on the whole header), and a stale cookie of an
    earlier launch may come with the same name.
    """
    tokens = []
    for header in _headers(scope, b"cookie"):
        for pair in header.split(";"):
            name, sep, value = pair.partition("=")
            if sep and name.strip() == COOKIE_NAME:
                tokens.append(value.strip().strip('"'))
    return tokens


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]


def _bearer_token(scope: Scope) -> str | None:
    raw = _header(scope, b"authorization")
    if raw and raw[:7].lower() == "bearer ":
        return raw[7:].strip()
    return None


def _json_error(
    status: int, code: str, message: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    return status, headers, body


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, token: str, port: int, prefix: str) -> None:
        if not prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError("the prefix starts with a slash and does not end with one")
        self.app = app
        self._token = token.encode()
        self.hosts = allowed_hosts(port)
        self.origins = allowed_origins(port)
        self.prefix = prefix

    def _token_ok(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            await self._reply(send, *_json_error(404, "not_found", "Nothing here."))
            return

        host = _header(scope, b"host")
        if host not in self.hosts:
            await self._reply(
                send,
                *_json_error(
                    421 if host else 400,
                    "bad_host",
                    "This request was not addressed to Kitdesk's local address, so it was refused.",
                ),
            )
            return

        origin = _header(scope, b"origin")
        if origin is not None and origin not in self.origins:
            await self._reply(
                send,
                *_json_error(
                    403,
                    "foreign_origin",
                    "Requests from other websites are not allowed to reach Kitdesk.",
                ),
            )
            return

        full_path: str = scope["path"]
        method: str = scope["method"]
        if full_path == self.prefix and method in ("GET", "HEAD"):  # no last slash
            query = scope.get("query_string", b"")
            location = f"{self.prefix}/".encode() + (b"?" + query if query else b"")
            await self._redirect(send, location)
            return
        if not full_path.startswith(f"{self.prefix}/"):
            await self._refuse_outside_prefix(send, method, full_path)
            return
        path = full_path[len(self.prefix) :]

        # Browsers say where a fetch comes from. Another site, or a page on
        # another local port (same-site: cookies ignore ports), never gets
        # an answer from the API, whatever it carries.
        fetch_site = _header(scope, b"sec-fetch-site")
        if fetch_site in CROSS_SITE and path.startswith(("/api/", "/chatkit")):
            await self._reply(
                send,
                *_json_error(
                    403,
                    "cross_site",
                    "Requests from other websites are not allowed to reach Kitdesk.",
                ),
            )
            return

        query_token = None
        if method in ("GET", "HEAD") and path == "/" and scope.get("query_string"):
            values = parse_qs(scope["query_string"].decode("latin-1")).get("token")
            query_token = values[0] if values else None

        if query_token is not None and self._token_ok(query_token):
            # Trade the token for a cookie only this launch's prefix gets, and
            # drop the token from the address bar.
            cookie = (
                f"{COOKIE_NAME}={query_token}; Path={self.prefix}/; HttpOnly; SameSite=Strict"
            ).encode()
            await self._redirect(send, f"{self.prefix}/".encode(), cookie)
            return

        if not (
            self._token_ok(_bearer_token(scope))
            or any(self._token_ok(token) for token in _cookie_tokens(scope))
        ):
            if method in ("GET", "HEAD") and path == "/":
                await self._reply(send, 401, *_unauthorized_page())
            else:
                await self._reply(
                    send,
                    *_json_error(
                        401,
                        "unauthorized",
                        "This request did not carry Kitdesk's launch token. "
                        "Open Kitdesk from its window or from the link `kitdesk serve` printed.",
                    ),
                )
            return

        scope = {**scope, "root_path": scope.get("root_path", "") + self.prefix}
        is_page = method == "GET" and not path.startswith(("/api/", "/chatkit"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                extra: Iterable[tuple[bytes, bytes]] = (
                    [*COMMON_HEADERS, *PAGE_HEADERS] if is_page else COMMON_HEADERS
                )
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse_outside_prefix(self, send: Send, method: str, path: str) -> None:
        """Nothing lives outside the launch prefix; a person who typed the bare
        address gets the page that asks for the launch link."""
        if method in ("GET", "HEAD") and path == "/":
            await self._reply(send, 401, *_unauthorized_page())
            return
        await self._reply(
            send,
            *_json_error(
                404,
                "not_found",
                "Nothing here. Kitdesk answers only at the address its launch link names.",
            ),
        )

    @staticmethod
    async def _redirect(send: Send, location: bytes, cookie: bytes | None = None) -> None:
        headers = [
            (b"location", location),
            (b"cache-control", b"no-store"),
            (b"content-length", b"0"),
            *COMMON_HEADERS,
        ]
        if cookie is not None:
            headers.append((b"set-cookie", cookie))
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _reply(
        send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, *COMMON_HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _unauthorized_page() -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = (
        b"<!doctype html><meta charset=utf-8><title>Kitdesk</title>"
        b"<p style='font:16px system-ui;margin:3em'>This page needs Kitdesk's launch link. "
        b"Open Kitdesk from its window, or use the full link that "
        b"<code>kitdesk serve</code> printed.</p>"
    )
    return (
        [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            *PAGE_HEADERS,
        ],
        body,
    )
