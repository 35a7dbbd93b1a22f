#!/usr/bin/env bash
# Runs the pytest suite from the repo's .venv. Window and keyring tests start
# their own Xvfb and private D-Bus; nothing global is left running.
#   bash tests/run-pytest.sh            the whole suite
#   bash tests/run-pytest.sh --bench    the benchmarks (tables on stdout)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export LANG=${LANG:-C.UTF-8}
if [ "${1:-}" = "--bench" ]; then
  shift
  exec "$PY" -m tests.bench "$@"
fi
exec "$PY" -m pytest "$@"
