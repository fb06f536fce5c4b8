"""The counting tool's subcommands, one module each (``python -m counting <command>``); the
parser and the dispatch are in ``counting/__main__.py``, the session they share in
``counting/session.py``."""
