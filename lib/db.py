"""The only way into the database: a lazily created engine and transaction/read contexts."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, Text, column, create_engine, event, false, func, select, table
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from lib import config, derived  # noqa: F401  (derived: its flush listeners keep the derived tables)
from lib.errors import ConflictError, NotFound, StaleRecord, ValidationError

_engines: dict[str, Engine] = {}
_read_engines: dict[str, Engine] = {}
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
            # SQLAlchemy's pysqlite recipe: the driver must not start transactions on its own
            # (it begins late, at the first write), so that `_sqlite_begin` decides how each one starts.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # A write transaction takes the write lock at its start: two requests can no longer both read,
            # decide and write (SELECT … FOR UPDATE is a no-op on SQLite). Reads begin deferred (WAL readers
            # never wait for the writer).
            conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'IMMEDIATE')}")

        return engine
    # LIFO: a quiet server keeps reusing its few warm connections, the rest idle out of the way.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_use_lifo=True)
    _ping_when_idle(engine)
    return engine


IDLE_BEFORE_PING = 1.0  # seconds a pooled connection may rest before it is checked at checkout


def _ping_when_idle(engine: Engine) -> None:
    """A connection that rested over IDLE_BEFORE_PING is pinged as it is checked out, and replaced if the server
    dropped it (a restart, an idle timeout): SQLAlchemy's pessimistic recipe, as pool_pre_ping does, but not for
    a connection returned a moment ago. pool_pre_ping's round trip before every read was a third of a busy
    server's round trips, and under load each round trip waits for the interpreter lock again."""
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        returned = record.info.get("returned")
        if returned is not None and time.monotonic() - returned > IDLE_BEFORE_PING:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except engine.dialect.loaded_dbapi.Error as exc:
                raise DisconnectionError("连接已断开") from exc  # the pool retries on a fresh connection


READS = ("SELECT", "WITH", "BEGIN", "PRAGMA")  # what a read session may run (BEGIN: SQLite's deferred start)


def _reads_only(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
    """A read session runs no writes: on PostgreSQL it runs without a transaction (each statement sees the
    latest commits, as it would in READ COMMITTED anyway), so a write there would not be rolled back."""
    if conn.get_execution_options().get("reads_only") and not statement.lstrip().upper().startswith(READS):
        raise RuntimeError("只读会话中不能写入：" + statement[:80])


def _refuse_nul(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
    """The last line of defence behind lib.validation: PostgreSQL refuses NUL in text with an English
    driver error (SQLite would store it); whatever path a NUL takes, the user reads Chinese instead."""
    values = parameters.values() if isinstance(parameters, dict) else (parameters or ())
    if not executemany and any(isinstance(x, str) and "\x00" in x for x in values):
        raise ValidationError("输入", "含有不允许的字符")


def get_engine() -> Engine:
    url = current_url()
    engine = _engines.get(url)
    if engine is None:
        with _lock:
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = _make_engine(url)
                event.listen(engine, "before_cursor_execute", _refuse_nul)
                event.listen(engine, "before_cursor_execute", _reads_only)
    return engine


def engines_of(url: str) -> list[Engine]:
    """The engines open on `url` (for disposing of their connections after a restore)."""
    return [e for u, e in list(_engines.items()) + list(_read_engines.items()) if u == url]


def read_engine() -> Engine:
    """The engine for reads, which refuses writes: on SQLite its transactions begin deferred instead of taking
    the write lock (a WAL snapshot for the session's statements); on PostgreSQL it takes no transaction at all
    (no BEGIN and ROLLBACK round trips around each page's reads)."""
    url = current_url()
    engine = _read_engines.get(url)
    if engine is None:
        base = get_engine()
        options = {"sqlite_begin": "DEFERRED"} if base.dialect.name == "sqlite" else {"isolation_level": "AUTOCOMMIT"}
        engine = _read_engines[url] = base.execution_options(reads_only=True, **options)
    return engine


# A rule the database enforces, in the words a user reads. PostgreSQL names the constraint or index in its
# message; SQLite names the table and column ("UNIQUE constraint failed: evaluations.voucher_id").
CONSTRAINT_MESSAGES = {
    ("uq_withdrawals_one_pending", "withdrawals.voucher_id"): "该服务券已有待审核的撤回申请，请等待审核",
    ("evaluations_voucher_id_key", "evaluations.voucher_id"): "该服务券已评价，不能重复评价",
    ("settlements_voucher_id_key", "settlements.voucher_id"): "该服务券已兑付，不能重复兑付",
}
CONFLICT_MESSAGE = "保存失败：与已有记录冲突，请刷新后重试"


def conflict_message(exc: IntegrityError) -> str:
    """The Chinese message for a constraint violation (a known rule's, else a general one)."""
    text = str(exc.orig)
    return next((message for names, message in CONSTRAINT_MESSAGES.items() if any(n in text for n in names)),
                CONFLICT_MESSAGE)


@contextmanager
def transaction() -> Iterator[Session]:
    """One user action = one transaction: commit on success, roll back on any exception. A constraint
    violation or a row changed since it was read reaches the caller as a DomainError in Chinese."""
    try:
        with Session(get_engine(), expire_on_commit=False) as session, session.begin():
            yield session
    except IntegrityError as exc:
        raise ConflictError(conflict_message(exc)) from exc
    except StaleDataError as exc:
        raise StaleRecord() from exc


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reads; closed (and its connection returned) on exit."""
    with Session(read_engine()) as session:
        yield session


def alembic_config(url: str | None = None):
    """The Alembic configuration of the migrations in `migrations/`, on `url` (default: the current database)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(config.ROOT / "migrations"))
    cfg.attributes["url"] = url or current_url()
    return cfg


def migrate(url: str | None = None) -> None:
    """Upgrade the schema to the newest Alembic revision."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def check_version(row, version: int | str | None) -> None:
    """Refuse a save made from a form filled with an older version of `row` (None: the caller has no form)."""
    if version is not None and row.version != int(version):
        raise StaleRecord()


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


def name_contains(model, text: str):
    """`model.name` contains `text` (as `contains`) through an index. A trigram index serves three or more
    characters: on PostgreSQL the pg_trgm GIN index serves ILIKE by itself; on SQLite the FTS5 trigram table
    `<table>_name_fts` (migration 0007) is asked first. A trigram index cannot narrow a shorter text: two characters
    are looked up in an index of the names' two-character pieces, PostgreSQL's GIN index `name_bigrams` (migration
    0012) or SQLite's FTS5 table `enterprises_name_pieces` (migration 0013, for two letters or digits: the pieces
    are its words)."""
    condition = contains(model.name, text)
    dialect, literal = get_engine().dialect.name, not set(text) & set("%_\\")
    pieces_kept = len(text) == 2 and model.__tablename__ == "enterprises"
    if dialect == "sqlite" and len(text) >= 3 and literal:
        fts = table(f"{model.__tablename__}_name_fts", column("rowid"), column("name"))
        condition = model.id.in_(select(fts.c.rowid).where(fts.c.name.like(f"%{text}%"))) & condition
    elif dialect == "sqlite" and pieces_kept and text.isalnum():
        fts = table("enterprises_name_pieces", column("rowid"), column("pieces"))
        condition = model.id.in_(select(fts.c.rowid).where(fts.c.pieces.match(f'"{text}"'))) & condition
    elif dialect == "postgresql" and pieces_kept and literal:
        pieces = func.name_bigrams(model.name, type_=ARRAY(Text))
        condition = pieces.contains(array([func.lower(text)], type_=Text)) & condition
    return condition


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with %, _ and the escape character taken literally
    (use with escape=LIKE_ESCAPE)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
