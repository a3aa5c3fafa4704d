"""A model server that fails: small loopback servers answer 429, 500, hang, or hang up. The user
gets the quotes with a notice saying why, quickly, and never a traceback."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import LAVROV_QUESTION, free_port, run_cli

from assistant import Assistant, Settings
from assistant.backends import complete
from assistant.backends.openai_server import OpenAIChat
from assistant.errors import GenerationError

FAST = {"ASSISTANT_LLM_TIMEOUT": "0.5", "ASSISTANT_LLM_RETRIES": "2", "ASSISTANT_LLM_RETRY_DELAY": "0.01"}


class FaultServer:
    """Answers every POST the same bad way and counts the requests."""

    def __init__(self, behaviour: str) -> None:
        self.requests = 0
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                server.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if behaviour == "hang":
                    server.release.wait(30)
                elif behaviour == "close":
                    self.close_connection = True
                    self.connection.close()
                else:
                    status = int(behaviour)
                    body = json.dumps({"error": {"message": f"test server says {status}"}}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fault_server(request):
    server = FaultServer(request.param)
    yield server
    server.close()


def assistant_for(index_dir, url):
    return Assistant(index_dir=index_dir, corpus=[], settings=Settings.from_env({"OPENAI_BASE_URL": url, **FAST}))


@pytest.mark.parametrize("fault_server, requests, message", [
    ("429", 3, "answered HTTP 429 (3 attempts): test server says 429"),
    ("500", 3, "answered HTTP 500 (3 attempts): test server says 500"),
    ("503", 3, "answered HTTP 503 (3 attempts): test server says 503"),
    ("close", 3, "could not be reached or dropped the connection (3 attempts)"),
    ("hang", 1, "did not answer within 0.5 s (ASSISTANT_LLM_TIMEOUT)"),
    ("401", 1, "answered HTTP 401: test server says 401"),
], indirect=["fault_server"])
def test_a_failing_server_gives_the_quotes_with_a_notice(seed_index, fault_server, requests, message):
    started = time.perf_counter()
    answer = assistant_for(seed_index, fault_server.url).ask(LAVROV_QUESTION)
    elapsed = time.perf_counter() - started
    assert answer.mode == "extractive" and answer.model is None
    assert answer.notice == (f"the model server at {fault_server.url} {message}; "
                             "showing quotes from the articles instead")
    assert any("the agenda is not ready yet" in c.quote for c in answer.citations)
    assert fault_server.requests == requests
    assert elapsed < 10


@pytest.mark.parametrize("fault_server", ["429"], indirect=True)
def test_retries_back_off_exponentially(fault_server):
    settings = Settings.from_env({"OPENAI_BASE_URL": fault_server.url, "ASSISTANT_LLM_RETRIES": "2",
                                  "ASSISTANT_LLM_RETRY_DELAY": "0.2"})
    started = time.perf_counter()
    with pytest.raises(GenerationError):
        complete(OpenAIChat(settings), [{"role": "user", "content": "hi"}], 16)
    assert 0.6 <= time.perf_counter() - started < 3  # waited 0.2 s, then 0.4 s
    assert fault_server.requests == 3


def test_the_cli_with_an_unreachable_server_prints_the_fallback(seed_index):
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = run_cli("--index-dir", str(seed_index), "ask", LAVROV_QUESTION,
                     env={"OPENAI_BASE_URL": url, "ASSISTANT_LLM_RETRIES": "1", "ASSISTANT_LLM_RETRY_DELAY": "0.01",
                          "ASSISTANT_MODE": ""})  # the default mode: the configured server
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"(the model server at {url} could not be reached or dropped the connection (2 attempts); " \
           "showing quotes from the articles instead)" in result.stdout
    assert "the agenda is not ready yet" in result.stdout and "Sources:" in result.stdout
