#!/usr/bin/env bash
# Runs the pytest suite from the repo's .venv. Window and keyring tests start
# their own Xvfb and private D-Bus; nothing global is left running.
#   bash tests/run-pytest.sh            the whole suite, a worker per core (up to 4)
#   bash tests/run-pytest.sh --bench    the benchmarks (tables on stdout)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export LANG=${LANG:-C.UTF-8}
if [ "${1:-}" = "--bench" ]; then
  shift
  exec "$PY" -m tests.bench "$@"
fi
# Most of the suite waits on other processes (servers, Chromium, Qt, PyInstaller),
# so a worker per core (up to 4) runs it about 1.5x faster on two cores. A module stays on one
# worker (--dist loadfile): its browser, display or bundle is started once.
# KITDESK_TEST_WORKERS=0 runs everything in this process.
workers=${KITDESK_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}
if [ "$workers" -gt 4 ]; then workers=4; fi
if [ "$workers" -gt 1 ]; then
  exec "$PY" -m pytest -n "$workers" --dist loadfile "$@"
fi
exec "$PY" -m pytest "$@"
