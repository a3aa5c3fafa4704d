from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SEEDS = ROOT / "seeds"
ARTIFACTS = TESTS / "artifacts"
LAVROV_DOC = "000_2e1743cf2fe1a151"
LAVROV_QUESTION = "What did Lavrov say about the agenda?"

sys.path.insert(0, str(TESTS))
import netguard  # noqa: E402

netguard.install()
# Subprocesses get the same guard, and nothing from the developer's own settings.
os.environ["PYTHONPATH"] = os.pathsep.join([str(TESTS / "sitecustomize"), os.environ.get("PYTHONPATH", "")])
for name in [n for n in os.environ if n.startswith("ASSISTANT_") or n.startswith("OPENAI_")]:
    del os.environ[name]
# Quotes unless a test asks for a model: the default-mode choice is tested with explicit Settings.
os.environ["ASSISTANT_MODE"] = "extractive"

from probes import free_port  # noqa: E402,F401  - re-exported for the tests

from assistant import Assistant  # noqa: E402


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index over the five seeds, built once per test session."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    Assistant(index_dir=index_dir, corpus=[SEEDS]).articles()
    return index_dir


@pytest.fixture
def seed_assistant(seed_index, tmp_path) -> Assistant:
    """An Assistant over its own copy of the seed index, free to change it."""
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    return Assistant(index_dir=index_dir, corpus=[SEEDS])


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """A writable copy of the seeds."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


def assistant_over(tmp_path: Path, text: str, **kwargs) -> Assistant:
    """An Assistant over one article of our own (its first line the title), in its own index."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "article.txt").write_text(text, encoding="utf-8")
    return Assistant(index_dir=tmp_path / "index", corpus=[folder], **kwargs)


def chroma_collection(index_dir: Path, name: str = "articles_chunks"):
    """A collection of an embedded index, read with Chroma's own client: what is really stored."""
    import chromadb

    client = chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"),
                                       settings=chromadb.config.Settings(anonymized_telemetry=False))
    return client.get_collection(name)


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float, log: Path | None = None) -> None:
    """Poll a server started by a test until `url` answers 200; fail with its log if it dies or never does."""
    import httpx

    def tail() -> str:
        return log.read_text(errors="replace")[-2000:] if log and log.exists() else ""

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited before serving {url}: {tail()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds:g} s: {tail()}")


CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists():
        pytest.fail(f"the chroma command is missing at {CHROMA}")
    port = free_port()
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/api/v2/heartbeat", process, 30)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()
