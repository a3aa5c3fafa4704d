# Two commands do all the set-up on a fresh machine:
#   make run    install, build the index from seeds/ and answer a question (Q="...")
#   make test   install with the test tools and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
Q ?= What did Lavrov say about the agenda?

.PHONY: run test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --progress-bar on -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/assistant ask "$(Q)"

test: $(VENV)/.installed
	$(BIN)/python -m pytest
