"""The neutral shape every importer produces: a thread as a tree of messages.

Other apps keep conversations as trees (ChatGPT's ``mapping``, Open WebUI's
``history.messages``): an edited question or a regenerated answer is a sibling
node, and one leaf marks the branch the person last looked at. Importers turn
each format into this one model, so the store has a single way in and every
format is tested against the same expectations.

What an importer cannot carry over (system prompts, hidden context, tool
calls, images it has no bytes for) is dropped with a count per reason in
``Skipped``, so the person is told what was left behind instead of losing it
silently. A dropped node's children are re-attached to its nearest kept
ancestor, so the tree stays connected.

Nothing here knows about a web framework, the ChatKit SDK or SQLite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from kitdesk.errors import UserFacingError

Role = Literal["user", "assistant"]
Source = Literal["chatgpt", "openwebui", "kitdesk"]


class ImportFormatError(UserFacingError):
    """The file cannot be imported; the message says why, for a person."""

    status = 422
    code = "import_failed"


class Skipped(Counter[str]):
    """What an import left out, counted per reason ("system", "hidden", "image", ...)."""

    def describe(self) -> str:
        """'3 system messages, 1 image' style summary; empty when nothing was skipped."""
        return ", ".join(
            f"{count} {_plural(reason, count)}" for reason, count in sorted(self.items())
        )


_NOUNS = {
    "system": ("system message", "system messages"),
    "hidden": ("hidden message", "hidden messages"),
    "empty": ("empty message", "empty messages"),
    "tool": ("tool output", "tool outputs"),
    "code": ("code call", "code calls"),
    "reasoning": ("reasoning summary", "reasoning summaries"),
    "image": ("image", "images"),
    "file": ("file", "files"),
    "unsupported": ("unsupported message", "unsupported messages"),
    "invalid": ("unreadable message", "unreadable messages"),
    "thread": ("unreadable conversation", "unreadable conversations"),
}


def _plural(reason: str, count: int) -> str:
    one, many = _NOUNS.get(reason, (reason, reason))
    return one if count == 1 else many


@dataclass(frozen=True)
class MessageNode:
    """One message in the tree. ``parent_id`` is None for a root."""

    id: str
    parent_id: str | None
    role: Role
    text_parts: tuple[str, ...]
    created_at: datetime | None = None
    model: str | None = None
    # Attachments the source mentions but whose bytes it does not carry.
    skipped_attachments: int = 0
    # Kitdesk's own export carries the exact ChatKit item, for a lossless round trip.
    native: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(part for part in self.text_parts if part)


@dataclass(frozen=True)
class FolderInfo:
    """A folder as an export names it: folders are matched by name on import, never by id."""

    name: str
    system_prompt: str | None = None
    default_model: str | None = None


@dataclass(frozen=True)
class Organisation:
    """How a conversation was organised in Kitdesk: pinned, archived, in a folder."""

    pinned: bool = False
    archived: bool = False
    folder: FolderInfo | None = None

    def __bool__(self) -> bool:
        return self.pinned or self.archived or self.folder is not None


@dataclass
class ImportedThread:
    """One conversation: its nodes in parent-before-child order and the active leaf."""

    source: Source
    source_id: str
    title: str | None
    created_at: datetime | None
    updated_at: datetime | None
    nodes: list[MessageNode]
    active_leaf_id: str | None
    skipped: Skipped = field(default_factory=Skipped)
    # Kitdesk's own export: the ChatKit ThreadMetadata JSON, kept whole.
    native: dict[str, Any] | None = None
    # Kitdesk's own export: pinned, archived and folder (other sources have none).
    organisation: Organisation | None = None

    def node(self, node_id: str) -> MessageNode:
        return self._by_id()[node_id]

    def _by_id(self) -> dict[str, MessageNode]:
        return {node.id: node for node in self.nodes}

    def active_path(self) -> list[MessageNode]:
        """The messages from the root to the active leaf, in order."""
        by_id = self._by_id()
        path: list[MessageNode] = []
        current = by_id.get(self.active_leaf_id) if self.active_leaf_id else None
        while current is not None and len(path) <= len(by_id):
            path.append(current)
            current = by_id.get(current.parent_id) if current.parent_id else None
        path.reverse()
        return path

    def children(self, node_id: str | None) -> list[MessageNode]:
        return [node for node in self.nodes if node.parent_id == node_id]


@dataclass(frozen=True)
class RawNode:
    """A source node before filtering: kept when ``node`` is set, else dropped for ``reason``."""

    id: str
    parent_id: str | None
    children_ids: tuple[str, ...]
    node: MessageNode | None
    reason: str | None = None


def build_tree(
    raw: dict[str, RawNode], requested_leaf: str | None, skipped: Skipped
) -> tuple[list[MessageNode], str | None]:
    """Drop filtered nodes, re-parent their children, order parent-first, pick the active leaf.

    A parent id that is missing from ``raw`` makes a root; cycles are broken
    (each node is visited once). The active leaf is the requested node if it
    was kept, else its nearest kept ancestor, else the newest leaf.
    """

    def kept_ancestor(node_id: str | None) -> str | None:
        seen: set[str] = set()
        while node_id is not None and node_id in raw and node_id not in seen:
            seen.add(node_id)
            entry = raw[node_id]
            if entry.node is not None:
                return node_id
            node_id = entry.parent_id
        return None

    for entry in raw.values():
        if entry.node is None and entry.reason:
            skipped[entry.reason] += 1

    roots = [
        node_id
        for node_id, entry in raw.items()
        if entry.parent_id is None or entry.parent_id not in raw or entry.parent_id == node_id
    ]
    ordered: list[MessageNode] = []
    visited: set[str] = set()

    # Children come from parent pointers (the source's child lists may be
    # missing or stale); the child lists only give their order.
    children_of: dict[str, list[str]] = {}
    for node_id, entry in raw.items():
        if entry.parent_id is not None and entry.parent_id in raw:
            children_of.setdefault(entry.parent_id, []).append(node_id)
    for parent_id, children in children_of.items():
        listed = {child: index for index, child in enumerate(raw[parent_id].children_ids)}
        children.sort(key=lambda child: listed.get(child, len(listed)))

    def walk(start: str) -> Iterator[tuple[str, str | None]]:
        # Iterative depth-first walk: a 2,000-message chain must not hit the recursion limit.
        stack: list[tuple[str, str | None]] = [(start, None)]
        while stack:
            node_id, kept_parent = stack.pop()
            if node_id in visited:
                continue
            visited.add(node_id)
            yield node_id, kept_parent
            next_parent = node_id if raw[node_id].node is not None else kept_parent
            for child in reversed(children_of.get(node_id, [])):
                stack.append((child, next_parent))

    def emit(start: str) -> None:
        for node_id, kept_parent in walk(start):
            entry = raw[node_id]
            if entry.node is not None:
                node = entry.node
                if node.parent_id != kept_parent:
                    node = _reparent(node, kept_parent)
                ordered.append(node)

    for root in roots:
        emit(root)
    # Whatever a cycle kept unreachable from a root still gets in, as its own root.
    for node_id in raw:
        if node_id not in visited:
            emit(node_id)

    kept_ids = {node.id for node in ordered}
    leaf = kept_ancestor(requested_leaf) if requested_leaf else None
    if leaf is None or leaf not in kept_ids:
        leaf = newest_leaf(ordered)
    return ordered, leaf


def _reparent(node: MessageNode, parent_id: str | None) -> MessageNode:
    return MessageNode(
        id=node.id,
        parent_id=parent_id,
        role=node.role,
        text_parts=node.text_parts,
        created_at=node.created_at,
        model=node.model,
        skipped_attachments=node.skipped_attachments,
        native=node.native,
    )


def newest_leaf(nodes: Iterable[MessageNode]) -> str | None:
    """The last node (in order) that has no children: where a linear history ends."""
    nodes = list(nodes)
    parents = {node.parent_id for node in nodes}
    leaves = [node for node in nodes if node.id not in parents]
    if not leaves:
        return None
    dated = [node for node in leaves if node.created_at is not None]
    if dated:
        return max(dated, key=lambda node: node.created_at or _EPOCH).id
    return leaves[-1].id


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_timestamp(value: object) -> datetime | None:
    """Seconds (or milliseconds, when implausibly large) since the epoch, as UTC; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    if seconds > 1e11:  # milliseconds: Open WebUI's chat.timestamp
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
