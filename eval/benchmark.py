"""Speed, memory and retrieval quality at growing index sizes, beside LlamaIndex's default pipeline.

Why: to know how the assistant behaves on an archive rather than on five articles:
how fast it ingests compared with what the embedding model alone allows, what adding
one article or re-ingesting an unchanged archive costs, how retrieval latency, memory
and disk grow, and whether the seed questions are still answered from the right
passages once thousands of similar articles surround them. Figures and ratios, never
pass/fail: the machine is shared and timings are noisy; ratios measured in the same
run (ingest / raw embedding, ours / peer) are the robust part.

What: each size (in chunks; "seeds" = the five seed articles alone; any other size is
the seeds plus a synthetic archive from eval/bench_corpus.py) is measured in a fresh
subprocess (`--one SIZE`), so peak memory is that size's own. The peer, LlamaIndex's
VectorStoreIndex over Chroma with the same files, the same embedding model and its
splitter set to our chunk size, runs in another subprocess (`--peer SIZE`). Corpora
and indexes live in --workdir (default ~/.cache/assistant-bench/<size>-g<generator
version>/); with --reuse a size whose full ingest finished before skips it and reports
the cached ingest figures, marked with their date; without it everything is rebuilt.

Usage: .venv/bin/python eval/benchmark.py [--sizes seeds,1000,10000,100000]
           [--peer-sizes 1000,10000] [--reuse] [--workdir DIR] [--merge] [--report]
Writes eval/reports/benchmark.json and eval/reports/benchmark.md after each size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import bench_corpus
from attribution_cost import timed_ingest

from assistant import Assistant
from assistant.analysis import terms
from assistant.attribution import nlp
from assistant.chunking import chunk_article
from assistant.corpus import load_file
from assistant.embeddings import as_llama_index
from assistant.evaluation.metrics import evidence_spans, first_hit_rank, hit_at, mean, percentile
from assistant.evaluation.questions import load_questions
from assistant.types import Article

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEEDS = ROOT / "seeds"
QUESTIONS = HERE / "questions.jsonl"
REPORTS = HERE / "reports"
DEFAULT_WORKDIR = Path.home() / ".cache" / "assistant-bench"
RAW_SAMPLE = 2000  # chunk texts embedded to measure the model's own throughput
TOP_K = 10  # passages per search in the latency figures
HIT_K = 5
ATTRIBUTION_COST_MAX = 10000  # chunks: larger indexes are not ingested a second time without attribution
NEAR_COPY = 0.7  # share of an evidence string's terms a passage must hold to count as a copy of it
CLI_QUESTION = "What did Lavrov say about the agenda?"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def latencies(fn: Callable[[str], object], questions: Sequence[str]) -> dict:
    """p50/p95 milliseconds of fn over the questions, after one untimed warm-up call."""
    fn(questions[0])
    ms = [timed(fn, q)[0] * 1000 for q in questions]
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "n": len(ms)}


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def size_dir(workdir: Path, size: str) -> Path:
    return workdir / f"{size}-g{bench_corpus.VERSION}"


def corpus_paths(folder: Path, size: str, settings) -> list[Path]:
    """The folders to ingest for a size: the seeds, plus the synthetic archive (written once per folder)."""
    if size == "seeds":
        return [SEEDS]
    marker = folder / "corpus.json"  # written last: its presence means the archive is complete
    if not marker.exists():
        shutil.rmtree(folder / "corpus", ignore_errors=True)
        count = bench_corpus.articles_for(int(size), settings.chunk_tokens, settings.chunk_overlap_tokens)
        log(f"{size}: writing {count} synthetic articles")
        bench_corpus.write_articles(folder / "corpus", count)
        marker.write_text(json.dumps({"articles": count, "date": now()}), encoding="utf-8")
    return [SEEDS, *sorted((folder / "corpus").glob("part-*"))]


def standalone_questions() -> list[str]:
    """The questions that need no conversation (follow-ups are left out of the latency figures)."""
    return [q.question for q in load_questions(QUESTIONS) if not q.history]


# --- ours: one size, in its own process ---------------------------------------------------------


def measure_ours(size: str, folder: Path, reuse: bool, out: Path) -> None:
    cached = reuse and (folder / "ingest.json").exists()
    if not cached:
        shutil.rmtree(folder / "index", ignore_errors=True)
    assistant = Assistant(index_dir=folder / "index", corpus=[])
    store, catalogue = assistant.index.store, assistant.index.catalogue
    assistant.embedder.embed(["warm-up"])  # models loaded and index open before any clock starts
    nlp()("The parser said it was warm.")
    paths = corpus_paths(folder, size, assistant.settings)
    questions = standalone_questions()
    figures: dict = {"size": size}

    def step(name: str, measure: Callable[[], object]) -> None:
        log(f"{size}: {name}")
        figures[name] = measure()
        out.write_text(json.dumps(figures, indent=2), encoding="utf-8")  # partial figures survive a cut-off

    step("full_ingest", lambda: full_ingest(assistant, paths, folder, cached))
    if int(size if size != "seeds" else 0) <= ATTRIBUTION_COST_MAX:
        step("ingest_without_attribution", lambda: ingest_without_attribution(paths, folder))
        step("attribution_cost", lambda: figures["full_ingest"]["chunks_per_s"]
             / figures["ingest_without_attribution"]["chunks_per_s"])
    step("raw_embedding", lambda: raw_embedding(assistant, paths))
    step("ingest_vs_raw", lambda: figures["full_ingest"]["chunks_per_s"] / figures["raw_embedding"]["chunks_per_s"])
    step("incremental", lambda: incremental(assistant, store, catalogue, folder))
    step("reingest_unchanged", lambda: reingest(assistant, paths))
    step("latency", lambda: {
        "dense": latencies(lambda q: store.query(assistant.embedder.embed([q])[0], TOP_K), questions),
        "keyword": latencies(lambda q: catalogue.search(q, TOP_K), questions),
        "fused": latencies(lambda q: assistant.retrieve(q, k=TOP_K), questions),
        "extractive_answer": latencies(lambda q: assistant.ask(q, mode="extractive"), questions),
    })
    step("seed_questions", lambda: seed_hits(assistant))
    step("feed_check_ms", lambda: latencies(lambda q: catalogue.sync(), questions[:20])["p50_ms"])
    step("open_s", lambda: timed(lambda: Assistant(index_dir=folder / "index", corpus=[]).index)[0])
    step("cold_start", lambda: cold_start(folder / "index"))
    step("peak_memory_mb", peak_memory_mb)
    step("disk_mb", lambda: disk_mb(folder / "index"))


def full_ingest(assistant: Assistant, paths: list[Path], folder: Path, cached: bool) -> dict:
    """Seconds and chunks/s of ingesting everything into an empty index, or the cached figures."""
    cache = folder / "ingest.json"
    if cached:
        return {**json.loads(cache.read_text(encoding="utf-8")), "cached": True}
    seconds, report = timed(assistant.ingest, paths, progress=True)
    figures = {"articles": len(report.added), "chunks": report.chunks, "seconds": seconds,
               "chunks_per_s": report.chunks / seconds, "date": now()}
    cache.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return {**figures, "cached": False}


def ingest_without_attribution(paths: list[Path], folder: Path) -> dict:
    """The same full ingest with who-said-what turned off (Settings.attribute), into a scratch index:
    what finding the statements costs."""
    chunks, seconds = timed_ingest(paths, False, folder / "index-without-attribution", progress=True)
    return {"chunks": chunks, "seconds": seconds, "chunks_per_s": chunks / seconds}


def raw_embedding(assistant: Assistant, paths: list[Path]) -> dict:
    """The embedding model alone on up to RAW_SAMPLE chunk texts of the same corpus: the ceiling for ingest."""
    files = sorted(f for p in paths for f in p.glob("*.txt"))
    random.Random(bench_corpus.SEED).shuffle(files)
    settings, texts = assistant.settings, []
    for file in files:
        for article in load_file(file):
            if isinstance(article, Article):
                texts += [c.text for c in chunk_article(article, settings.chunk_tokens, settings.chunk_overlap_tokens)]
        if len(texts) >= RAW_SAMPLE:
            break
    texts = texts[:RAW_SAMPLE]
    seconds, _ = timed(assistant.embedder.embed, texts)
    return {"chunks": len(texts), "seconds": seconds, "chunks_per_s": len(texts) / seconds}


def incremental(assistant: Assistant, store, catalogue, folder: Path) -> dict:
    """Seconds to add 1, then 10 new articles (new doc ids each run); removed again afterwards."""
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    figures, added = {}, []
    try:
        for count in (1, 10):
            name = f"extra-{stamp}-{count}"
            bench_corpus.write_articles(folder / name, count, namespace=name, prefix=name)
            seconds, report = timed(assistant.ingest, [folder / name])
            added += report.added
            figures[f"add_{count}_s"] = seconds
    finally:  # a cached index must stay the archive it was
        catalogue.written(store.delete_articles(added), {})
        for extra in folder.glob(f"extra-{stamp}-*"):
            shutil.rmtree(extra)
    return figures


def reingest(assistant: Assistant, paths: list[Path]) -> dict:
    seconds, report = timed(assistant.ingest, paths)
    return {"seconds": seconds, "unchanged": len(report.unchanged), "changed": len(report.added) + len(report.updated)}


def seed_hits(assistant: Assistant) -> dict:
    """hit@5 of the answerable seed questions: a top-5 passage from a gold article overlapping gold evidence.

    Follow-ups are searched as `assistant eval` searches them in the extractive mode: the
    question the extractive answer made standalone from the conversation. A miss is also
    counted as "beaten by a near-copy" when a top-5 passage from the synthetic archive holds
    at least NEAR_COPY of the gold evidence's terms: the archive's rewrites of the seed articles
    keep each sentence's shape, so it holds copies of the answer with other names and a few words
    swapped, which no retrieval can tell from the original when the question names nothing they changed.
    """
    texts: dict[str, str] = {}
    hits, near_copies, follow_ups = [], 0, 0
    for q in load_questions(QUESTIONS):
        if not q.answerable:
            continue
        query = q.question
        if q.history:
            follow_ups += 1
            answer = assistant.ask(q.question, history=list(q.history), mode="extractive")
            query = answer.rewritten_question or q.question
        for doc_id in q.gold_docs:
            texts.setdefault(doc_id, assistant.document(doc_id).text)
        spans = evidence_spans(q.gold_docs, q.evidence, texts)
        found = assistant.retrieve(query, k=HIT_K)
        hit = hit_at(first_hit_rank([p.to_dict() for p in found], spans), HIT_K)
        hits.append(float(hit))
        evidence = [set(terms(e)) for e in q.evidence]
        if not hit and any(p.doc_id not in q.gold_docs and any(
                e and len(e & set(terms(p.text))) >= NEAR_COPY * len(e) for e in evidence) for p in found):
            near_copies += 1
    return {f"hit@{HIT_K}": mean(hits), "questions": len(hits), "follow_ups": follow_ups,
            "missed_beaten_by_near_copy": near_copies}


def cold_start(index_dir: Path) -> dict:
    """Wall time of a new CLI process answering one question from this index (ingesting nothing)."""
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_CORPUS": ""}
    command = [sys.executable, "-m", "assistant", "ask", CLI_QUESTION, "--mode", "extractive"]
    seconds, done = timed(subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True)
    figures = {"seconds": seconds, "exit_code": done.returncode, "answer": done.stdout[:160]}
    if done.returncode != 0:
        log(f"cold start exited with {done.returncode}: {done.stderr.strip()[-300:]}")
        figures["stderr"] = done.stderr[-1000:]
    return figures


# --- the peer: LlamaIndex's default pipeline, in its own process -----------------------------------


def measure_peer(size: str, folder: Path, out: Path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    reference = Assistant(corpus=[])  # never opened: only its settings and the shared embedding model
    settings = reference.settings
    reference.embedder.embed(["warm-up"])
    files = sorted(f for p in corpus_paths(folder, size, settings) for f in p.glob("*.txt"))
    peer_dir = folder / "peer-index"
    shutil.rmtree(peer_dir, ignore_errors=True)
    client = chromadb.PersistentClient(path=str(peer_dir), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("peer")

    log(f"{size}: peer ingest of {len(files)} files")
    started = time.perf_counter()
    documents = SimpleDirectoryReader(input_files=files).load_data()
    for document in documents:  # LlamaIndex counts file metadata against the chunk budget: without it,
        document.metadata = {}  # both pipelines cut chunks of the same size and chunks/s compare
    splitter = SentenceSplitter(chunk_size=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap_tokens)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex.from_documents(documents, storage_context=storage,
                                            embed_model=as_llama_index(reference.embedder), transformations=[splitter])
    seconds = time.perf_counter() - started
    chunks = collection.count()
    log(f"{size}: peer retrieval")
    retriever = index.as_retriever(similarity_top_k=TOP_K)
    figures = {"size": size, "documents": len(documents), "chunks": chunks, "ingest_s": seconds,
               "chunks_per_s": chunks / seconds, "retrieval": latencies(retriever.retrieve, standalone_questions()),
               "peak_memory_mb": peak_memory_mb(), "disk_mb": disk_mb(peer_dir)}
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


# --- the whole run --------------------------------------------------------------------------------


def run_child(kind: str, size: str, folder: Path, args: argparse.Namespace) -> dict:
    """`--one` or `--peer` for one size in a fresh process; its figures, even partial ones."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{kind}-figures.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, __file__, f"--{kind}", size, "--out", str(out), "--workdir", str(args.workdir)]
    done = subprocess.run(command + (["--reuse"] if args.reuse else []), cwd=ROOT)
    figures = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"size": size}
    if done.returncode != 0:
        log(f"{size}: the {kind} process exited with {done.returncode}; keeping the figures it left")
        figures["error"] = f"exit code {done.returncode}"
    return figures


