"""The way into the database (lib.db): read sessions that cannot write, connections the server dropped."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, insert, select, text, update

from lib import db
from lib.models import Region


def test_a_read_session_refuses_a_write_and_keeps_nothing_of_it(database):
    with db.read_session() as session:
        before = session.scalar(select(func.count()).select_from(Region))
    for write in (insert(Region).values(name="新区", kind="district", sort_order=99, active=True),
                  update(Region).values(name="改名")):
        with pytest.raises(RuntimeError, match="只读会话中不能写入"), db.read_session() as session:
            session.execute(write)
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Region)) == before
        assert "改名" not in session.scalars(select(Region.name)).all()
    with db.transaction() as session:  # the same engine's transactions write as before
        session.execute(update(Region).where(Region.name == "玄武区").values(sort_order=0))


def test_a_read_session_sees_what_was_committed_between_its_reads(database):
    with db.read_session() as session:
        first = session.scalar(select(Region.sort_order).where(Region.name == "玄武区"))
        with db.transaction() as other:
            other.execute(update(Region).where(Region.name == "玄武区").values(sort_order=first + 7))
        again = session.scalar(select(Region.sort_order).where(Region.name == "玄武区"))
    # SQLite reads from the snapshot its deferred transaction began with; PostgreSQL's statements each see the
    # latest commits (READ COMMITTED, with or without a transaction around them)
    assert again == (first if database == "sqlite" else first + 7)


def test_connections_the_server_dropped_are_replaced_at_the_next_read(postgresql_url, monkeypatch):
    """A database restart (or an idle timeout) closes every pooled connection: the next page must still read."""
    db.use_database(postgresql_url)
    try:
        with db.read_session() as session:  # the pool now holds a connection
            session.scalar(select(1))
        admin = create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        admin.dispose()
        assert killed >= 1
        monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)  # as after a rest: the connection is checked first
        with db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Region)) >= 0  # answered, not an error
        with db.transaction() as session:
            session.execute(update(Region).where(Region.name == "玄武区").values(sort_order=0))
    finally:
        for engine in db.engines_of(postgresql_url):  # connections returned under a second ago are not pinged: the
            engine.dispose()  # next test must not meet the ones this test had the server drop
        db.use_database(None)
