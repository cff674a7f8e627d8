"""Reports in the app: projection tables, the projector, board service, demo data, jobs.

Importing this package teaches every SQLite connection `fl_percentile` (median, p90),
which SQLite lacks; PostgreSQL has `percentile_cont` built in.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from runtime.reports import sqlite_functions


@event.listens_for(Engine, "connect")
def _sqlite_percentiles(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        sqlite_functions.register(dbapi_connection)
