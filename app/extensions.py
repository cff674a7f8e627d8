"""Extensions created unbound; `create_app` binds them with `init_app`."""

from __future__ import annotations

import sqlite3

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

#: Stable constraint names, so migrations name the same thing on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """SQLite files: write-ahead log and `synchronous=NORMAL`.

    The default rollback journal syncs the disk several times per commit and blocks
    readers while a writer commits; with WAL a commit is one append (durable against
    application crashes; a power cut may lose the last commits, never corrupt the file),
    readers and one writer work side by side, and a flow event commits about twice as fast
    (bench/engine.py). In-memory databases have no journal to change.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        (file,) = cursor.execute("PRAGMA database_list").fetchone()[2:3]
        if file:  # "" for in-memory and temporary databases
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


@event.listens_for(Pool, "checkout")
def _begin_on_checkout(dbapi_connection, _record, _proxy) -> None:
    """PostgreSQL: open the transaction as the pool hands the connection out.

    This replaces `pool_pre_ping`. psycopg sends `BEGIN` on its own before a
    transaction's first statement and waits for the answer, so a pinged checkout cost
    two round trips before any work; sent here, the `BEGIN` is the liveness check too
    and psycopg sends none (its transaction status is no longer idle). A dead
    connection raises `DisconnectionError`, on which the pool discards it and hands out
    a fresh one, exactly as a failed ping does. Connections in autocommit, or with an
    isolation level or read-only mode of their own, are left to psycopg. SQLite needs
    neither ping nor this: there is no server to lose.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None or dbapi_connection.autocommit:
        return
    if dbapi_connection.isolation_level is not None or dbapi_connection.read_only is not None:
        return
    from psycopg import pq

    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return
    try:
        result = pgconn.exec_(b"BEGIN")
    except Exception as err:  # the socket is gone: the pool retries with a new connection
        raise DisconnectionError(f"connection lost: {err}") from err
    if result.status != pq.ExecStatus.COMMAND_OK or pgconn.status != pq.ConnStatus.OK:
        raise DisconnectionError("connection failed its BEGIN on checkout")


#: Execution options that psycopg refuses inside a transaction.
_OUTSIDE_TRANSACTION = frozenset({"isolation_level", "postgresql_readonly",
                                  "postgresql_deferrable"})


@event.listens_for(Engine, "set_connection_execution_options")
def _undo_checkout_begin(conn, opts) -> None:
    """`conn.execution_options(isolation_level="AUTOCOMMIT")` right after checkout: psycopg
    cannot change the mode inside the transaction `_begin_on_checkout` opened, so that
    untouched transaction (SQLAlchemy has not begun one: nothing ran in it) is rolled
    back first. A transaction with work in it is left for psycopg to refuse, as always."""
    if not _OUTSIDE_TRANSACTION & opts.keys() or conn.in_transaction():
        return
    dbapi_connection = conn.connection.dbapi_connection
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    from psycopg import pq

    if pgconn.transaction_status == pq.TransactionStatus.INTRANS:
        dbapi_connection.rollback()
