"""Conversations as documents to read or share: Markdown, and one offline HTML file.

Both show the active branch (what the person sees in the window); the
lossless copy with every branch is Kitdesk's JSON export. The HTML page is
self-contained (inline CSS, no script, no external resource) so it opens
offline in any browser years from now; all text is escaped, and message
text keeps its line breaks (``white-space: pre-wrap``) rather than being run
through a Markdown renderer that could change over time.

Also here: the download file name for any title, in any script, and the
``Content-Disposition`` header that carries it (RFC 6266 with RFC 5987
``filename*``: an HTTP header is Latin-1, so a title like "Café 日本" goes in
percent-encoded UTF-8, with an ASCII fallback for old clients).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import quote

from chatkit.types import AssistantMessageItem, ThreadItem, ThreadMetadata, UserMessageItem

from kitdesk.transfer.model import Organisation

UNTITLED = "Untitled conversation"
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _user_text(item: UserMessageItem) -> str:
    text = "".join(getattr(part, "text", "") for part in item.content).strip()
    if item.quoted_text:
        quoted = "\n".join(f"> {line}" for line in item.quoted_text.splitlines())
        text = f"{quoted}\n\n{text}"
    if item.attachments:
        text += "\n\n_Attachments: " + ", ".join(a.name for a in item.attachments) + "_"
    return text


def _messages(items: Iterable[ThreadItem]) -> list[tuple[str, str]]:
    """(speaker, text) for each message; other items (widgets, hidden context) are left out."""
    out = []
    for item in items:
        if isinstance(item, UserMessageItem):
            out.append(("You", _user_text(item)))
        elif isinstance(item, AssistantMessageItem):
            out.append(("Assistant", "".join(part.text for part in item.content).strip()))
    return out


def _started(thread: ThreadMetadata) -> str:
    return f"{thread.created_at:%Y-%m-%d %H:%M}"


# A conversation to write: its thread, the active path, and how it is organised (optional).
Document = (
    tuple[ThreadMetadata, Sequence[ThreadItem]]
    | tuple[ThreadMetadata, Sequence[ThreadItem], Organisation | None]
)


def _parts(document: Document) -> tuple[ThreadMetadata, Sequence[ThreadItem], Organisation | None]:
    if len(document) == 3:
        return document
    thread, items = document
    return thread, items, None


def _organised(organisation: Organisation | None) -> str:
    """'Folder: Work · Pinned · Archived' (empty for an unorganised conversation)."""
    if not organisation:
        return ""
    parts = [f"Folder: {organisation.folder.name}"] if organisation.folder else []
    if organisation.pinned:
        parts.append("Pinned")
    if organisation.archived:
        parts.append("Archived")
    return " · ".join(parts)


def to_markdown(
    thread: ThreadMetadata, items: Sequence[ThreadItem], organisation: Organisation | None = None
) -> str:
    lines = [f"# {thread.title or UNTITLED}", ""]
    lines.append(f"_Exported from Kitdesk. Started {_started(thread)}._")
    if organised := _organised(organisation):
        lines += ["", f"_{organised}_"]
    for speaker, text in _messages(items):
        lines += ["", f"## {speaker}", "", text]
    return "\n".join(lines) + "\n"


def many_to_markdown(threads: Iterable[Document]) -> str:
    return "\n---\n\n".join(to_markdown(*_parts(document)) for document in threads)


_STYLE = """
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fff; --muted: #6e6e73; --user: #f0f0f3; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #f5f5f7; --bg: #1c1c1e; --muted: #a1a1a6; --user: #2c2c2e; }
}
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h1 + p, .organised { color: var(--muted); margin-top: 0; }
article { border-top: 1px solid color-mix(in srgb, var(--muted) 30%, transparent); }
.message { margin: 1rem 0; }
.speaker { font-size: .8rem; font-weight: 600; color: var(--muted); margin-bottom: .25rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.you .text { background: var(--user); border-radius: 12px; padding: .6rem .9rem; }
@media print { body { margin: 0; } }
""".strip()


def _thread_html(
    thread: ThreadMetadata, items: Sequence[ThreadItem], organisation: Organisation | None = None
) -> str:
    title = html.escape(thread.title or UNTITLED)
    parts = [f"<article><h1>{title}</h1><p>Started {html.escape(_started(thread))}</p>"]
    if organised := _organised(organisation):
        parts.append(f'<p class="organised">{html.escape(organised)}</p>')
    for speaker, text in _messages(items):
        css = "you" if speaker == "You" else "assistant"
        parts.append(
            f'<section class="message {css}"><div class="speaker">{speaker}</div>'
            f'<div class="text">{html.escape(text)}</div></section>'
        )
    parts.append("</article>")
    return "\n".join(parts)


def to_html(
    threads: Iterable[Document],
    *,
    page_title: str,
    exported_at: datetime,
) -> str:
    """One offline page holding one or more conversations."""
    body = "\n".join(_thread_html(*_parts(document)) for document in threads)
    return (
        "<!doctype html>\n"
        '<html lang="und"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f'<meta name="generator" content="Kitdesk">'
        f"<title>{html.escape(page_title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n"
        f"<footer><p>Exported from Kitdesk on {exported_at:%Y-%m-%d %H:%M}.</p></footer>"
        "\n</body></html>\n"
    )


def download_filename(title: str | None, extension: str) -> str:
    """A file name for any title: its own script kept, only characters no system allows removed."""
    stem = unicodedata.normalize("NFC", title or "")
    stem = _UNSAFE_IN_NAME.sub(" ", stem)
    stem = " ".join(stem.split()).strip(" .")[:80].strip(" .")
    return f"{stem or 'conversation'}.{extension}"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact UTF-8 name (RFC 6266, RFC 5987)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r'["\\\x00-\x1f\x7f]', "", ascii_name).strip() or "download"
    if ascii_name.startswith("."):
        ascii_name = "download" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
