"""Fixtures: a real SQLite file always, a real PostgreSQL database when TEST_DATABASE_URL is set."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("BCRYPT_ROUNDS", "4")  # bcrypt at 12 rounds costs ~0.3 s a hash

from lib import db  # noqa: E402
from lib.models import Base  # noqa: E402
from lib.seed import seed_reference  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    db.migrate(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL 未设置，跳过 PostgreSQL 测试")
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    db.migrate(PG_URL)  # the migrations themselves are under test here
    return PG_URL


def _empty(url: str) -> None:
    db.use_database(url)
    tables = list(reversed(Base.metadata.sorted_tables))
    with db.get_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        seed_reference(conn)


@pytest.fixture(params=BACKENDS)
def database(request) -> str:
    """An empty database with reference data (区域, 产品类别), on each backend in turn."""
    url = request.getfixturevalue(f"{request.param}_url")
    _empty(url)
    yield request.param
    db.use_database(None)


@pytest.fixture
def sqlite_db(sqlite_url) -> str:
    """SQLite only, for tests whose subject is not the database (pages, CLI output)."""
    _empty(sqlite_url)
    yield "sqlite"
    db.use_database(None)
