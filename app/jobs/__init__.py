"""Jobs dispatcher (being written: see the jobs work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