def ratios(ours: dict, peer: dict) -> dict:
    """Ours / peer: ingest chunks/s (above 1: ours faster), ingest seconds for the same files (below 1: ours
    faster) and retrieval p50, fused vs peer (below 1: ours faster)."""
    try:
        return {"ingest_chunks_per_s_ours_vs_peer": ours["full_ingest"]["chunks_per_s"] / peer["chunks_per_s"],
                "ingest_seconds_ours_vs_peer": ours["full_ingest"]["seconds"] / peer["ingest_s"],
                "retrieval_p50_fused_vs_peer": ours["latency"]["fused"]["p50_ms"] / peer["retrieval"]["p50_ms"]}
    except KeyError:  # one side missing or cut off
        return {}


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    code = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return {"date": now(), "cpu_count": os.cpu_count(), "cpu_model": model, "platform": platform.platform(),
            "python": platform.python_version(), "load_average_at_start": os.getloadavg(),
            "code": code.stdout.strip()}


def parse_sizes(text: str) -> list[str]:
    sizes = [s.strip().replace(",", "").replace("_", "") for s in text.split(",") if s.strip()]
    for size in sizes:
        if size != "seeds" and not size.isdigit():
            raise SystemExit(f"a size is 'seeds' or a number of chunks, not {size!r}")
    return sizes


