"""One router per ``/api`` resource; ``kitdesk.web.api`` gathers them."""
