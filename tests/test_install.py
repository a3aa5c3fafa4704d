"""A regular (non-editable) install works outside the checkout: the wheel carries the prompts and the
UI's files, and its `assistant` command answers the Lavrov question from a folder the user names."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import LAVROV_DOC, LAVROV_QUESTION, ROOT, SEEDS

pytestmark = pytest.mark.slow


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv holding the built wheel; the dependencies come from the test venv (a path, not an install)."""
    work = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", work, ROOT)
    [wheel] = work.glob("assistant-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    site = Path(run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
                .stdout.strip())
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "--quiet", wheel,
        cwd=work)  # not the checkout, whose assistant.egg-info pip would take for an installed copy
    # After the install (pip would take the test venv's editable install for this one): the dependencies,
    # as a path whose own .pth files, the editable finder among them, are never read.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def test_the_installed_package_is_the_wheel_and_finds_its_files(installed, tmp_path):
    code = ("import assistant, assistant.prompts as p, importlib.resources as r; print(assistant.__file__); "
            "print(len(p.load_prompt('system')) > 100); "
            "print(sorted(f.name for f in r.files('assistant.ui').iterdir() if f.name.endswith(('.css', '.js'))))")
    out = run(installed / "bin" / "python", "-c", code, cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith(str(installed)) and out[1] == "True"
    assert out[2] != "[]"


def test_the_installed_command_answers_the_lavrov_question(installed, tmp_path):
    done = run(installed / "bin" / "assistant", "--index-dir", tmp_path / "index", "--corpus", SEEDS, "ask",
               LAVROV_QUESTION, "--mode", "extractive", "--json", cwd=tmp_path)
    assert f'"doc_id": "{LAVROV_DOC}"' in done.stdout and "the agenda is not ready yet" in done.stdout
    assert (tmp_path / "index" / "chroma").is_dir()  # the index is where it was asked to be
