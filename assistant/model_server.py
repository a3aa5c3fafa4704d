"""`python -m assistant.model_server --model FILE.gguf ...`: llama.cpp's OpenAI-compatible server on the
CPU variant this machine runs best (see llama_cpu.py); every option is llama_cpp.server's.

A llama.cpp built with its CPU code as loadable variants has no CPU code until one is loaded, so
`python -m llama_cpp.server` alone cannot load a model from this project's build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import offline
from .errors import AssistantError
from .llama_cpu import cpu_backend


def main(argv: list[str] | None = None) -> None:
    offline.apply()
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--model")
    model = parser.parse_known_args(args)[0].model
    if model is None:
        sys.exit("error: --model FILE.gguf is required")
    try:
        cpu_backend(Path(model))
        from llama_cpp.server.__main__ import main as serve
    except AssistantError as e:
        sys.exit(f"error: {e}")
    except ImportError as e:
        sys.exit(f"error: llama.cpp's server is not installed ({e.name}): "
                 "pip install 'llama-cpp-python[server]==0.3.36'")

    sys.argv = [sys.argv[0], *args]
    serve()


if __name__ == "__main__":
    main()
