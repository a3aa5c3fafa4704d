"""`assistant chat`: the subcommand that opens the chat UI and blocks until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .app import DEFAULT_HOST, DEFAULT_PORT, is_loopback, serve

if TYPE_CHECKING:
    from ..api import Assistant


def chat_assistant(args: argparse.Namespace) -> Assistant:
    """The Assistant the UI answers with; the only place the chat command builds one. With no
    `--corpus` and an empty index the UI opens empty, and its Articles tab takes uploads."""
    from ..api import Assistant

    return Assistant(index_dir=args.index_dir, corpus=args.global_corpus)


def cmd_chat(args: argparse.Namespace) -> int:
    assistant = chat_assistant(args)
    print("Opening the index…", flush=True)
    app, url = serve(assistant, args.host, args.port)
    print(f"Chat UI running at {url} (Ctrl+C to stop)", flush=True)
    if not is_loopback(args.host) and assistant.settings.ui_user is None:
        print(f"warning: listening on {args.host} without a password: anyone who can reach this machine can "
              f"ask and upload articles; set ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD", file=sys.stderr)
    app.block_thread()
    return 0


def add_chat_command(sub) -> None:
    p = sub.add_parser("chat", help="open the chat UI (a local web app)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
                        f"0.0.0.0 opens it to the network)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.set_defaults(func=cmd_chat)
