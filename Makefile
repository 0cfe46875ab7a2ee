# Librarena: `make run` serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export LIBRARENA_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test lint format setup setup-dev translations browsers clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Ralph, a second LRS the forwarding tests send to; its own venv, since its pins clash with ours.
RALPH_STAMP := .venv-ralph/.installed
$(RALPH_STAMP):
	$(PYTHON) -m venv .venv-ralph
	.venv-ralph/bin/pip install --quiet 'ralph-malph[lrs,cli]==5.1.0' requests
	touch $(RALPH_STAMP)

setup: $(STAMP) translations

setup-dev: setup

translations: $(STAMP)
	@$(BIN)/pybabel -q compile -d lms/translations

run: setup
	$(BIN)/librarena db upgrade
	$(BIN)/librarena demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops)"
	$(BIN)/librarena serve --bind 127.0.0.1:5000

test: setup $(RALPH_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the message catalogues from the code and templates (developers).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
