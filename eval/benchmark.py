"""Speed and memory figures, with ratios against peers run in the same process.

Figures, not asserts: these machines are shared and noisy, so the useful numbers
are the ratios (our persisted keyword index vs rebuilding it per query, as users
of other tools complain about; hybrid vs dense-only retrieval).

Usage: .venv/bin/python eval/benchmark.py [--articles N] [--questions N]
Writes eval/reports/benchmark.json and benchmark.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from assistant import Assistant
from assistant.chunking import sentence_spans
from assistant.keyword import KeywordIndex

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"


def synthetic_corpus(folder: Path, n: int, seed: int = 7) -> None:
    """n articles made by shuffling the seeds' sentences: realistic vocabulary and lengths."""
    rng = random.Random(seed)
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences += [text[s:e] for s, e in sentence_spans(text)]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(rng.sample(sentences, k=min(len(sentences), rng.randint(15, 40))))
        (folder / f"synthetic_{i:05d}.txt").write_text(f"Synthetic article {i}\n{body}\n", encoding="utf-8")


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": statistics.median(ordered), "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]}


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in (HERE / "questions.jsonl").read_text().splitlines()
                 if line.strip()][: args.questions]

    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    synthetic_corpus(work / "articles", args.articles)
    assistant = Assistant(index_dir=work / "index", corpus=[])
    assistant.articles()  # open the index and load the embedding model outside the timings

    ingest_s, report = timed(assistant.ingest, [SEEDS, work / "articles"])
    reingest_s, _ = timed(assistant.ingest, [SEEDS, work / "articles"])
    store, keyword = assistant._open()

    hybrid = [timed(assistant.retrieve, q)[0] for q in questions]
    embedder = assistant.embedder
    dense = [timed(lambda q: store.query(embedder.embed([q])[0], 20), q)[0] for q in questions]
    keyword_search = [timed(keyword.search, q, 20)[0] for q in questions]
    chunks = store.all_chunks()
    ids, texts = [c.chunk_id for c in chunks], [f"{c.title}\n{c.text}" for c in chunks]

    def rebuild_then_search(q: str) -> None:  # the peer: a keyword index built per query
        peer = KeywordIndex(work / "peer-keyword")
        peer.build(ids, texts, "peer")
        peer.search(q, 20)

    rebuild = [timed(rebuild_then_search, q)[0] for q in questions[:5]]
    answers = [timed(assistant.ask, q, mode="extractive")[0] for q in questions]

    figures = {
        "articles": len(report.added), "chunks": report.chunks,
        "ingest_seconds": ingest_s, "ingest_chunks_per_second": report.chunks / ingest_s,
        "reingest_unchanged_seconds": reingest_s,
        "retrieve_hybrid": percentiles(hybrid), "retrieve_dense_only": percentiles(dense),
        "keyword_search_persisted": percentiles(keyword_search),
        "keyword_rebuilt_per_query": percentiles(rebuild),
        "answer_extractive": percentiles(answers),
        "ratio_keyword_rebuild_vs_persisted": statistics.median(rebuild) / statistics.median(keyword_search),
        "ratio_hybrid_vs_dense_only": statistics.median(hybrid) / statistics.median(dense),
        "ratio_reingest_vs_ingest": reingest_s / ingest_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    out = HERE / "reports"
    out.mkdir(exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    rows = [
        ("corpus", f"{figures['articles']} articles, {figures['chunks']} chunks"),
        ("ingest (embed + index)", f"{ingest_s:.1f} s, {figures['ingest_chunks_per_second']:.1f} chunks/s"),
        ("re-ingest, nothing changed", f"{reingest_s:.2f} s ({figures['ratio_reingest_vs_ingest']:.3f}× a full ingest)"),
        ("hybrid retrieval p50 / p95", "{p50:.3f} / {p95:.3f} s".format(**figures["retrieve_hybrid"])),
        ("dense-only retrieval p50 / p95", "{p50:.3f} / {p95:.3f} s".format(**figures["retrieve_dense_only"])),
        ("keyword search, persisted index, p50", "{p50:.4f} s".format(**figures["keyword_search_persisted"])),
        ("peer: keyword index rebuilt per query, p50", "{p50:.3f} s".format(**figures["keyword_rebuilt_per_query"])),
        ("ratio: rebuilt per query / persisted", f"{figures['ratio_keyword_rebuild_vs_persisted']:.0f}×"),
        ("ratio: hybrid / dense-only", f"{figures['ratio_hybrid_vs_dense_only']:.2f}×"),
        ("extractive answer p50 / p95", "{p50:.3f} / {p95:.3f} s".format(**figures["answer_extractive"])),
        ("peak memory (RSS)", f"{figures['peak_rss_mb']:.0f} MB"),
    ]
    table = "| measure | figure |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    (out / "benchmark.md").write_text(f"# Benchmark\n\n{table}\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
