"""The Gradio app: three tabs wired to one Assistant, started on a local address.

Rendering and the tabs' logic live in their own modules; here only components and
events. gradio is imported inside functions, so importing the package stays cheap.
"""

from __future__ import annotations

import ipaddress
from importlib.resources import files as package_files
from typing import TYPE_CHECKING, Any

from ..corpus import SUPPORTED_SUFFIXES
from ..errors import ConfigError
from .chat import Message, chat_turn
from .uploads import ARTICLE_COLUMNS, article_rows, ingest_uploads
from .who_said import speaker_choices, who_said

if TYPE_CHECKING:
    import gradio as gr

    from ..api import Assistant

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
EXAMPLES = (
    "What did Lavrov say about the agenda?",
    "How much of Ukraine does Russia control, according to the different articles?",
    "What did Angela Merkel say about the Alaska summit?",
)
CHAT_CONCURRENCY = 4  # answers computed at once; more users wait in Gradio's queue


def page_asset(name: str) -> str:
    """style.css or app.js, shipped beside this module."""
    return package_files(__package__).joinpath(name).read_text(encoding="utf-8")


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Blocks app over one Assistant; per-user state is in the session, not here."""
    import gradio as gr

    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown("## News assistant\nEvery answer quotes the indexed articles word for word. "
                    "Click a marker such as [1] to see its source, or *Open article* to read the quote in place.")
        _chat_tab(assistant)
        _articles_tab(assistant)
        _who_said_tab(assistant)
    return app


def _chat_tab(assistant: Assistant) -> None:
    import gradio as gr

    def respond(question: str, messages: list[Message], history: list[Message]):
        yield from chat_turn(assistant, question, messages or [], history or [])

    with gr.Tab("Chat"):
        chatbot = gr.Chatbot(elem_id="chat", show_label=False, height="68vh", min_height=400, layout="panel",
                             render_markdown=False, sanitize_html=True, latex_delimiters=[],
                             feedback_options=None, buttons=[],  # copy buttons would copy our HTML
                             placeholder="Ask a question about the indexed news articles.")
        history = gr.State([])
        with gr.Row(equal_height=True):
            question = gr.Textbox(elem_id="question", show_label=False, scale=6, autofocus=True,
                                  placeholder="Ask about the articles…")
            ask = gr.Button("Ask", elem_id="ask", variant="primary", scale=1)
            clear = gr.Button("New chat", elem_id="clear", scale=1)
        with gr.Row():
            examples = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]

    chat: dict[str, Any] = dict(fn=respond, inputs=[question, chatbot, history], outputs=[chatbot, history, question],
                concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY, show_progress="hidden")
    question.submit(api_name="ask", **chat)
    ask.click(api_visibility="private", **chat)
    for button, text in zip(examples, EXAMPLES):
        button.click(lambda text=text: text, outputs=question, queue=False,
                     api_visibility="private").then(api_visibility="private", **chat)
    clear.click(lambda: ([], []), outputs=[chatbot, history], queue=False, api_visibility="private")
    chatbot.clear(lambda: [], outputs=history, queue=False, api_visibility="private")


def _articles_tab(assistant: Assistant) -> None:
    import gradio as gr

    def upload(files: list[str] | None, replace: bool, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - gradio's way
        return ingest_uploads(assistant, files or [], replace=replace)

    with gr.Tab("Articles") as articles_tab:
        table = gr.Dataframe(value=lambda: article_rows(assistant), elem_id="articles",
                             label="Indexed articles", headers=ARTICLE_COLUMNS,
                             datatype=["str", "str", "number", "str", "str"], interactive=False, wrap=True,
                             column_widths=["48%", "12%", "8%", "14%", "18%"])
        files = gr.File(elem_id="upload", label="Add articles (.txt .md .html .json .jsonl)",
                        file_count="multiple", file_types=sorted(SUPPORTED_SUFFIXES))
        replace = gr.Checkbox(False, elem_id="replace", label="Replace indexed articles that have the same ID "
                              "(an upload never replaces an article from another file unless this is ticked)")
        report = gr.HTML(elem_id="upload-report")

    files.upload(upload, inputs=[files, replace], outputs=[report, table], concurrency_limit=1,
                 api_name="upload").then(lambda: None, outputs=files, queue=False, api_visibility="private")
    articles_tab.select(lambda: article_rows(assistant), outputs=table, api_visibility="private")


def _who_said_tab(assistant: Assistant) -> None:
    import gradio as gr

    with gr.Tab("Who said what") as who_tab:
        with gr.Row(equal_height=True):
            pick = gr.Dropdown(choices=[], elem_id="who-pick", label="Quoted in the articles", scale=2,
                               allow_custom_value=False)
            speaker = gr.Textbox(elem_id="who-speaker", label="Name", placeholder="Lavrov, The Guardian…", scale=2)
            about = gr.Textbox(elem_id="who-about", label="About (optional)", placeholder="the agenda", scale=2)
            find = gr.Button("Find", elem_id="who-find", variant="primary", scale=1)
        statements = gr.HTML(elem_id="who-statements")

    who_tab.select(lambda: gr.update(choices=speaker_choices(assistant)), outputs=pick, api_visibility="private")
    pick.input(lambda name: name, inputs=pick, outputs=speaker, queue=False, api_visibility="private").then(
        lambda name, subject: who_said(assistant, name, subject), inputs=[speaker, about], outputs=statements,
        api_visibility="private")
    who: dict[str, Any] = dict(fn=lambda name, subject: who_said(assistant, name, subject), inputs=[speaker, about],
               outputs=statements)
    find.click(api_name="said", **who)
    speaker.submit(api_visibility="private", **who)
    about.submit(api_visibility="private", **who)


def serve(assistant: Assistant, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> tuple[gr.Blocks, str]:
    """Start the app without blocking; returns it and its local URL (the CLI then blocks on it).

    The index is opened (and built on a first run) here, before anyone waits on a question,
    and before concurrent first questions could race to open it.
    """
    settings = assistant.settings
    if (settings.ui_user is None) != (settings.ui_password is None):
        raise ConfigError("set both ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD, or neither")
    # Both are set, or neither (checked above).
    auth = (settings.ui_user, settings.ui_password) if settings.ui_user and settings.ui_password is not None else None
    assistant.articles()
    app = build_app(assistant)
    try:
        _, url, _ = app.launch(server_name=host, server_port=port, prevent_thread_lock=True, share=False,
                               quiet=True, ssr_mode=False, auth=auth, max_file_size=settings.max_file_bytes,
                               footer_links=["api", "settings"], css=page_asset("style.css"),
                               js=page_asset("app.js"))
    except OSError as e:
        raise ConfigError(f"cannot listen on {host}:{port} ({e}); choose another port with --port") from None
    return app, url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
