"""The Gradio chat UI (placeholder until the UI lands)."""


def add_chat_command(sub) -> None:
    pass
