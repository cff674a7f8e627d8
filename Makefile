# Formloom: `make run` serves the app with demo data; `make test` runs the whole suite.
# Both set everything up first (virtualenv, packages, front-end build, browser for tests).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install ui browser lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ui

ui:
	@if [ -f builder/ui/package.json ]; then \
		cd builder/ui && npm ci --no-audit --no-fund && npm run build; \
	fi

browser:
	@scripts/ensure-chromium.sh

run: install
	$(BIN)/formloom db upgrade
	$(BIN)/formloom sandbox install-connectors
	@if [ -f seed_templates/cross_border_returns/manifest.json ]; then \
		$(BIN)/formloom import seed_templates/cross_border_returns; \
	fi
	$(BIN)/formloom users demo
	@echo ""
	@echo "Formloom is running at http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	@echo ""
	$(BIN)/formloom run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

test: install browser lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
