"""The fixed grounding evaluation (placeholder until the harness lands)."""


def add_eval_command(sub) -> None:
    pass
