"""What a hotkey is: the words a person writes ("Ctrl+Alt+Space") parsed into a
platform-neutral ``Hotkey``, and the errors that say why one cannot be used.

Kept apart from hotkey.py so each platform module (hotkey_x11, hotkey_windows,
hotkey_macos) can read these without importing the module that picks it.
Errors carry a catalog key, so the reason reaches the person in their language
(``HotkeyError.sentence``); ``str(error)`` is the English sentence for logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from kitdesk.i18n import DEFAULT_LANGUAGE, text

# Neutral modifier names, in the order a hotkey keeps them.
MODIFIERS = ("ctrl", "alt", "shift", "super")
MODIFIER_ALIASES = {
    "ctrl": "ctrl",
    "control": "ctrl",
    "alt": "alt",
    "option": "alt",
    "opt": "alt",
    "shift": "shift",
    "super": "super",
    "meta": "super",
    "win": "super",
    "cmd": "super",
    "command": "super",
}
# Key names as X keysyms name them (the neutral names every platform module maps).
KEY_ALIASES = {
    "space": "space",
    "enter": "Return",
    "return": "Return",
    "tab": "Tab",
    "esc": "Escape",
    "escape": "Escape",
    "backspace": "BackSpace",
    "delete": "Delete",
    "del": "Delete",
    "insert": "Insert",
    "ins": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "Prior",
    "pgup": "Prior",
    "prior": "Prior",
    "pagedown": "Next",
    "pgdn": "Next",
    "next": "Next",
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    ",": "comma",
    ".": "period",
    "-": "minus",
    "=": "equal",
    "/": "slash",
    ";": "semicolon",
    "'": "apostrophe",
    "[": "bracketleft",
    "]": "bracketright",
    "\\": "backslash",
    "`": "grave",
}


class HotkeyError(ValueError):
    """The hotkey cannot be used; ``sentence(language)`` says why, ``str()`` in English."""

    def __init__(self, catalog_key: str, /, **values: object) -> None:
        self.catalog_key = catalog_key
        self.values = values
        super().__init__(text(DEFAULT_LANGUAGE, catalog_key, **values))

    def sentence(self, language: str) -> str:
        return text(language, self.catalog_key, **self.values)


class HotkeyTaken(HotkeyError):
    """Another program already holds this key combination."""

    def __init__(self) -> None:
        super().__init__("hotkey.taken")


@dataclass(frozen=True)
class Hotkey:
    modifiers: tuple[str, ...]  # neutral names from MODIFIERS, in that order
    key: str  # an X keysym name: space, k, F5, Return, comma

    @classmethod
    def parse(cls, words: str) -> Hotkey:
        """'Ctrl+Alt+Space' -> Hotkey; HotkeyError with a sentence for anything else."""
        parts = [part.strip() for part in words.split("+") if part.strip()]
        if len(parts) < 2:
            raise HotkeyError("hotkey.not_combination", text=words)
        *mods, key = parts
        chosen: set[str] = set()
        for mod in mods:
            name = MODIFIER_ALIASES.get(mod.lower())
            if name is None:
                raise HotkeyError("hotkey.not_modifier", name=mod)
            chosen.add(name)
        return cls(tuple(m for m in MODIFIERS if m in chosen), key_name(key))


def key_name(key: str) -> str:
    """The neutral (X keysym) name of a key as a person writes it: 'Enter' -> 'Return'."""
    alias = KEY_ALIASES.get(key.lower())
    if alias is not None:
        return alias
    if len(key) == 1:
        return key.lower()
    if key[:1] in "fF" and key[1:].isdigit():
        return f"F{int(key[1:])}"
    return key  # any other X keysym name (XF86AudioPlay); the other platforms refuse it
