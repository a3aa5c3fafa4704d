"""The no-network claim: the CLI sets the offline environment for its process, the Python API works
offline without changing the caller's environment, and every test (and every subprocess it starts)
runs with sockets blocked except loopback."""

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


OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "ORT_DISABLE_TELEMETRY", "TIKTOKEN_CACHE_DIR",
                     "ANONYMIZED_TELEMETRY", "NLTK_DATA", "TOKENIZERS_PARALLELISM")


def test_the_python_api_answers_offline_without_touching_the_environment(seed_index):
    """Importing the package and answering a question (embedder, sentence splitter, spaCy, Chroma all
    loaded) leaves os.environ as the caller had it, with every outside address blocked."""
    code = ("import json, os, sys; before = dict(os.environ); import assistant; "
            "a = assistant.Assistant(index_dir=sys.argv[1], settings=assistant.Settings(mode='extractive')); "
            "answer = a.ask(sys.argv[2]); a.close(); "
            "print(json.dumps([dict(os.environ) == before, bool(answer.citations)]))")
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code, str(seed_index), LAVROV_QUESTION], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[true, true]"


def test_the_command_line_sets_the_offline_environment_for_its_own_process():
    code = ("import os; from assistant import offline; os.environ['HF_HUB_OFFLINE'] = 'mine'; offline.apply(); "
            "print(os.environ['HF_HUB_OFFLINE'], os.environ['GRADIO_ANALYTICS_ENABLED'], "
            "os.environ['ORT_DISABLE_TELEMETRY'], os.path.isdir(os.environ['TIKTOKEN_CACHE_DIR']))")
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["mine", "False", "1", "True"]  # a value the caller set is kept


def test_a_subprocess_is_guarded_too():
    code = "import socket; socket.create_connection(('1.1.1.1', 443), timeout=1)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0 and "network access blocked in tests" in out.stderr


def test_a_full_question_works_with_the_network_blocked(seed_assistant):
    # Tokenizers, sentence splitter, embedding model and Chroma all load from disk.
    answer = seed_assistant.ask(LAVROV_QUESTION, mode="extractive")
    assert answer.citations and not answer.refused
