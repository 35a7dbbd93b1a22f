"""Makes the README's window screenshot: the real Kitdesk window under Xvfb, two
conversations answered by the fake upstream, captured with ImageMagick.

    python -m tests.window.make_screenshot [docs/screenshot-window.png]
    python -m tests.window.make_screenshot --dark docs/screenshot-dark.png

Needs Xvfb, dbus-run-session, ImageMagick and the built web UI (make webui).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from tests.upstream import Turn, Upstream
from tests.window import cdp, harness, x11

WIDTH, HEIGHT = 1180, 760
# What the fake provider lists: names a reader recognises rather than test ids.
SHOWN_MODELS = ("gpt-4.1-mini", "gpt-4.1")
DEFAULT_TARGET = harness.REPO / "docs" / "screenshot-window.png"

FIRST_QUESTION = "Suggest three day trips from Lisbon"
FIRST_ANSWER = (
    "Here are three easy day trips, all under an hour away:\n\n"
    "1. **Sintra** - fairy-tale palaces in the hills; start early at Pena Palace.\n"
    "2. **Cascais** - a seaside town with a promenade you can walk to Estoril.\n"
    "3. **Évora** - Roman temple and a medieval old town, a UNESCO site.\n"
)
SECOND_QUESTION = "How do I read a CSV file into a list of dicts in Python?"
SECOND_ANSWER = (
    "Use the standard library's `csv.DictReader`; each row becomes a dict keyed "
    "by the header line:\n\n"
    "```python\n"
    "import csv\n\n"
    'with open("people.csv", newline="", encoding="utf-8") as f:\n'
    "    rows = list(csv.DictReader(f))\n\n"
    'print(rows[0]["name"])\n'
    "```\n\n"
    'Pass `newline=""` so quoted fields with line breaks are read correctly.'
)


def _ask(page: cdp.Page, question: str, answer_start: str) -> None:
    harness.send_message(page, question)
    page.wait_for(
        page.query(
            "openai-chatkit", f".shadowRoot.textContent.includes({json.dumps(answer_start)})"
        ),
        60,
        "the answer",
    )


def main(argv: list[str]) -> int:
    dark = "--dark" in argv
    paths = [arg for arg in argv if arg != "--dark"]
    target = Path(paths[0]) if paths else DEFAULT_TARGET
    with (
        Upstream(models=list(SHOWN_MODELS)) as upstream,
        x11.xvfb(WIDTH, HEIGHT) as display,
        tempfile.TemporaryDirectory() as tmp,
    ):
        home = Path(tmp) / "home"
        (home / "config").mkdir(parents=True)
        (home / "config" / "window.json").write_text(
            json.dumps({"width": WIDTH, "height": HEIGHT, "x": 0, "y": 0, "maximized": False})
        )
        if dark:
            (home / "config" / "settings.json").write_text(json.dumps({"theme": "dark"}))
        upstream.script(Turn(text=FIRST_ANSWER, delay_between=0.01))
        upstream.script_title(Turn(text="Day trips from Lisbon"))
        env = harness.base_env(display) | {
            "OPENAI_API_KEY": "demo-key",
            "OPENAI_BASE_URL": upstream.base_url,
            "OPENAI_DEFAULT_MODEL": SHOWN_MODELS[0],
        }
        app = harness.launch(
            harness.dev_command(), home=home, display=display, env=env, log_path=Path(tmp) / "log"
        )
        try:
            page = harness.attach(app)
            harness.wait_interactive(page)
            _ask(page, FIRST_QUESTION, "Here are three easy day trips")
            time.sleep(1.5)  # let the auto-title arrive
            page.click("button[aria-label='New chat']")
            harness.wait_interactive(page)
            upstream.script(Turn(text=SECOND_ANSWER, delay_between=0.01))
            upstream.script_title(Turn(text="Reading CSV files in Python"))
            _ask(page, SECOND_QUESTION, "Pass newline")
            time.sleep(2.0)  # title, fonts and syntax colours settle
            page.evaluate(  # no focus ring in the picture (the composer lives in a shadow root)
                "(() => { let el = document.activeElement;"
                " while (el && el.shadowRoot && el.shadowRoot.activeElement)"
                " el = el.shadowRoot.activeElement; el && el.blur(); })()"
            )
            page.close()
            x11.screenshot(display, target)
            window = x11.wait_for_window(display, "Kitdesk")
            with x11.Display(display) as dpy:
                dpy.request_close(window.window)
            app.wait(60)
        finally:
            app.kill()
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
