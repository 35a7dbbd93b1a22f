"""qtpy's unscoped Qt enum names, made only for the classes our Qt code writes them on.

Under PyQt6, enum members are scoped (``Qt.WindowType.WindowStaysOnTopHint``);
pywebview's Qt backend writes them PyQt5's way (``Qt.WindowStaysOnTopHint``),
which qtpy allows by giving every class of QtCore, QtGui and QtWidgets its
enums' members as attributes when those modules are first imported
(``qtpy.enums_compat.promote_enums``). That walks 362 classes and makes sip
build each one's attributes: 110-120 ms of pure Python holding the GIL, on the
launch's critical path and racing the server's start-up, measured here; with
only the classes below, about 10 ms.

The code that runs on qtpy in Kitdesk (pywebview's Qt backend and
``kitdesk/window/``) writes unscoped names on six classes, listed in
``PROMOTED``. ``tests/window/test_qt_enums.py`` reads that code for every
``Class.Name`` of a Qt class and checks that each one qtpy's full walk resolves
still resolves, so a pywebview that starts writing another fails there, before
any person meets the AttributeError.
"""

from __future__ import annotations

import enum
from types import ModuleType

PROMOTED = frozenset({"Qt", "QEvent", "QFile", "QFileDialog", "QMessageBox", "QSystemTrayIcon"})


def _promote_class(klass: type) -> None:
    """qtpy's promotion for one class: each enum's members become the class's attributes."""
    for name in [name for name in dir(klass) if name[:1].isupper()]:
        attribute = getattr(klass, name)
        if isinstance(attribute, enum.EnumMeta):
            for member, value in attribute.__members__.items():
                setattr(klass, member, value)


def _promote_used(module: ModuleType) -> None:
    for name in PROMOTED:
        klass = getattr(module, name, None)
        if isinstance(klass, type):
            _promote_class(klass)


def promote_only_used_enums() -> bool:
    """Make qtpy promote only ``PROMOTED``'s enums; call before any ``qtpy.Qt*`` module
    is imported. False where qtpy does not run on PyQt6 (nothing to change)."""
    try:
        import qtpy
        from qtpy import enums_compat
    except Exception:  # no Qt binding: the window says so when it starts
        return False
    if not qtpy.PYQT6:
        return False
    # qtpy's Qt* modules look the function up in enums_compat when they load.
    enums_compat.promote_enums = _promote_used
    return True
