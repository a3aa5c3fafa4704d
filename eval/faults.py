"""The fault-and-load probe: the reliability claims of docs/reliability.md, run again as a user would.

Why: tests prove each mechanism; this runs the whole probe that found the defects of issue 12,
with real processes and servers, and counts what a user would lose. Counts, never pass/fail on
time: the machine is shared, so latencies are figures to read, not thresholds.

What, each against the real pipeline (bundled MiniLM, embedded Chroma or `chroma run`):
- kill -9: an `assistant ingest` of 120 synthetic articles killed at several moments, then run
  again; the index is audited with Chroma's own client (lost, duplicated, stale articles);
- two writers: two processes ingesting the same articles at once, the articles changing between
  the two requests, 20 rounds with random timing, on an embedded index and on a Chroma server;
- load: 20 chat users asking through the real Gradio app over HTTP (extractive answers, so the
  figures are the app's and the index's, not the language model's) while another process ingests
  100 more articles into the same index; answers checked for the expected quote; then one
  question about an article that process added, asked at once (stale if not found);
- a Chroma server stopped while an app is running, asked, and started again: the app's answers
  before, during (one-line errors, no traceback) and after (recovered, no restart).

Usage: .venv/bin/python eval/faults.py [--workdir DIR] [--rounds 20] [--users 20]
Writes eval/reports/faults.json and eval/reports/faults.md.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]

import bench_corpus  # noqa: E402
from probes import audit, client_for, free_port, run_rounds, start_writer, stop  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.corpus import find_files, read  # noqa: E402
from assistant.errors import StoreUnavailableError  # noqa: E402
from assistant.evaluation.metrics import percentile  # noqa: E402
from assistant.types import Article  # noqa: E402

SEEDS = ROOT / "seeds"
REPORTS = HERE / "reports"
KILL_AFTER = (1.0, 3.0, 6.0, 10.0)  # seconds into an ingest of about 600 chunks
# What each chat user asks, and a phrase the right answer quotes.
LOAD_QUESTIONS = (
    ("What did Lavrov say about the agenda?", "the agenda is not ready yet"),
    ("Where will the next Trump-Putin summit be held?", "Budapest"),
    ("How long did the Alaska meeting between Trump and Putin last?", "three-hour"),
    ("Who said that “Putin only understands force and pressure”?", "Zelensky"),
    ("What did Angela Merkel say about the Alaska summit?", "The articles don't say."),
)
QUOKKA = ("Quokka census\nRangers on Rottnest Island counted 12,400 quokkas this spring.\n",
          "How many quokkas did the rangers count on Rottnest Island?", "12,400")


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def cli(*args: str, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "assistant", "--index-dir", str(index_dir), *args]


def cli_env(chroma_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    return {**env, "ASSISTANT_CORPUS": "", "ASSISTANT_MODE": "extractive",
            **({"ASSISTANT_CHROMA_URL": chroma_url} if chroma_url else {})}


def expected(folders: list[Path]) -> dict[str, str]:
    files, _ = find_files(folders)
    return {a.doc_id: a.content_hash for a in read(files) if isinstance(a, Article)}


def percentiles(values: list[float]) -> dict[str, float | None]:
    return {"p50_s": percentile(values, 50), "p95_s": percentile(values, 95)}


# --- kill -9 during an ingest ----------------------------------------------------------------


def probe_kills(work: Path) -> dict:
    corpus = work / "kill-corpus"
    bench_corpus.write_articles(corpus, 120, namespace="faults-kill")
    want = expected([corpus])
    runs = []
    for delay in KILL_AFTER:
        index = work / f"kill-{delay:g}"
        shutil.rmtree(index, ignore_errors=True)
        env = {**cli_env(), "ASSISTANT_INGEST_BATCH": "64"}  # many batches: a kill lands inside one
        process = subprocess.Popen(cli("ingest", "--quiet", str(corpus), index_dir=index), env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished_first = process.poll() is not None
        process.kill()
        process.wait()
        again = subprocess.run(cli("ingest", "--quiet", str(corpus), index_dir=index), env=env, cwd=ROOT,
                               capture_output=True, text=True)
        counts = audit(client_for(index), want)
        runs.append({"killed_after_s": delay, "finished_before_kill": finished_first,
                     "rerun_exit_code": again.returncode, **counts})
        log(f"kill -9 after {delay:g} s: {counts}")
    return {"runs": runs, "articles": len(want), **_sum(runs)}


def _sum(runs: list[dict]) -> dict[str, int]:
    return {key: sum(r[key] for r in runs) for key in ("lost", "duplicated", "stale")}


# --- two writers -----------------------------------------------------------------------------


def probe_writers(work: Path, rounds: int, chroma_url: str | None) -> dict:
    where = work / ("writers-server" if chroma_url else "writers-embedded")
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    index_dirs = [where / "one", where / "two"] if chroma_url else [where / "index"] * 2
    writers = [start_writer(d, chroma_url) for d in index_dirs]
    try:
        reader = Assistant(index_dir=where / "reader" if chroma_url else index_dirs[0], corpus=[],
                           chroma_url=chroma_url)
        reader.articles()
        client = client_for(chroma_url=chroma_url) if chroma_url else client_for(index_dirs[0])
        started = time.perf_counter()
        totals = run_rounds(where, writers, reader, client, rounds=rounds)
    finally:
        stop(writers)
    log(f"two writers ({'server' if chroma_url else 'embedded'}): {totals}")
    return {"rounds": rounds, "seconds": time.perf_counter() - started, **totals}


# --- chat users while a writer ingests -------------------------------------------------------


def probe_load(work: Path, users: int) -> dict:
    from gradio_client import Client

    from assistant.ui import serve

    index = work / "load-index"
    shutil.rmtree(index, ignore_errors=True)
    extra = work / "load-extra"
    shutil.rmtree(extra, ignore_errors=True)
    bench_corpus.write_articles(extra, 100, namespace="faults-load")
    (extra / "part-000" / "zz_quokka.txt").write_text(QUOKKA[0], encoding="utf-8")
    assistant = Assistant(settings=Settings(index_dir=index, corpus=(SEEDS,), mode="extractive"))
    app, url = serve(assistant, port=free_port())
    results: list[tuple[float, bool]] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        client = Client(url, verbose=False)
        for i in range(len(LOAD_QUESTIONS)):
            question, phrase = LOAD_QUESTIONS[(number + i) % len(LOAD_QUESTIONS)]
            started = time.perf_counter()
            try:
                messages, _ = client.predict(question, api_name="/ask")
                ok = phrase in html.unescape(str(messages[-1]["content"]))
            except Exception:  # noqa: BLE001 - a failed request is a wrong answer here
                ok = False
            with lock:
                results.append((time.perf_counter() - started, ok))

    try:
        alone = Client(url, verbose=False)  # the same questions with no load and no writer: the baseline
        baseline = sum(phrase in html.unescape(str(alone.predict(q, api_name="/ask")[0][-1]["content"]))
                       for q, phrase in LOAD_QUESTIONS)
        writer = subprocess.Popen(cli("ingest", "--quiet", str(extra), index_dir=index), env=cli_env(), cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        writer_overlapped = writer.poll() is None  # still writing when the last user was answered
        _, err = writer.communicate()
        messages, _ = Client(url, verbose=False).predict(QUOKKA[1], api_name="/ask")
        stale = int(QUOKKA[2] not in html.unescape(str(messages[-1]["content"])))
    finally:
        app.close()
    counts = audit(client_for(index), expected([SEEDS, extra]))
    correct = sum(ok for _, ok in results)
    log(f"{users} users: {correct}/{len(results)} right, writer exit {writer.returncode}, {counts}, stale {stale}")
    return {"users": users, "answers": len(results), "correct": correct, "writer_exit_code": writer.returncode,
            "baseline_right_of": [baseline, len(LOAD_QUESTIONS)],
            "writer_still_writing_when_users_done": writer_overlapped, "writer_stderr": err[-300:],
            "lost": counts["lost"], "duplicated": counts["duplicated"], "stale": counts["stale"] + stale,
            "latency": percentiles([s for s, _ in results])}


# --- a Chroma server that goes away ----------------------------------------------------------


def start_chroma(data: Path, port: int) -> subprocess.Popen:
    import httpx

    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("chroma run did not start")


def probe_server_restart(work: Path, port: int, data: Path) -> dict:
    url = f"http://127.0.0.1:{port}"
    question, phrase = LOAD_QUESTIONS[0]
    for old in (data, work / "restart-local"):
        shutil.rmtree(old, ignore_errors=True)
    server = start_chroma(data, port)
    app = Assistant(settings=Settings(index_dir=work / "restart-local", corpus=(SEEDS,), chroma_url=url,
                                      mode="extractive"))
    before = phrase in app.ask(question).text
    server.kill()
    server.wait()
    try:
        app.ask(question)
        during = "answered with the server down"
    except StoreUnavailableError as e:
        during = str(e)
    down_cli = subprocess.run(cli("ask", question, index_dir=work / "restart-local"), env=cli_env(url), cwd=ROOT,
                              capture_output=True, text=True)
    server = start_chroma(data, port)
    try:
        after = phrase in app.ask(question).text
    finally:
        server.kill()
        server.wait()
    figures = {"answered_before": before, "error_while_down": during, "cli_exit_code_while_down": down_cli.returncode,
               "cli_lines_while_down": len(down_cli.stderr.strip().splitlines()),
               "traceback_shown": "Traceback" in down_cli.stderr, "answered_after_restart": after}
    log(f"server stop and restart: {figures}")
    return figures


# --- the whole probe -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="faults-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "workdir": str(work)}
    results["kill"] = probe_kills(work)
    results["writers_embedded"] = probe_writers(work, args.rounds, None)
    port = free_port()
    data = work / "server-data"
    shutil.rmtree(data, ignore_errors=True)
    server = start_chroma(data, port)
    try:
        results["writers_server"] = probe_writers(work, args.rounds, f"http://127.0.0.1:{port}")
    finally:
        server.kill()
        server.wait()
    results["load"] = probe_load(work, args.users)
    results["server_restart"] = probe_server_restart(work, free_port(), work / "restart-data")
    return results


def table(r: dict) -> str:
    k, we, ws, load, sr = r["kill"], r["writers_embedded"], r["writers_server"], r["load"], r["server_restart"]
    lat = load["latency"]
    rows = [
        ("kill -9 during an ingest, then ingest again",
         f"{len(k['runs'])} kills ({', '.join(f'{x:g}' for x in KILL_AFTER)} s in)",
         k["lost"], k["duplicated"], k["stale"], f"{k['articles']} articles each time"),
        ("two writers, one embedded index", f"{we['rounds']} rounds", we["lost"], we["duplicated"],
         we["stale"] + we["reader_stale"], f"{we['seconds']:.0f} s"),
        ("two app instances writing to one Chroma server", f"{ws['rounds']} rounds", ws["lost"], ws["duplicated"],
         ws["stale"] + ws["reader_stale"], f"{ws['seconds']:.0f} s"),
        (f"{load['users']} chat users (HTTP) while another process ingests", f"{load['answers']} answers",
         load["lost"], load["duplicated"], load["stale"],
         f"{load['correct']}/{load['answers']} right (alone, with no writer: {load['baseline_right_of'][0]} of the "
         f"{load['baseline_right_of'][1]} questions); p50 {lat['p50_s']:.2f} s, p95 {lat['p95_s']:.2f} s"),
        ("Chroma server stopped and started under a running app", "1", "–", "–", "–",
         f"before: {'answered' if sr['answered_before'] else 'FAILED'}; down: one-line error "
         f"(CLI exit {sr['cli_exit_code_while_down']}, {sr['cli_lines_while_down']} line, "
         f"traceback {'shown' if sr['traceback_shown'] else 'none'}); after: "
         f"{'answered, no restart' if sr['answered_after_restart'] else 'FAILED'}"),
    ]
    lines = ["| scenario | runs | lost | duplicated | stale | notes |", "|---|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", help="where corpora and indexes go (default: a new temporary folder)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", type=int, default=20)
    results = run(parser.parse_args())
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "faults.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text = f"# Fault-and-load probe\n\n{results['date']}, `python eval/faults.py`\n\n{table(results)}\n"
    (REPORTS / "faults.md").write_text(text, encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
