"""Serving: the `plano run` supervisor, one Granian server per listener, and the RSGI dispatcher.

Process tree of `plano run --workers N`: the supervisor (this package's `supervisor.py`) starts
one Granian server process per configured listener (`listener.py`), each of which runs N worker
processes sharing the listener's socket; every worker serves `app.ListenerApp`.
"""
