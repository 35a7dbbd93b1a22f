"""Kitdesk: a desktop AI chat client built on the ChatKit protocol."""


def __getattr__(name: str) -> str:
    # ``__version__`` is looked up on first use: importing importlib.metadata
    # costs tens of milliseconds, and the window and `kitdesk serve` are up
    # before anything needs the version.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("kitdesk")
        except PackageNotFoundError:  # a source tree that was never installed
            value = "0.0.0+source"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'kitdesk' has no attribute {name!r}")
