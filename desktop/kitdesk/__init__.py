"""Kitdesk: a desktop AI chat client built on the ChatKit protocol."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kitdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
