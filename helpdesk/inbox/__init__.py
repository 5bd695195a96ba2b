"""The agent web inbox: server-rendered pages (Jinja2, htmx) and live updates (SSE).

It reads through `helpdesk.queries` and its own `queries`, and changes state only through
`helpdesk.services`."""
