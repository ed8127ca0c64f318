"""The only way into the database: a lazily created engine and transaction/read contexts."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, false
from sqlalchemy.orm import Session

from lib import config
from lib.errors import NotFound

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
_url_override: str | None = None


def current_url() -> str:
    return _url_override or config.database_url()


def use_database(url: str | None) -> None:
    """Point every later transaction at `url` (None = back to configuration). For CLI and tests."""
    global _url_override
    _url_override = url


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    url = current_url()
    engine = _engines.get(url)
    if engine is None:
        with _lock:
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = _make_engine(url)
    return engine


@contextmanager
def transaction() -> Iterator[Session]:
    """One user action = one transaction: commit on success, roll back on any exception."""
    with Session(get_engine(), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reads; closed (and its connection returned) on exit."""
    with Session(get_engine()) as session:
        yield session


def migrate(url: str | None = None) -> None:
    """Upgrade the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(config.ROOT / "migrations"))
    cfg.attributes["url"] = url or current_url()
    command.upgrade(cfg, "head")


LIKE_ESCAPE = "\\"


def belongs_to(column, owner_id: int | None):
    """`column` is the owner's id; for a login without a provider or enterprise, nothing matches."""
    return column == owner_id if owner_id is not None else false()


def get_owned(session: Session, model, record_id: int | None, *, provider_id: int, missing: str):
    """A provider's own row by id; another provider's row is refused exactly like a missing one."""
    row = session.get(model, record_id) if record_id is not None else None
    if row is None or row.provider_id != provider_id:
        raise NotFound(missing)
    return row


def contains(column, text: str):
    """`column` contains `text`, ignoring case the same way on SQLite and PostgreSQL (SQLite's LIKE
    ignores ASCII case and PostgreSQL's does not), with %, _ and the escape character taken literally."""
    return column.ilike(contains_pattern(text), escape=LIKE_ESCAPE)


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with %, _ and the escape character taken literally
    (use with escape=LIKE_ESCAPE)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
