"""Desktop notifications through the freedesktop Notifications service (D-Bus), with click-to-open.

Used when an answer finishes while the window is not focused. Clicking the
notification (its "default" action) calls back with the thread it was about, so
the window can come forward on that thread. jeepney talks to the session bus in
pure Python; with no bus or no notification daemon the notification is skipped
and logged, never an error for the person.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
APP_NAME = "Kitdesk"
EXPIRE_DEFAULT = -1


class DesktopNotifier:
    """Sends notifications and reports clicks; one D-Bus connection, opened on first use."""

    def __init__(self, on_click: Callable[[str], None], icon: str = "") -> None:
        self._on_click = on_click
        self._icon = icon
        self._lock = threading.Lock()
        self._conn: Any = None
        self._threads_by_id: dict[int, str] = {}
        self._listener: threading.Thread | None = None
        self._raw: Any = None
        self._clicks: queue.Queue[Any] = queue.Queue(maxsize=64)

    def notify(self, thread_id: str, title: str, body: str) -> bool:
        """Show a notification about ``thread_id``; False if no notification service answered."""
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import unwrap_msg

        try:
            conn = self._connection()
            address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
            message = new_method_call(
                address,
                "Notify",
                "susssasa{sv}i",
                (
                    APP_NAME,
                    0,
                    self._icon,
                    title[:200],
                    body[:500],
                    ["default", title[:200]],
                    {},
                    EXPIRE_DEFAULT,
                ),
            )
            # The router hands back a D-Bus error as a reply; unwrap_msg raises it instead
            # (with no daemon on the bus: "org.freedesktop.Notifications was not provided").
            (notification_id,) = unwrap_msg(conn.send_and_get_reply(message, timeout=5))
        except Exception as exc:  # no session bus, no daemon, a daemon that broke
            log.info("no notification shown (%s)", type(exc).__name__)
            return False
        with self._lock:
            self._threads_by_id[int(notification_id)] = thread_id
        return True

    def _connection(self) -> Any:
        with self._lock:
            if self._conn is None:
                from jeepney import MatchRule
                from jeepney.bus_messages import message_bus
                from jeepney.io.threading import DBusRouter, open_dbus_connection

                connection = open_dbus_connection(bus="SESSION")
                router = DBusRouter(connection)
                rule = MatchRule(
                    type="signal", interface=BUS_NAME, member="ActionInvoked", path=OBJECT_PATH
                )
                router.filter(rule, queue=self._clicks)
                router.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
                self._conn, self._raw = router, connection
                self._listener = threading.Thread(
                    target=self._listen, name="kitdesk-notifications", daemon=True
                )
                self._listener.start()
            return self._conn

    def _listen(self) -> None:
        while True:
            try:
                signal = self._clicks.get()
            except Exception:
                return
            if signal is None:
                return
            notification_id, action = signal.body
            with self._lock:
                thread_id = self._threads_by_id.pop(int(notification_id), None)
            if thread_id is not None and action == "default":
                log.info("notification clicked; opening its thread")
                try:
                    self._on_click(thread_id)
                except Exception:
                    log.exception("could not open the notified thread")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                with contextlib.suppress(Exception):
                    self._raw.close()
                self._conn = None
                with contextlib.suppress(queue.Full):
                    self._clicks.put_nowait(None)
