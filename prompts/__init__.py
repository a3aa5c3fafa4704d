"""The prompt texts, installed as the package `assistant.prompt_files` (see assistant/prompts.py)."""
