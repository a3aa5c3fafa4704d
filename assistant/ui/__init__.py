"""The Gradio chat UI, `assistant chat`.

It only renders and wires; answering, retrieval and ingestion stay in `Assistant`.

- render.py: HTML of answers, sources, statements and reports, everything from an article or model escaped
- chat.py: one chat turn streamed into messages, with the plain history for follow-ups
- uploads.py, who_said.py: the Articles and Who said what tabs
- app.py (+ style.css, app.js): the Blocks app and starting it; cli.py: the `chat` subcommand

gradio is imported inside functions: `assistant ask` should not pay its 3-5 s import.
"""

from .app import CHAT_CONCURRENCY, DEFAULT_HOST, DEFAULT_PORT, EXAMPLES, build_app, is_loopback, serve
from .chat import Message, chat_turn
from .cli import add_chat_command, cmd_chat
from .render import (
    CONTEXT_CHARS,
    escape,
    highlight,
    passage_window,
    render_answer,
    render_error,
    render_ingest_report,
    render_statements,
    render_status,
)
from .uploads import (
    ARTICLE_COLUMNS,
    MAX_UPLOAD_STEM,
    UPLOADS_FOLDER,
    article_rows,
    ingest_uploads,
    safe_upload_name,
    save_upload,
)
from .who_said import speaker_choices, who_said

__all__ = [
    "ARTICLE_COLUMNS", "CHAT_CONCURRENCY", "CONTEXT_CHARS", "DEFAULT_HOST", "DEFAULT_PORT", "EXAMPLES",
    "MAX_UPLOAD_STEM", "Message", "UPLOADS_FOLDER", "add_chat_command", "article_rows",
    "build_app", "chat_turn", "cmd_chat", "escape", "highlight", "ingest_uploads", "is_loopback",
    "passage_window", "render_answer", "render_error", "render_ingest_report", "render_statements",
    "render_status", "safe_upload_name", "save_upload", "serve", "speaker_choices", "who_said",
]
