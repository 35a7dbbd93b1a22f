"""The element package's README names every `ChatKitOptions` field,
`OpenAIChatKit` method and `ChatKitEvents` event of the official
`@openai/chatkit` types (webui/node_modules), so a new upstream option cannot
go unlisted."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
TYPES = ROOT / "webui" / "node_modules" / "@openai" / "chatkit" / "types" / "index.d.ts"
README = ROOT / "webui" / "src" / "chatkit" / "README.md"


def test_the_package_readme_lists_every_option_method_and_event() -> None:
    """The README names every ChatKitOptions field, method and event of the official types."""
    readme = README.read_text()
    require(TYPES.is_file(), "webui/node_modules is not installed (npm ci)")
    source = TYPES.read_text()
    options = _fields(source, "export type ChatKitOptions = {")
    methods = _methods(source)
    events = _events(source)
    assert len(options) > 15 and len(methods) >= 9 and len(events) >= 12
    missing = [name for name in options + methods + events if f"`{name}`" not in readme]
    assert missing == [], f"not in the package README: {missing}"


def _block(source: str, start: str) -> str:
    begin = source.index(start) + len(start)
    depth = 1
    for index in range(begin, len(source)):
        if source[index] == "{":
            depth += 1
        elif source[index] == "}":
            depth -= 1
            if depth == 0:
                return source[begin:index]
    raise AssertionError(f"unbalanced block after {start!r}")


def _top_level_names(block: str, pattern: str) -> list[str]:
    names: list[str] = []
    depth = 0
    for line in block.splitlines():
        if depth == 0:
            match = re.match(pattern, line.strip())
            if match:
                names.append(match.group(1))
        depth += line.count("{") + line.count("(") - line.count("}") - line.count(")")
    return names


def _fields(source: str, start: str) -> list[str]:
    return _top_level_names(_block(source, start), r"^(\w+)\??:")


def _methods(source: str) -> list[str]:
    block = _block(source, "export interface OpenAIChatKit extends HTMLElement {")
    names = _top_level_names(block, r"^(\w+)(?:<[^>]*>)?\(")
    return sorted(
        {name for name in names if name not in ("addEventListener", "removeEventListener")}
    )


def _events(source: str) -> list[str]:
    return _top_level_names(_block(source, "export type ChatKitEvents = {"), r"^'([\w.]+)'\s*:")


def test_the_readme_parser_finds_known_names() -> None:
    """The helpers above read the official types as a person would (a check that they can fail)."""
    require(TYPES.is_file(), "webui/node_modules is not installed (npm ci)")
    source = TYPES.read_text()
    assert {"api", "widgets", "entities", "threadItemActions"} <= set(
        _fields(source, "export type ChatKitOptions = {")
    )
    assert {"setOptions", "sendCustomAction", "fetchUpdates"} <= set(_methods(source))
    assert {"chatkit.ready", "chatkit.effect", "chatkit.deeplink"} <= set(_events(source))
