# Kitdesk developer entry points.
#   make run     set up .venv, build the web UI when stale, start the app
#   make test    the same set-up plus test tools and system packages, then every check and test
#   make check   lint, format check and type checks (Python and TypeScript)
#   make bench   the benchmarks in tests/bench (prints tables)
#   make soak    the proof suite (tests/proof) with soak budgets: 100+ kills, a bigger fuzz
#   make bundle  the PyInstaller bundle for this OS (see build/README.md)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UNAME := $(shell uname -s)
EXTRAS := $(if $(filter Linux,$(UNAME)),qt,)
WEBUI_OUT := desktop/kitdesk/webui_dist/index.html
WEBUI_SRC := $(shell find webui/src webui/element-demo webui/scripts webui/index.html webui/vite.config.ts webui/vite.element.config.ts webui/vite.element-demo.config.ts webui/tsconfig.json webui/tsconfig.element.json webui/tsconfig.element-demo.json webui/package-lock.json -type f 2>/dev/null)

.PHONY: run serve test check fmt bench soak bundle webui clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[$(EXTRAS),dev]"
	touch $@

webui/node_modules/.package-lock.json: webui/package-lock.json
	cd webui && npm ci --no-audit --no-fund --loglevel=error

$(WEBUI_OUT): webui/node_modules/.package-lock.json $(WEBUI_SRC)
	cd webui && npm run build

webui: $(WEBUI_OUT)

run: $(VENV)/.installed $(WEBUI_OUT)
	$(PY) -m kitdesk

serve: $(VENV)/.installed $(WEBUI_OUT)
	$(PY) -m kitdesk serve

check: $(VENV)/.dev-installed webui/node_modules/.package-lock.json
	$(PY) -m ruff check desktop tests build
	$(PY) -m ruff format --check desktop tests build
	$(PY) -m pyright
	cd webui && npm run typecheck

fmt: $(VENV)/.dev-installed
	$(PY) -m ruff format desktop tests build
	$(PY) -m ruff check --fix desktop tests build

test: $(VENV)/.dev-installed $(WEBUI_OUT)
	bash tests/system-deps.sh
	$(MAKE) --no-print-directory check
	cd webui && npm test
	bash tests/run-pytest.sh

bench: $(VENV)/.dev-installed $(WEBUI_OUT)
	bash tests/run-pytest.sh --bench

soak: $(VENV)/.dev-installed $(WEBUI_OUT)
	bash tests/system-deps.sh
	KITDESK_SOAK=1 KITDESK_PROOF_FIGURES=$${KITDESK_PROOF_FIGURES:-test-artifacts/proof-figures.json} \
		bash tests/run-pytest.sh tests/proof -p no:cacheprovider

bundle: $(VENV)/.dev-installed $(WEBUI_OUT)
	$(PY) -m PyInstaller --noconfirm --clean --distpath build/dist --workpath build/pyinstaller-work build/kitdesk.spec

clean:
	rm -rf $(VENV) webui/node_modules desktop/kitdesk/webui_dist build/dist build/pyinstaller-work
