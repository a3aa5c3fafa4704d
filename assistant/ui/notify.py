"""Telling the user about a problem that should not stop the page: a Gradio toast, or the log outside an event."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def warn(message: str) -> None:
    try:
        import gradio as gr

        gr.Warning(message)
    except Exception:  # noqa: BLE001 - outside a Gradio event there is no one to show it to
        log.warning("%s", message)
