# 金点子公益创投 platform: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := grants

.PHONY: run test setup test-setup fonts translations db lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## fonts: Noto Sans CJK SC for Chinese documents (Debian's fonts-noto-cjk)
fonts:
	@if fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing fonts-noto-cjk (the document font)"; \
		(apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null)) || \
		echo "could not install fonts-noto-cjk; PDFs need it"; \
	else \
		echo "Chinese PDFs need Noto Sans CJK SC: sudo apt-get install -y fonts-noto-cjk"; \
	fi

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d grants/translations -D messages 2>&1 | tail -1

setup: $(VENV)/.installed fonts translations

db: setup
	$(BIN)/flask db upgrade heads
	$(BIN)/flask seed-demo

run: db
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test-setup: setup $(VENV)/.test-installed

test: test-setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: test-setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/audit_verify.py

clean:
	rm -rf $(VENV) instance .pytest_cache
