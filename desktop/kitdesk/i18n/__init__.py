"""Words the server writes into threads, in the language of the request.

The web UI translates its own strings, but some text is built here and stored
as thread content (the tool approval card, the tool activity, the step-limit
sentence). Each ChatKit request says which language the person reads
(``Accept-Language``, set by the app on every request); without it the
language setting applies, and "system", which only the browser can resolve,
falls back to English. Items keep the language they were written in.

A catalog is a plain dict per language with named ``{placeholders}``
(``kitdesk.i18n.catalog``); a test keeps every key present in every language.
"""

from __future__ import annotations

from collections.abc import Sequence

from kitdesk.i18n.catalog import CATALOG, DEFAULT_LANGUAGE, PluralCategory, plural_category

__all__ = [
    "DEFAULT_LANGUAGE",
    "language_for",
    "match_language",
    "pick_language",
    "plural",
    "text",
]


def match_language(header: str | None) -> str | None:
    """The shipped language an ``Accept-Language`` value asks for first, if any.

    Exact tags win ("pt-BR"), then the primary subtag ("de-AT" -> "de",
    "zh-TW" -> "zh-CN"); ``q`` weights order the choices, ``q=0`` refuses one.
    """
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag.lower()))
    by_tag = {code.lower(): code for code in CATALOG}
    by_primary = {code.split("-")[0].lower(): code for code in CATALOG}
    for _, _, tag in sorted(ranked):
        if tag in by_tag:
            return by_tag[tag]
        if tag.split("-")[0] in by_primary:
            return by_primary[tag.split("-")[0]]
    return None


def pick_language(header: str | None, setting: str | None) -> str:
    """The request's language, else the setting (unless "system"), else English."""
    return match_language(header) or (setting if setting in CATALOG else DEFAULT_LANGUAGE)


def language_for(setting: str | None, system_languages: Sequence[str]) -> str:
    """The language the desktop window writes in: the setting when it names a shipped
    language, else the first shipped one of the system's (BCP 47 or POSIX tags, best
    first), else English. The web UI resolves "system" the same way from the browser's."""
    if setting in CATALOG:
        return setting
    tags = [tag.split(".")[0].split("@")[0].replace("_", "-") for tag in system_languages]
    return match_language(",".join(tag for tag in tags if tag)) or DEFAULT_LANGUAGE


def text(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` (English where the language is unknown)."""
    table = CATALOG.get(language, CATALOG[DEFAULT_LANGUAGE])
    return table[key].format(**values)


def plural(language: str, key: str, count: int, **values: object) -> str:
    """``key`` in the plural form ``count`` takes in ``language`` (CLDR categories)."""
    category: PluralCategory = plural_category(language, count)
    table = CATALOG.get(language, CATALOG[DEFAULT_LANGUAGE])
    template = table.get(f"{key}.{category}", table[f"{key}.other"])
    return template.format(count=count, **values)
