"""The no-network claim: the package sets the offline environment itself, and every test
(and every subprocess it starts) runs with sockets blocked except loopback."""

import os
import socket
import subprocess
import sys

import pytest

from conftest import LAVROV_QUESTION
from netguard import NetworkBlocked


def test_the_guard_blocks_outside_addresses_and_allows_loopback():
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()


def test_importing_the_package_sets_the_offline_environment():
    code = ("import os, assistant; "
            "print(os.environ['HF_HUB_OFFLINE'], os.environ['GRADIO_ANALYTICS_ENABLED'], "
            "os.environ['ORT_DISABLE_TELEMETRY'], os.path.isdir(os.environ['TIKTOKEN_CACHE_DIR']))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "ORT_DISABLE_TELEMETRY", "TIKTOKEN_CACHE_DIR")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "False", "1", "True"]


def test_a_subprocess_is_guarded_too():
    code = "import socket; socket.create_connection(('1.1.1.1', 443), timeout=1)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0 and "network access blocked in tests" in out.stderr


def test_a_full_question_works_with_the_network_blocked(seed_assistant):
    # Tokenizers, sentence splitter, embedding model and Chroma all load from disk.
    answer = seed_assistant.ask(LAVROV_QUESTION, mode="extractive")
    assert answer.citations and not answer.refused
