"""The pool's checkout opens the transaction on PostgreSQL (app/extensions.py).

It replaced `pool_pre_ping`, so it must keep what the ping gave: a connection the server
dropped (a restart, an idle timeout) is replaced at checkout, and the request that
checks it out never sees the error. And it must save what it promises: psycopg sends no
`BEGIN` of its own afterwards.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from psycopg import pq

from app.extensions import db


@pytest.fixture
def postgres(request, database_url):
    if not database_url.startswith("postgresql"):  # skipped before an app is built
        pytest.skip("SQLite has no server connection to lose and no BEGIN round trip")
    request.getfixturevalue("app")
    return db.engine


def test_a_checked_out_connection_is_already_in_its_transaction(postgres):
    with postgres.connect() as conn:
        pgconn = conn.connection.dbapi_connection.pgconn
        assert pgconn.transaction_status == pq.TransactionStatus.INTRANS  # no statement yet
        sent: list[str] = []
        conn.connection.dbapi_connection.add_notice_handler(lambda d: sent.append(d))
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        conn.commit()
    assert sent == []  # no "there is already a transaction in progress" warning


def test_a_connection_the_server_dropped_is_replaced_at_checkout(postgres):
    with postgres.connect() as conn:
        dropped = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        conn.rollback()
    other = sa.create_engine(postgres.url, poolclass=sa.pool.NullPool)
    with other.connect() as killer:  # as a server restart would
        killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        killer.commit()
    other.dispose()
    with postgres.connect() as conn:  # the pool's only idle connection is the dropped one
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar() != dropped


def test_autocommit_can_still_be_chosen_right_after_checkout(postgres):
    with postgres.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        assert conn.connection.dbapi_connection.autocommit
