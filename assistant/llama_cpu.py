"""llama.cpp's CPU code, chosen at run time for the machine it runs on.

The Makefile builds llama.cpp with GGML_BACKEND_DL and GGML_CPU_ALL_VARIANTS: one CPU backend per
instruction-set level (haswell, icelake, zen4, sapphirerapids ...), each able to say whether this
CPU can run it (`ggml_backend_score`, 0 when it cannot). The best one is loaded before the first
model: on an AVX-512 machine prompts are read about twice as fast as by the portable AVX2 build
(see docs/answer-modes.md#the-cpu-code-llamacpp-runs). One case a CPU's own report cannot settle:
virtual machines that report AMX but do not let a process use it, where the first prompt kills the
process. An AMX level is therefore tried on a short prompt in a child process first and passed over
if that fails.

A build without variants has its CPU code linked in; it is probed the same way when it uses AMX.
"""

from __future__ import annotations

import ctypes
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import ModelUnavailableError

AMX_LEVELS = ("sapphirerapids",)  # the variants that use AMX tiles
PROBE_TIMEOUT = 300
REBUILD = ('CMAKE_ARGS="-DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF" '
           "pip install --force-reinstall --no-deps --no-cache-dir llama-cpp-python==0.3.36")

Probe = Callable[[Path, "Path | None"], bool]


def runs_in_child(model: Path, variant: Path | None) -> bool:
    """Does a prompt run with this CPU variant (None: the built-in code)? Tried in a child process,
    which a CPU fault kills instead of the caller."""
    code = "import sys; from assistant.llama_cpu import _probe; _probe(*sys.argv[1:])"
    try:
        done = subprocess.run([sys.executable, "-c", code, str(model), str(variant or "")],
                              capture_output=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _probe(model: str, variant: str) -> None:
    """In the child: load the variant (or none), then a model, and read a short prompt."""
    if variant and not _ggml().ggml_backend_load(variant.encode()):
        sys.exit(3)
    from llama_cpp import Llama

    Llama(model, n_ctx=64, n_threads=1, verbose=False).create_completion("one two three", max_tokens=1)


def _ggml() -> ctypes.CDLL:
    import llama_cpp

    # llama.cpp's log goes through this logger; "loaded CPU backend from ..." is not for the user.
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
    # libllama needs libggml.so.0: the wheel holds it as a file of its own beside libggml.so, and only
    # the copy libllama uses holds the registry of loaded backends.
    ggml = ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / "libggml.so.0"))
    ggml.ggml_backend_load.restype = ctypes.c_void_p
    ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    return ggml


def variants() -> list[Path]:
    """The CPU variants of this llama.cpp build (none for a build with its CPU code linked in)."""
    import llama_cpp

    package = Path(llama_cpp.__file__).parent
    found = {p.name: p for folder in (package / "lib", package.parent / "bin")
             for p in sorted(folder.glob("libggml-cpu-*.so"))}
    return list(found.values())


def ranked(paths: Sequence[Path]) -> list[Path]:
    """The variants this CPU reports it can run, best first."""
    scores = []
    for path in paths:
        try:
            score = ctypes.CDLL(str(path)).ggml_backend_score()
        except (OSError, AttributeError):
            continue
        if score > 0:
            scores.append((score, path))
    return [path for _, path in sorted(scores, key=lambda sp: -sp[0])]


def level(variant: Path) -> str:
    return variant.stem.removeprefix("libggml-cpu-")


def load_cpu_backend(model: Path, candidates: Sequence[Path] | None = None, probe: Probe = runs_in_child) -> str:
    """Load the best CPU variant that runs here and say which ("zen4"; "built-in" for a build without
    variants). `candidates`: variants in order of preference (default: this CPU's, best first)."""
    available = variants()
    if not available and candidates is None:
        import llama_cpp

        if b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info() and not probe(model, None):
            raise ModelUnavailableError(
                "llama.cpp failed on a test prompt; if this machine cannot run the AMX instructions its "
                f"llama-cpp-python build uses, rebuild it: {REBUILD}")
        return "built-in"
    ggml = _ggml()
    if candidates is None:
        candidates = ranked(available)
    for variant in candidates:
        if level(variant) in AMX_LEVELS and not probe(model, variant):
            continue  # reports AMX, cannot run it
        if ggml.ggml_backend_load(str(variant).encode()):
            return level(variant)
    raise ModelUnavailableError(f"none of llama.cpp's CPU variants runs on this machine; rebuild it: {REBUILD}")


_chosen: list[str] = []
_choosing = threading.Lock()


def cpu_backend(model: Path) -> str:
    """Once per process (backends go into llama.cpp's process-wide registry), whichever model and
    thread asks first."""
    with _choosing:
        if not _chosen:
            _chosen.append(load_cpu_backend(model))
        return _chosen[0]
