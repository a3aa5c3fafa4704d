"""The `assistant eval` command: its options, and running, comparing or gating with them."""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from ..config import PROJECT_ROOT
from ..errors import ConfigError, CorpusError
from .compare import format_comparison
from .gate import DEFAULT_THRESHOLDS, check_thresholds, gate_questions, gate_verdict, load_thresholds
from .questions import load_questions
from .reports import check_report_name, load_report, write_reports
from .runner import ANSWER_K, DEFAULT_MODE, run_evaluation
from .statements import load_statement_labels
from .tables import render_tables

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "questions.jsonl"
DEFAULT_REPORTS_DIR = PROJECT_ROOT / "eval" / "reports"
EXIT_GATE_FAILED = 1


def corpus_index_dir(index_dir: Path, corpus: Sequence[str | Path]) -> Path:
    """A separate index per evaluated corpus, so `eval --corpus` never touches the user's own index."""
    key = "\n".join(sorted(str(Path(p).expanduser().resolve()) for p in corpus))
    return index_dir / f"eval-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def build_assistant(index_dir: str | None, corpus: Sequence[str] | None,
                    configured: Sequence[str | Path] | None = None):
    """The configured assistant over the configured corpus, or one over `corpus` (else the seeds the
    questions are about) in an index of its own beside the configured one, so the user's is not touched."""
    from ..api import Assistant
    from ..config import SEEDS, Settings

    settings = Settings()
    chosen = configured or settings.corpus
    if not corpus and chosen:
        return Assistant(index_dir=index_dir, corpus=list(chosen), settings=settings)
    corpus = corpus or [str(SEEDS)]  # the seeds the questions are about, in an index of their own
    for path in corpus:  # before a folder for its index is made
        if not Path(path).expanduser().exists():
            raise CorpusError(f"no such file or folder: {path}")
    base = Path(index_dir) if index_dir else settings.index_dir
    return Assistant(index_dir=corpus_index_dir(base, corpus), corpus=list(corpus))


def cmd_eval(args: argparse.Namespace) -> int:
    if args.compare:
        a, b = (load_report(p) for p in args.compare)
        print(format_comparison(a, b, (str(args.compare[0]), str(args.compare[1]))))
        return 0
    if args.k < 1:
        raise ConfigError(f"--k must be at least 1, not {args.k}")
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be at least 1, not {args.limit}")
    check_report_name(args.name or args.mode)
    thresholds = load_thresholds(args.thresholds, args.mode) if args.gate else None  # before any answering
    questions = load_questions(args.questions)[: args.limit]
    if args.gate:
        questions = gate_questions(questions, args.mode)
    assistant = build_assistant(args.index_dir, args.corpus, args.global_corpus)
    labels = load_statement_labels() if not args.corpus else None  # they label seeds/, never another corpus
    report = run_evaluation(assistant, questions, mode=args.mode, k=args.k, questions_file=args.questions,
                            progress=True, labels=labels)
    paths = write_reports(report, args.reports_dir, args.name or args.mode)
    print(render_tables(report["aggregates"]))
    print()
    for path in paths:
        print(f"wrote {path}")
    if thresholds is None:
        return 0
    failures = check_thresholds(report["aggregates"]["overall"], thresholds)
    verdict = gate_verdict(failures, thresholds, f"{args.thresholds}, {args.mode} mode")
    print(verdict, file=sys.stderr if failures else sys.stdout)
    return EXIT_GATE_FAILED if failures else 0


def add_eval_command(sub) -> None:
    """Register `assistant eval` on the CLI's subparsers."""
    from ..backends import answer_modes

    p = sub.add_parser("eval", help="score retrieval, citations, facts and refusals on a fixed question set")
    p.add_argument("--mode", choices=answer_modes(), default=DEFAULT_MODE,
                   help=f"answer mode (default: {DEFAULT_MODE})")
    p.add_argument("--questions", default=str(DEFAULT_QUESTIONS), metavar="FILE",
                   help="question file (default: eval/questions.jsonl)")
    p.add_argument("--corpus", nargs="+", action="extend", metavar="PATH",
                   help="evaluate over these files or folders, in a separate index (default: the configured "
                        "corpus, else seeds/)")
    p.add_argument("--k", type=int, default=ANSWER_K, help=f"passages to answer from (default: {ANSWER_K})")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N questions")
    p.add_argument("--name", default=None, help="report name (default: the mode)")
    p.add_argument("--reports-dir", default=str(DEFAULT_REPORTS_DIR), metavar="DIR",
                   help="where reports go (default: eval/reports)")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"),
                   help="show what improved and regressed from report A to report B (no evaluation run)")
    p.add_argument("--gate", action="store_true",
                   help="exit 1, naming each miss, when an overall figure misses the mode's thresholds "
                        "(a model mode runs on every second question of each category)")
    p.add_argument("--thresholds", default=str(DEFAULT_THRESHOLDS), metavar="FILE",
                   help="thresholds for --gate (default: eval/thresholds.json)")
    p.set_defaults(func=cmd_eval)
