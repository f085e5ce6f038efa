# 金点子公益创投 platform: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := grants

.PHONY: run test setup test-setup fonts browser translations db lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## fonts: Noto Sans CJK SC for Chinese documents, and HarfBuzz's subsetter that WeasyPrint uses
## to embed only the glyphs a document needs (Debian's fonts-noto-cjk and libharfbuzz-subset0)
DEBIAN_PACKAGES := fonts-noto-cjk libharfbuzz-subset0
fonts:
	@if fc-list 2>/dev/null | grep -q "Noto Sans CJK" && \
		ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing $(DEBIAN_PACKAGES) (document font and font subsetter)"; \
		(apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null)) || \
		echo "could not install $(DEBIAN_PACKAGES); Chinese PDFs need them"; \
	else \
		echo "Chinese PDFs need: sudo apt-get install -y $(DEBIAN_PACKAGES)"; \
	fi

## browser: Debian's Chromium for the browser tests in tests/e2e (Playwright drives it; no
## browser is ever downloaded). Only the test set-up needs it, never `make run`.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing chromium (browser tests)"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) || \
		echo "could not install chromium; the browser tests will be skipped"; \
	else \
		echo "The browser tests need: sudo apt-get install -y chromium"; \
	fi

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d grants/translations -D messages 2>&1 | tail -1

setup: $(VENV)/.installed fonts translations

db: setup
	$(BIN)/flask db upgrade heads
	$(BIN)/flask seed-demo
	$(BIN)/flask pdf warm

## run: the development configuration (GRANTS_ENV=development): plain-http cookies for
## http://127.0.0.1 and rate limits in memory instead of Redis
run: db
	GRANTS_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

test-setup: setup browser $(VENV)/.test-installed

## test: ruff (with its bandit-derived S rules) first — about a second — then the suite on every
## core (pytest-xdist); PYTEST_ARGS="-n 0" runs it in one process
test: test-setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: test-setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/audit_verify.py

clean:
	rm -rf $(VENV) instance .pytest_cache
