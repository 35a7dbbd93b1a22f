"""Saved prompts with ``{{variables}}``: the library file, its exchange format, the variables."""

from kitdesk.prompts.exchange import FORMAT, VERSION, InvalidPrompt, PromptDraft, PromptFileProblem
from kitdesk.prompts.library import ImportSummary, Prompt, PromptLibrary, PromptNotFound
from kitdesk.prompts.variables import fill, variables_of

__all__ = [
    "FORMAT",
    "VERSION",
    "ImportSummary",
    "InvalidPrompt",
    "Prompt",
    "PromptDraft",
    "PromptFileProblem",
    "PromptLibrary",
    "PromptNotFound",
    "fill",
    "variables_of",
]
