"""Stand-ins for the desktop's own D-Bus services, run inside a window test's private session bus.

Real protocol, no mocks of Kitdesk: a notification daemon
(org.freedesktop.Notifications) that records each Notify call and, when the
test drops a ``click`` file, emits ActionInvoked("default") as a person's click
would; and a StatusNotifier watcher with a host (org.kde.StatusNotifierWatcher),
which is what makes Qt put a tray icon on the bus. When an item registers, its
menu is read over com.canonical.dbusmenu and written out; dropping
``tray-click-<label>`` (with "/" as "_") clicks that entry. Everything is written as JSON lines in
the directory given as the only argument.

Run as ``python desktop_services.py DIR``; it serves until killed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NOTIFICATIONS = "org.freedesktop.Notifications"
WATCHER = "org.kde.StatusNotifierWatcher"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
WATCHER_XML = """<node><interface name="org.kde.StatusNotifierWatcher">
<method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
<method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
<property name="RegisteredStatusNotifierItems" type="as" access="read"/>
<property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
<property name="ProtocolVersion" type="i" access="read"/>
<signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
<signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
<signal name="StatusNotifierHostRegistered"/>
</interface></node>"""


def record(out: Path, name: str, entry: dict[str, Any]) -> None:
    with open(out / name, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def labels_of(layout: Any) -> list[tuple[int, str]]:
    """(id, label) of each entry in a dbusmenu layout (id, props, children)."""
    _, _, children = layout
    found: list[tuple[int, str]] = []
    for _sig, child in children:
        child_id, props, _ = child
        label = props.get("label", ("s", ""))[1]
        if label:
            found.append((child_id, label))
    return found


def main(out: Path) -> None:
    conn = open_dbus_connection(bus="SESSION")
    for name in (NOTIFICATIONS, WATCHER):
        conn.send_and_get_reply(message_bus.RequestName(name))
    items: list[str] = []
    next_id = [0]
    menus: list[tuple[str, str]] = []  # (bus name, menu path) of registered items
    lock = threading.Lock()
    client = open_dbus_connection(bus="SESSION")  # for our own calls to the tray item

    def read_menu(bus_name: str, path: str) -> None:
        time.sleep(0.5)  # Qt exports the menu right after registering
        item = DBusAddress(path, bus_name=bus_name, interface=PROPERTIES)
        reply = client.send_and_get_reply(
            new_method_call(item, "Get", "ss", ("org.kde.StatusNotifierItem", "Menu")), timeout=10
        )
        menu_path = reply.body[0][1]
        menu = DBusAddress(menu_path, bus_name=bus_name, interface="com.canonical.dbusmenu")
        layout = client.send_and_get_reply(
            new_method_call(menu, "GetLayout", "iias", (0, -1, [])), timeout=10
        )
        with lock:
            menus.append((bus_name, menu_path))
        record(out, "tray.jsonl", {"service": bus_name, "menu": labels_of(layout.body[1])})

    def watch_files() -> None:
        while True:
            time.sleep(0.2)
            click = out / "click"
            if click.exists():
                click.unlink()
                conn.send(
                    new_signal(
                        DBusAddress("/org/freedesktop/Notifications", interface=NOTIFICATIONS),
                        "ActionInvoked",
                        "us",
                        (next_id[0], "default"),
                    )
                )
            for request in [*out.glob("tray-open"), *out.glob("tray-click-*")]:
                label = request.name.removeprefix("tray-click-")
                request.unlink()
                with lock:
                    if not menus:
                        continue
                    bus_name, menu_path = menus[-1]
                menu = DBusAddress(menu_path, bus_name=bus_name, interface="com.canonical.dbusmenu")
                # A panel opening the menu says so first (the app may update it), then reads it.
                client.send_and_get_reply(
                    new_method_call(menu, "AboutToShow", "i", (0,)), timeout=10
                )
                layout = client.send_and_get_reply(
                    new_method_call(menu, "GetLayout", "iias", (0, -1, [])), timeout=10
                )
                if request.name == "tray-open":
                    record(
                        out, "tray.jsonl", {"service": bus_name, "menu": labels_of(layout.body[1])}
                    )
                    continue
                for entry_id, entry_label in labels_of(layout.body[1]):
                    if entry_label.replace("&", "").replace("/", "_") == label:
                        client.send(
                            new_method_call(
                                menu,
                                "Event",
                                "isvu",
                                (entry_id, "clicked", ("s", ""), int(time.time())),
                            )
                        )

    threading.Thread(target=watch_files, daemon=True).start()
    (out / "ready").write_text("ready")
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        interface = msg.header.fields.get(HeaderFields.interface)
        member = msg.header.fields.get(HeaderFields.member)
        sender = msg.header.fields.get(HeaderFields.sender, "")
        if member == "Introspect":
            path = msg.header.fields.get(HeaderFields.path)
            xml = WATCHER_XML if path == "/StatusNotifierWatcher" else "<node/>"
            conn.send(new_method_return(msg, "s", (xml,)))
        elif interface == NOTIFICATIONS and member == "Notify":
            app, _replaces, _icon, summary, body, actions, _hints, _timeout = msg.body
            next_id[0] += 1
            record(
                out,
                "notifications.jsonl",
                {
                    "id": next_id[0],
                    "app": app,
                    "summary": summary,
                    "body": body,
                    "actions": actions,
                },
            )
            conn.send(new_method_return(msg, "u", (next_id[0],)))
        elif interface == NOTIFICATIONS and member == "GetCapabilities":
            conn.send(new_method_return(msg, "as", (["actions", "body"],)))
        elif interface == NOTIFICATIONS and member == "GetServerInformation":
            conn.send(new_method_return(msg, "ssss", ("test-daemon", "kitdesk", "1", "1.2")))
        elif member == "RegisterStatusNotifierItem":
            (service,) = msg.body
            # An item names its bus name (Qt), or an object path on the sender's connection.
            bus_name, path = (
                (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
            )
            items.append(bus_name + path)
            conn.send(new_method_return(msg))
            threading.Thread(target=read_menu, args=(bus_name, path), daemon=True).start()
        elif member == "RegisterStatusNotifierHost":
            conn.send(new_method_return(msg))
        elif interface == PROPERTIES and member in ("Get", "GetAll"):
            values = {
                "RegisteredStatusNotifierItems": ("as", list(items)),
                "IsStatusNotifierHostRegistered": ("b", True),
                "ProtocolVersion": ("i", 0),
            }
            if member == "Get":
                conn.send(new_method_return(msg, "v", (values[msg.body[1]],)))
            else:
                conn.send(new_method_return(msg, "a{sv}", (values,)))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("no",)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
