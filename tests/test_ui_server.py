"""The chat UI served: the `chat` command over HTTP, concurrent sessions, the login, and its command line."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading

import pytest
from conftest import LAVROV_QUESTION, ROOT, free_port
from ui_doubles import Parsed, StreamingAssistant

from assistant.cli import build_parser
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.ui import is_loopback, serve

# --- the app over HTTP -------------------------------------------------------------------------


@pytest.mark.slow
def test_the_chat_command_answers_with_the_quote_over_the_api(seed_index, tmp_path):
    """`assistant chat --port N` in a subprocess, driven by gradio_client, stopped with Ctrl+C.

    Extractive mode: deterministic and fast; the streaming path is covered with StreamingAssistant.
    """
    from gradio_client import Client

    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "chat", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_MODE": "extractive"},
                            text=True, preexec_fn=_ctrl_c_delivered,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        lines = _lines(proc)
        url = f"http://127.0.0.1:{port}/"
        _wait_for(lines, f"Chat UI running at {url}", timeout=120)
        client = Client(url, verbose=False)

        messages, box = client.predict(LAVROV_QUESTION, api_name="/ask")
        answer = Parsed(messages[-1]["content"][0]["text"])
        assert any("the agenda is not ready yet" in mark for mark in answer.marks)
        assert box == ""

        messages, box = client.predict("   ", api_name="/ask")
        assert Parsed(messages[-1]["content"][0]["text"]).text.startswith("Error: the question is empty")
        assert "Traceback" not in messages[-1]["content"][0]["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        finally:
            proc.kill()
    assert code == 0


def _ctrl_c_delivered() -> None:
    """A test run started in the background (`make test &`) ignores SIGINT, and children inherit
    that: the server would never see the Ctrl+C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(proc: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, text: str, timeout: float) -> None:
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {text!r} within {timeout} s; output: {''.join(seen)}") from None
        seen.append(line)
        if text in line:
            return


@pytest.mark.slow
def test_concurrent_users_are_served_together_without_mixing_histories():
    from gradio_client import Client

    assistant = StreamingAssistant(barrier=threading.Barrier(2))
    app, url = serve(assistant, port=free_port())
    try:
        ann, bob = Client(url, verbose=False), Client(url, verbose=False)
        jobs = [ann.submit("first from Ann", api_name="/ask"), bob.submit("first from Bob", api_name="/ask")]
        for job in jobs:
            job.result(timeout=60)
        ann.predict("follow-up from Ann", api_name="/ask")
        bob.predict("follow-up from Bob", api_name="/ask")
    finally:
        app.close()

    for name in ("Ann", "Bob"):
        assert assistant.seen[f"follow-up from {name}"] == [
            {"role": "user", "content": f"first from {name}"},
            {"role": "assistant", "content": f"Echo: first from {name}"},
        ]


def test_a_login_is_required_when_configured():
    from gradio_client import Client

    app, url = serve(StreamingAssistant(Settings(ui_user="ann", ui_password="s3 cret")), port=free_port())
    try:
        with pytest.raises(ValueError, match="[Ll]ogin"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="[Ll]ogin"):
            Client(url, auth=("ann", "wrong"), verbose=False)
        messages, _ = Client(url, auth=("ann", "s3 cret"), verbose=False).predict("hi", api_name="/ask")
        assert "Echo: hi" in messages[-1]["content"][0]["text"]
    finally:
        app.close()


def test_half_a_login_and_a_busy_port_are_clear_errors():
    with pytest.raises(ConfigError, match="both ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD"):
        serve(StreamingAssistant(Settings(ui_user="ann")), port=free_port())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}.*--port"):
            serve(StreamingAssistant(), port=port)


# --- command line and settings -----------------------------------------------------------------


def test_chat_listens_on_loopback_by_default_and_the_cli_does_not_import_gradio():
    args = build_parser().parse_args(["chat"])
    assert (args.host, args.port) == ("127.0.0.1", 7860)
    args = build_parser().parse_args(["chat", "--host", "0.0.0.0", "--port", "8080"])
    assert (args.host, args.port) == ("0.0.0.0", 8080)

    code = "import sys, assistant.cli as c; c.build_parser(); print('gradio' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.3.2.1", True), ("localhost", True), ("::1", True),
    ("0.0.0.0", False), ("192.168.1.10", False), ("::", False), ("example.org", False),
])
def test_loopback_hosts_are_told_from_network_ones(host, loopback):
    assert is_loopback(host) is loopback


def test_login_settings_come_from_the_environment():
    settings = Settings.from_env({"ASSISTANT_UI_USER": " ann ", "ASSISTANT_UI_PASSWORD": " pass word "})
    assert (settings.ui_user, settings.ui_password) == ("ann", " pass word ")
    assert "pass word" not in repr(settings)
    assert Settings.from_env({}).ui_user is None and Settings.from_env({}).ui_password is None
