"""The Who said what tab: a speaker's statements across the articles, and the speakers to pick from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import AssistantError
from .notify import warn
from .render import escape, render_error, render_statements

if TYPE_CHECKING:
    from ..api import Assistant


def who_said(assistant: Assistant, speaker: str | None, about: str | None) -> str:
    """The Who said what view for a name (as typed or picked) and an optional subject; one line on error."""
    speaker = (speaker or "").strip() or None
    about = (about or "").strip() or None
    if speaker is None:
        return render_error("pick or type a name")
    try:
        statements = assistant.statements(speaker, about=about, k=50)
        articles = {st.doc_id: assistant.document(st.doc_id) for st in statements}
    except AssistantError as e:
        return render_error(str(e))
    if not statements and about:
        return f'<div class="who-empty">{escape(speaker)} is quoted, but not about “{escape(about)}”.</div>'
    return render_statements(statements, articles)


def speaker_choices(assistant: Assistant) -> list[tuple[str, str]]:
    try:
        return [(f"{s.name} ({s.statements})", s.name) for s in assistant.speakers()]
    except AssistantError as e:
        warn(str(e))
        return []
