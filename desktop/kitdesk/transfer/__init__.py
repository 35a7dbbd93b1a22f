"""Conversations in and out of Kitdesk: importers, Kitdesk's export format, backups.

Framework-free: nothing here imports a web framework or the window, so the
command line, the server and the tests use the same code. Importers stream
files into the neutral model of ``model.py``; the store turns those into
threads (see ``kitdesk.store``).
"""

from kitdesk.transfer.importers import check_file, read_threads
from kitdesk.transfer.model import ImportedThread, ImportFormatError, MessageNode, Skipped
from kitdesk.transfer.reading import detect_source

__all__ = [
    "ImportFormatError",
    "ImportedThread",
    "MessageNode",
    "Skipped",
    "check_file",
    "detect_source",
    "read_threads",
]
