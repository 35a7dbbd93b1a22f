"""The local HTTP server: the security gate, the static UI and one router per resource.

Only this package (and ``window``) knows FastAPI, Starlette or uvicorn; everything it
serves is built from ``chat``, ``providers``, ``store`` and the top-level modules.
"""
