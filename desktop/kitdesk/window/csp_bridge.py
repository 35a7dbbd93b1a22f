"""pywebview's JS bridge made to work under the app's Content-Security-Policy (no eval).

pywebview 6.2 builds each exposed function with ``new Function(...)`` and hands
results back with ``eval(...)``; our CSP refuses both, so without this the
bridge would silently never answer.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

# The app's Content-Security-Policy has no 'unsafe-eval'. pywebview 6.2 builds
# each exposed function with ``new Function(...)`` and hands results back with
# ``eval(...)``, both refused under that policy, so the bridge would silently
# never answer. We build the functions as closures instead and return results
# with run_js (a script injected as-is, which the policy does not restrict).
_NEW_FUNCTION = re.compile(r"new Function\(\s*sanitize_params\(params\),\s*funcBody\s*\)")
_CLOSURE_FUNCTION = """(function (name) {
  return function () {
    var id = (Math.random() + "").substring(2);
    var promise = new Promise(function (resolve, reject) {
      window.pywebview._checkValue(name, resolve, reject, id);
    });
    window.pywebview._jsApiCallback(name, Array.prototype.slice.call(arguments), id);
    return promise;
  };
})(funcName)"""


def make_bridge_csp_safe(window: webview.Window) -> None:
    """Let ``window.pywebview.api`` work on a page whose CSP forbids eval."""
    import webview.util as webview_util

    original = webview_util.load_js_files
    if not getattr(original, "_kitdesk_csp_safe", False):

        def load_js_files(target: webview.Window, platform: str) -> tuple[str, str]:
            js_code, finish_script = original(target, platform)
            js_code, count = _NEW_FUNCTION.subn(_CLOSURE_FUNCTION, js_code)
            if count != 1:
                log.warning("pywebview's api.js changed; the JS bridge may not work under the CSP")
            return js_code, finish_script

        load_js_files._kitdesk_csp_safe = True  # type: ignore[attr-defined]
        webview_util.load_js_files = load_js_files

    def evaluate_without_eval(script: str, callback: object = None) -> object:
        return window.run_js(script)

    window.evaluate_js = evaluate_without_eval  # type: ignore[method-assign]
