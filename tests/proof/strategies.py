"""Hypothesis strategies for the fuzzers: any JSON, hostile strings, and
mutations of a valid request (a field replaced, dropped or added).

Strings that look like URLs are pinned to loopback (``loopback_only``): a
fuzzed provider address must never send traffic off this machine.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

SIZES = [0, 1, 201, 10_000, 200_001, 1_000_001]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "../../etc/passwd",
            "%2e%2e%2f",
            "<script>alert(1)</script>",
            "thr_' OR 1=1 --",
            'NEAR(a b) OR "x* ^ :col',
            '"',
            "\u202e\u200b\ufeff",
            "🦜" * 50,
            "a" * 1000,
            "null",
            "-1",
        ]
    ),
    st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["x", "é", "字", "🦜", " ", "\n"]),
        st.sampled_from(SIZES),
    ),
)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)

json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn, baseline: dict[str, Any]) -> Any:
    """The baseline itself, or with one to three fields replaced, dropped or added."""
    doc = copy.deepcopy(baseline)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(doc)
        if not paths or not isinstance(doc, dict):
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        operation = draw(st.sampled_from(["replace", "replace", "drop", "add", "wrap"]))
        if operation == "replace":
            parent[path[-1]] = draw(json_value)
        elif operation == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        elif operation == "drop":
            if isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(json_value)
        elif isinstance(parent, list):
            parent.append(draw(json_value))
    return doc


def loopback_only(value: Any, allowed: str) -> Any:
    """Replace every string that names a URL not on ``allowed`` (a loopback base)."""
    if isinstance(value, dict):
        return {key: loopback_only(child, allowed) for key, child in value.items()}
    if isinstance(value, list):
        return [loopback_only(child, allowed) for child in value]
    if isinstance(value, str) and "//" in value and not value.startswith(allowed):
        return allowed
    return value


def dumps(value: Any) -> bytes:
    """JSON as a client might send it: NaN and Infinity included, lone surrogates escaped."""
    return json.dumps(value, allow_nan=True).encode()
