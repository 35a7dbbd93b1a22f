"""Tools the model can call during a turn: MCP servers (stdio, streamable HTTP).

``base.py`` is the contract between the turn engine (``chat/``) and tool
providers: the engine asks a ``ToolBox`` which tools a thread may use, and calls
them by name; it never knows whether a tool is an MCP server or something else.
"""
