# Two commands for a fresh machine:  make demo   and   make test
# Each creates or reuses .venv, installs what it needs, and runs.
# The install step also compiles geoaccess's numba kernels into numba's cache
# ($NUMBA_CACHE_DIR when set, else __pycache__ beside the sources), so no command compiles.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
OUT    ?= out/demo

.PHONY: demo test bench install clean chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m geoaccess.engine.precompile
	@command -v osmium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get -qq update && apt-get -qq install -y osmium-tool >/dev/null 2>&1) || echo "note: osmium-tool not installed; the PBF→XML test uses pyosmium's writer instead"; }
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) chromium

# Debian's Chromium for the browser tests of the HTML maps (tests/test_html_browser.py); checked on every
# `make test`, so a machine without it gets it. Playwright (a test extra) drives it; no browser is downloaded.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get -qq update && apt-get -qq install -y chromium chromium-driver >/dev/null 2>&1) || echo "note: Chromium could not be installed; the browser tests of the HTML maps are skipped"; }

demo: $(STAMP)
	$(BIN)/geoaccess demo --out $(OUT)

# lint and types first (configured in pyproject.toml), so a new finding fails the run before the tests
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

bench: $(STAMP)
	bash benchmarks/setup_peers.sh
	.venv-bench/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) .venv-bench out .pytest_cache