def run(args: argparse.Namespace) -> None:
    # The peer only beside our own figures of the same run: a peer alone, merged into another run's
    # column, would replace that column's figures and compare across runs.
    sizes = parse_sizes(args.sizes)
    peer_sizes = [s for s in parse_sizes(args.peer_sizes) if s in sizes]
    columns = sizes
    settings = Assistant(corpus=[]).settings
    results = {"machine": machine(),
               "settings": {"chunk_tokens": settings.chunk_tokens,
                            "chunk_overlap_tokens": settings.chunk_overlap_tokens,
                            "embedding_model": settings.embedding_model, "generator_version": bench_corpus.VERSION,
                            "workdir": str(args.workdir), "reuse": args.reuse},
               "columns": columns, "ours": {}, "peer": {}, "ratios": {}}
    if args.merge and (REPORTS / "benchmark.json").exists():  # keep the other sizes of the last run
        previous = json.loads((REPORTS / "benchmark.json").read_text(encoding="utf-8"))
        for key in ("ours", "peer", "ratios"):
            results[key] = {k: v for k, v in previous[key].items() if k not in columns}
        results["columns"] = sorted({*previous["columns"], *columns}, key=lambda c: -1 if c == "seeds" else int(c))
        results["machine"]["merged_with"] = previous["machine"]["date"]
    for size in columns:
        folder = size_dir(args.workdir, size)
        if not args.reuse:
            shutil.rmtree(folder, ignore_errors=True)
        if size in sizes:
            results["ours"][size] = run_child("one", size, folder, args)
        if size in peer_sizes:
            results["peer"][size] = run_child("peer", size, folder, args)
        results["ratios"][size] = ratios(results["ours"].get(size, {}), results["peer"].get(size, {}))
        write_reports(results)
        log(f"{size}: done; reports written")
    print(table(results))


