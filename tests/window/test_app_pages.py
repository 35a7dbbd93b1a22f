"""Where each window points: the launch address, the quick window's and one chat's."""

from __future__ import annotations

from kitdesk.window.app_pages import AppPages

LAUNCH = "http://127.0.0.1:8123/k/s3cr3t/?token=abc"


def test_a_window_on_one_chat_carries_the_thread_in_the_fragment() -> None:
    pages = AppPages(origin="http://127.0.0.1:8123", launch=LAUNCH)
    assert pages.main() == LAUNCH
    assert pages.quick() == f"{LAUNCH}#quick"
    assert pages.thread("thr_1") == f"{LAUNCH}#thread=thr_1"
    # Whatever an id holds stays one fragment value (webui threadOfFragment decodes it).
    assert pages.thread("a b/#?&") == f"{LAUNCH}#thread=a%20b%2F%23%3F%26"
