"""`python -m kitdesk` with the server's start held back for HOLD seconds (argv[1]).

What a slow disk or a busy machine does at launch: the window exists, its page
has asked the server's socket for the app, and nothing answers yet.
"""

import sys
import time

import kitdesk.window.server_start as server_start
from kitdesk.cli import main

hold = float(sys.argv[1])
start_server = server_start.ServerStarter._run


def held(self: server_start.ServerStarter) -> None:
    time.sleep(hold)
    start_server(self)


server_start.ServerStarter._run = held  # type: ignore[method-assign]
sys.exit(main([]))
