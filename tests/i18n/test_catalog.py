"""The server's catalog: every key in every shipped language, the same placeholders,
every plural form a language's rule can pick, and Accept-Language matching."""

from __future__ import annotations

import re
import string

import pytest
from kitdesk.i18n import language_for, match_language, pick_language, plural, text
from kitdesk.i18n.catalog import CATALOG, DEFAULT_LANGUAGE, plural_category
from kitdesk.settings import LANGUAGES

ENGLISH = CATALOG[DEFAULT_LANGUAGE]
PLURAL = re.compile(r"^(?P<base>.+)\.(zero|one|two|few|many|other)$")
PLURAL_BASES = {m["base"] for key in ENGLISH if (m := PLURAL.match(key))}
PLAIN_KEYS = [key for key in ENGLISH if not PLURAL.match(key)]
SHIPPED = [code for code in LANGUAGES if code != "system"]


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_catalog_has_exactly_the_shipped_languages() -> None:
    assert sorted(CATALOG) == sorted(SHIPPED)


@pytest.mark.parametrize("language", SHIPPED)
def test_every_key_is_translated_with_the_same_placeholders(language: str) -> None:
    table = CATALOG[language]
    missing = [key for key in PLAIN_KEYS if key not in table]
    assert missing == [], f"{language} lacks {missing}"
    stray = [
        key
        for key in table
        if key not in ENGLISH and not ((m := PLURAL.match(key)) and m["base"] in PLURAL_BASES)
    ]
    assert stray == [], f"{language} has keys English does not: {stray}"
    for key in PLAIN_KEYS:
        assert fields(table[key]) == fields(ENGLISH[key]), (language, key)
        if language != DEFAULT_LANGUAGE and key != "number.decimal":
            assert table[key] != ENGLISH[key] or key == "activity.arguments", (language, key)


@pytest.mark.parametrize("language", SHIPPED)
def test_every_plural_form_the_rule_picks_is_there(language: str) -> None:
    table = CATALOG[language]
    for base in PLURAL_BASES:
        forms = {plural_category(language, count) for count in range(0, 1_000)}
        missing = sorted(f"{base}.{form}" for form in forms if f"{base}.{form}" not in table)
        assert missing == [], f"{language} lacks {missing}"


def test_plural_forms_follow_the_language() -> None:
    assert plural("en", "activity.used", 1) == "Used 1 tool"
    assert plural("en", "activity.used", 3) == "Used 3 tools"
    assert plural("de", "activity.used", 2) == "2 Tools verwendet"
    assert plural("ar", "activity.used", 1) == "استُخدمت أداة واحدة"
    assert plural("ar", "activity.used", 2) == "استُخدمت أداتان"
    assert plural("ar", "activity.used", 5) == "استُخدمت 5 أدوات"
    assert plural("ar", "activity.used", 11) == "استُخدمت 11 أداة"
    assert plural("ja", "activity.used", 1) == "1 個のツールを使用"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("de", "de"),
        ("de-AT,de;q=0.9,en;q=0.8", "de"),
        ("en;q=0.5, ar", "ar"),  # the weight, not the order, decides
        ("pt-br", "pt-BR"),
        ("zh-TW", "zh-CN"),
        ("ko, fr;q=0.3", "fr"),  # an unshipped language is skipped
        ("ja;q=0, es", "es"),  # q=0 refuses
        ("ko", None),
        ("de;q=bad", None),
    ],
)
def test_accept_language_picks_a_shipped_language(header: str | None, expected: str | None) -> None:
    assert match_language(header) == expected


def test_without_a_header_the_setting_applies_and_system_means_english() -> None:
    assert pick_language("ar", "de") == "ar"
    assert pick_language(None, "de") == "de"
    assert pick_language(None, "system") == "en"
    assert pick_language("ko", None) == "en"


def test_an_unknown_language_writes_english() -> None:
    assert text("xx", "approval.deny") == "Deny"


def test_the_desktop_words_are_in_the_catalog_of_every_language() -> None:
    from kitdesk.i18n.desktop_words import DESKTOP_WORDS

    assert sorted(DESKTOP_WORDS) == sorted(SHIPPED)
    for language in SHIPPED:
        assert DESKTOP_WORDS[language].keys() == DESKTOP_WORDS[DEFAULT_LANGUAGE].keys()
        assert {k: CATALOG[language][k] for k in DESKTOP_WORDS[language]} == DESKTOP_WORDS[language]
    assert text("de", "tray.quit") == "Kitdesk beenden"
    assert text("ar", "hotkey.taken").startswith("يستخدم برنامج آخر")


@pytest.mark.parametrize(
    ("setting", "system", "expected"),
    [
        ("de", ["fr-FR"], "de"),  # the setting wins
        ("system", ["fr-FR", "en-US"], "fr"),
        ("system", ["pt_BR.UTF-8"], "pt-BR"),  # a POSIX locale name
        ("system", ["zh-Hans-CN"], "zh-CN"),
        ("system", ["ko-KR", "ja-JP"], "ja"),  # the first shipped one
        ("system", ["C"], "en"),
        ("system", [], "en"),
        (None, ["sr@latin"], "en"),
    ],
)
def test_the_window_writes_in_the_setting_or_the_systems_language(
    setting: str | None, system: list[str], expected: str
) -> None:
    assert language_for(setting, system) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "de_DE.UTF-8"}, ["de_DE.UTF-8"]),
        ({"LANGUAGE": "fr:es", "LANG": "de_DE.UTF-8"}, ["fr", "es", "de_DE.UTF-8"]),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "de_DE.UTF-8"}, ["ja_JP.UTF-8"]),
        ({"LANGUAGE": "fr", "LANG": "C.UTF-8"}, []),  # glibc ignores LANGUAGE under C
        ({}, []),
    ],
)
def test_posix_locale_variables_name_the_systems_languages(
    env: dict[str, str], expected: list[str]
) -> None:
    from kitdesk.window.language import posix_languages

    assert posix_languages(env) == expected
