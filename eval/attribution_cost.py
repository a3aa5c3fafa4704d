"""What who-said-what costs at ingest, measured in alternating pairs.

Why: the benchmark times one ingest with attribution and, minutes later, one without; on these shared
machines the host's speed drifts by a fifth between the two, so a single pair gave 0.74 one run and
0.87 the next on the same 1,000 chunks. Here the same folder is ingested into fresh scratch indexes,
with and without attribution in turn (`Settings(attribute=False)`), after one warm-up ingest, and the
ratio of each adjacent pair is reported with their median.

Usage: .venv/bin/python eval/attribution_cost.py FOLDER [FOLDER ...] [--pairs 3]
(the benchmark's 1,000-chunk archive: ~/.cache/assistant-bench/1000-g2/corpus, plus seeds/)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import Assistant, Settings  # noqa: E402
from assistant.attribution import nlp  # noqa: E402


def timed_ingest(paths: list[Path], attribute: bool, scratch: Path, progress: bool = False) -> tuple[int, float]:
    """Chunks and seconds of ingesting `paths` into a new index at `scratch`, removed afterwards (a new
    path each time in one process: chromadb keeps a client per path for the life of the process)."""
    shutil.rmtree(scratch, ignore_errors=True)
    with Assistant(index_dir=scratch, corpus=[], settings=Settings(attribute=attribute)) as assistant:
        assistant.embedder.embed(["warm-up"])
        assistant.articles()
        started = time.perf_counter()
        report = assistant.ingest(paths, progress=progress)
        seconds = time.perf_counter() - started
    shutil.rmtree(scratch, ignore_errors=True)
    if report.chunks == 0 or report.unchanged:
        raise SystemExit(f"nothing was ingested into {scratch}")
    return report.chunks, seconds


def ingest_rate(paths: list[Path], attribute: bool, scratch: Path) -> float:
    chunks, seconds = timed_ingest(paths, attribute, scratch)
    return chunks / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    nlp()("The parser said it was warm.")
    with tempfile.TemporaryDirectory() as tmp:
        ingest_rate(args.folders, True, Path(tmp) / "warm-up")  # a process's first ingest loads what later ones reuse
        ratios = []
        for pair in range(1, args.pairs + 1):
            with_ = ingest_rate(args.folders, True, Path(tmp) / f"with-{pair}")
            without = ingest_rate(args.folders, False, Path(tmp) / f"without-{pair}")
            ratios.append(with_ / without)
            print(f"pair {pair}: {with_:.1f} chunks/s with who-said-what, {without:.1f} without: {ratios[-1]:.2f}",
                  flush=True)
    print(f"with / without, median of {len(ratios)}: {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
