"""The `assistant` command: a thin layer over the Python API.

Every user-facing failure prints one line naming the problem and exits non-zero;
no traceback reaches the terminal (ASSISTANT_DEBUG=1 shows it for bug reports).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence

from . import offline
from .errors import AssistantError

EXIT_USER_ERROR = 2


def _assistant(args: argparse.Namespace, need_articles: bool = False):
    """The Assistant the options name; `need_articles`: an empty index is an error that says what to do
    (a first run has no default corpus: the articles to read are the user's choice)."""
    from .api import Assistant
    from .errors import CorpusError

    assistant = Assistant(index_dir=args.index_dir, corpus=args.global_corpus)
    if need_articles and not assistant.articles():
        raise CorpusError(f"the index at {assistant.settings.index_dir} holds no articles yet: add some with "
                          "`assistant ingest PATH`, or name them with `assistant --corpus PATH ...` "
                          "(in a checkout, `--corpus seeds` holds five example articles)")
    return assistant


def cmd_ingest(args: argparse.Namespace) -> int:
    report = _assistant(args).ingest(args.paths, prune=args.prune, progress=not args.quiet, replace=args.replace)
    if args.json:
        print(report.to_json(indent=2))
    else:
        for skipped in report.skipped:
            print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
        print(report.summary())
    return 1 if report.conflicts else 0


def cmd_ask(args: argparse.Namespace) -> int:
    answer = _assistant(args, need_articles=True).ask(args.question, mode=args.mode, k=args.k)
    if args.json:
        print(answer.to_json(indent=2))
        return 0
    print(format_answer(answer))
    return 0


def cmd_said(args: argparse.Namespace) -> int:
    assistant = _assistant(args, need_articles=True)
    if args.speaker is None:
        speakers = assistant.speakers()
        if args.json:
            print(json.dumps([s.to_dict() for s in speakers], ensure_ascii=False, indent=2))
        for s in speakers if not args.json else ():
            roles = f" ({'; '.join(s.roles[:2])})" if s.roles else ""
            print(f"{s.name}{roles}: {s.statements} statements in {len(s.doc_ids)} articles  [{s.speaker}]")
        return 0
    statements = assistant.statements(args.speaker, about=args.about, k=args.k)
    if args.json:
        print(json.dumps([s.to_dict() for s in statements], ensure_ascii=False, indent=2))
        return 0
    if not statements:
        print(f"{args.speaker} is quoted, but not about {args.about!r}")
        return 0
    for s in statements:
        when = f", {s.published}" if s.published else ""
        print(f"{s.speaker_name or s.speaker} ({s.kind}; {s.title}{when}; {s.doc_id}, characters {s.start}-{s.end}):")
        print(f"    {s.quote}" if s.quote[:1] in "“\"" else f"    “{s.quote}”")
    return 0


def format_answer(answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines.append(f"({answer.notice})")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"[{c.number}] {c.title} ({c.doc_id}, characters {c.start}-{c.end})")
            lines.append(f"    “{c.quote}”")
    for sentence in answer.unsupported if not answer.refused else ():  # a refusal shows no model words
        lines.append(f"(unsupported by the articles: {sentence})")
    for quote in answer.unverified_quotes:
        lines.append(f"(quote not found in the cited articles: “{quote}”)")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Grounded, cited answers from news articles.")
    parser.add_argument("--index-dir", help="where the index lives (default: ASSISTANT_INDEX_DIR, else the "
                                            "user data folder, ~/.local/share/assistant/index on Linux)")
    parser.add_argument("--corpus", dest="global_corpus", action="append", metavar="PATH",
                        help="files or folders to ingest when the index is first opened, a no-op when they did "
                             "not change (repeatable; default: ASSISTANT_CORPUS, else none)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles from files or folders")
    p.add_argument("paths", nargs="+", help="files (.txt .md .html .json .jsonl) or folders")
    p.add_argument("--prune", action="store_true", help="remove indexed articles whose files are gone")
    p.add_argument("--replace", action="store_true",
                   help="let an article replace an indexed one with the same id that came from another file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with verbatim quotes")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve (default: ASSISTANT_TOP_K or 5)")
    p.add_argument("--mode", default=None,
                   help="extractive, local or openai (default: ASSISTANT_MODE, else a configured OpenAI-compatible "
                        "server, else the local model if installed, else extractive)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("said", help="who said what: a speaker's statements, or everyone quoted")
    p.add_argument("speaker", nargs="?", help="a name as the articles write it (Lavrov, Sergey Lavrov, The Guardian); "
                                              "leave out to list everyone quoted")
    p.add_argument("--about", default=None, help="what about: their statements on this come first")
    p.add_argument("--k", type=int, default=20, help="how many statements (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_said)

    from .evaluation import add_eval_command
    from .ui import add_chat_command

    add_eval_command(sub)
    add_chat_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    offline.apply()  # this process is ours: keep every library offline before any of them loads
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `assistant ask ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # noqa: BLE001 - never show a traceback to a user
        if os.environ.get("ASSISTANT_DEBUG"):
            traceback.print_exc()
        print(f"error: unexpected {type(e).__name__}: {e} (set ASSISTANT_DEBUG=1 to see the details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