# --- reports --------------------------------------------------------------------------------------


def get(figures: dict, *keys: str):
    for key in keys:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def pair(figures: dict, *keys: str) -> str:
    """A latency as "p50 / p95" milliseconds."""
    found = get(figures, *keys)
    return "–" if found is None else f"{found['p50_ms']:.1f} / {found['p95_ms']:.1f}"


def ingest_seconds(ours: dict) -> str:
    seconds = fmt(get(ours, "full_ingest", "seconds"), ",.1f")
    if get(ours, "full_ingest", "cached"):
        return f"{seconds} (cached, {ours['full_ingest']['date'][:10]})"
    return seconds


ROWS: list[tuple[str, Callable[[dict, dict, dict], str]]] = [
    ("articles", lambda o, p, r: fmt(get(o, "full_ingest", "articles"), ",")),
    ("chunks", lambda o, p, r: fmt(get(o, "full_ingest", "chunks"), ",")),
    ("full ingest, s", lambda o, p, r: ingest_seconds(o)),
    ("full ingest, chunks/s", lambda o, p, r: fmt(get(o, "full_ingest", "chunks_per_s"), ".1f")),
    ("raw embedding, chunks/s", lambda o, p, r: fmt(get(o, "raw_embedding", "chunks_per_s"), ".1f")),
    ("ingest / raw embedding", lambda o, p, r: fmt(get(o, "ingest_vs_raw"), ".2f")),
    ("full ingest without who-said-what, chunks/s", lambda o, p, r: fmt(
        get(o, "ingest_without_attribution", "chunks_per_s"), ".1f")),
    ("ingest speed, with / without who-said-what", lambda o, p, r: fmt(get(o, "attribution_cost"), ".2f")),
    ("peer (LlamaIndex) chunks", lambda o, p, r: fmt(get(p, "chunks"), ",")),
    ("peer ingest, chunks/s", lambda o, p, r: fmt(get(p, "chunks_per_s"), ".1f")),
    ("ingest chunks/s, ours / peer", lambda o, p, r: fmt(get(r, "ingest_chunks_per_s_ours_vs_peer"), ".2f")),
    ("ingest seconds, same files, ours / peer", lambda o, p, r: fmt(get(r, "ingest_seconds_ours_vs_peer"), ".2f")),
    ("add 1 article, s", lambda o, p, r: fmt(get(o, "incremental", "add_1_s"), ".2f")),
    ("add 10 articles, s", lambda o, p, r: fmt(get(o, "incremental", "add_10_s"), ".2f")),
    ("re-ingest unchanged, s", lambda o, p, r: fmt(get(o, "reingest_unchanged", "seconds"), ".3f")),
    ("dense top-10 p50 / p95, ms", lambda o, p, r: pair(o, "latency", "dense")),
    ("keyword top-10 p50 / p95, ms", lambda o, p, r: pair(o, "latency", "keyword")),
    ("fused top-10 p50 / p95, ms", lambda o, p, r: pair(o, "latency", "fused")),
    ("peer top-10 p50 / p95, ms", lambda o, p, r: pair(p, "retrieval")),
    ("retrieval p50, fused / peer", lambda o, p, r: fmt(get(r, "retrieval_p50_fused_vs_peer"), ".2f")),
    ("extractive answer p50 / p95, ms", lambda o, p, r: pair(o, "latency", "extractive_answer")),
    ("change-feed check (nothing new), ms", lambda o, p, r: fmt(get(o, "feed_check_ms"), ".1f")),
    ("open index in-process, s", lambda o, p, r: fmt(get(o, "open_s"), ".3f")),
    ("cold start `assistant ask`, s", lambda o, p, r: fmt(get(o, "cold_start", "seconds"), ".1f")
        + ("" if get(o, "cold_start", "exit_code") in (0, None) else f" (exit {o['cold_start']['exit_code']})")),
    ("peak memory, MB", lambda o, p, r: fmt(get(o, "peak_memory_mb"), ",.0f")),
    ("index on disk, MB", lambda o, p, r: fmt(get(o, "disk_mb"), ",.1f")),
    ("seed questions hit@5", lambda o, p, r: fmt(get(o, "seed_questions", "hit@5"), ".3f")),
    ("misses beaten by a near-copy of the evidence", lambda o, p, r: fmt(
        get(o, "seed_questions", "missed_beaten_by_near_copy"), "d")),
]


def table(results: dict) -> str:
    columns = results["columns"]
    head = "| measure | " + " | ".join(c if c == "seeds" else f"{int(c):,}" for c in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    for label, cell in ROWS:
        cells = [cell(results["ours"].get(c, {}), results["peer"].get(c, {}), results["ratios"].get(c, {}))
                 for c in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


NOTES = """\
- Sizes are target index sizes in chunks ({chunk_tokens}-token chunks, {chunk_overlap_tokens} overlap); "seeds" is
  the five seed articles alone, every other size is the seeds plus a synthetic archive of real news text with
  names, numbers and dates varied: bulletins of the Lee corpus's 299 ABC news stories, and (2% of the articles)
  rewrites of the seed articles (eval/bench_corpus.py, generator version {generator_version}).
- Full ingest: reading, chunking, embedding ({embedding_model}, ONNX on CPU), Chroma and the keyword catalogue,
  into an empty index, with the model loaded beforehand. Raw embedding: the model alone on up to {raw:,} chunk
  texts of the same corpus, in the same process.
- Add 1 / 10 articles: new files in a new folder, ingested into the built index, then deleted again.
  Re-ingest unchanged: the whole corpus again, nothing to write.
- Latencies over the {questions} questions of eval/questions.jsonl that need no conversation; dense and fused
  include embedding the question. Extractive answer: `ask(mode="extractive")` with the default k.
- Open index in-process: a new `Assistant` on the same index, its `.index` (opening it) timed, with the embedding
  model already loaded and chromadb reusing the client it already has for that path; the cold start (a new CLI
  process, index opened, model loaded, one extractive answer) is the full cost.
- hit@5: the answerable questions (follow-ups made standalone as `assistant eval` does in the extractive mode),
  top 5 of `retrieve(k=5)`, counted when a passage of a gold seed article overlaps gold evidence. "Beaten by a
  near-copy": misses where a top-5 passage of a synthetic article holds at least {near_copy:.0%} of a gold evidence
  string's terms, i.e. the seed's answer sentence with other names and a few words swapped.
- Peer: LlamaIndex's default pipeline (SimpleDirectoryReader over the same files, VectorStoreIndex on Chroma,
  default retriever, dense only) with the same embedding model (through `as_llama_index`, so in LlamaIndex's
  default batches of 10) and its SentenceSplitter set to chunk_size {chunk_tokens}, overlap
  {chunk_overlap_tokens}, and the file metadata SimpleDirectoryReader attaches removed (the splitter counts it
  against the chunk budget, which made 1,315 smaller chunks of the files we cut into 1,026), so both index chunks
  of the same size; its ingest includes reading the files.
- Ratios compare figures of the same run, except a cached full ingest (marked) against a new peer ingest."""


def write_reports(results: dict) -> None:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "benchmark.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    m = results["machine"]
    notes = NOTES.format(**results["settings"], raw=RAW_SAMPLE, questions=len(standalone_questions()),
                         near_copy=NEAR_COPY)
    merged = f" (other sizes from the run of {m['merged_with']})" if m.get("merged_with") else ""
    text = (f"# Benchmark\n\n{m['date']}{merged}, {m['cpu_count']} × {m['cpu_model']}, code {m['code']}\n\n"
            f"{table(results)}\n\n{notes}\n")
    (REPORTS / "benchmark.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="seeds,1000,10000,100000", help="'seeds' and/or chunk counts")
    parser.add_argument("--peer-sizes", default="1000,10000", help="sizes, of --sizes, to run the peer at too")
    parser.add_argument("--reuse", action="store_true", help="reuse cached corpora and full ingests in --workdir")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=f"default {DEFAULT_WORKDIR}")
    parser.add_argument("--merge", action="store_true", help="keep the sizes not measured now from benchmark.json")
    parser.add_argument("--report", action="store_true", help="only write benchmark.md again from benchmark.json")
    parser.add_argument("--one", metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--peer", metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        write_reports(json.loads((REPORTS / "benchmark.json").read_text(encoding="utf-8")))
    elif args.one:
        measure_ours(args.one, size_dir(args.workdir, args.one), args.reuse, args.out)
    elif args.peer:
        measure_peer(args.peer, size_dir(args.workdir, args.peer), args.out)
    else:
        run(args)


if __name__ == "__main__":
    main()
