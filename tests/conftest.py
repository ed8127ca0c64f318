"""Fixtures: a real SQLite file always, a real PostgreSQL database when TEST_DATABASE_URL is set."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("BCRYPT_ROUNDS", "4")  # bcrypt at 12 rounds costs ~0.3 s a hash

from deploy import local  # noqa: E402
from lib import db  # noqa: E402
from lib.models import Base  # noqa: E402
from lib.seed import seed_reference  # noqa: E402
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, … when `make test` runs the tests in parallel


def _own_database(url: str) -> str:
    """Under pytest-xdist, each worker's own PostgreSQL database beside TEST_DATABASE_URL's (created if missing):
    workers empty and fill their databases at the same time. SQLite files are per worker already (tmp_path)."""
    if not WORKER:
        return url
    server, name = url.rsplit("/", 1)
    own = f"{name}_{WORKER}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}):
            conn.execute(text(f'CREATE DATABASE "{own}"'))
    admin.dispose()
    return f"{server}/{own}"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    db.migrate(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL 未设置，跳过 PostgreSQL 测试")
    url = _own_database(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    db.migrate(url)  # the migrations themselves are under test here
    return url


# Every id sequence of the schema back to 1, as TRUNCATE … RESTART IDENTITY did.
RESTART_SEQUENCES = (
    "SELECT setval(s.seq, 1, false) FROM (SELECT pg_get_serial_sequence(c.relname, a.attname) AS seq"
    " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid WHERE c.relkind = 'r'"
    " AND c.relnamespace = 'public'::regnamespace AND a.attnum > 0) s WHERE s.seq IS NOT NULL")


def _empty(url: str) -> None:
    db.use_database(url)
    tables = list(reversed(Base.metadata.sorted_tables))
    with db.get_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            # DELETE and a sequence reset: on a handful of rows far cheaper than TRUNCATE, which gives every
            # table new files (and an fsync) on each of the ~700 PostgreSQL tests
            for table in tables:
                conn.execute(table.delete())
            conn.execute(text(RESTART_SEQUENCES))
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


@pytest.fixture
def demo(sqlite_db):
    """The demo database of `seed-demo` (SQLite), for page tests."""
    from lib import seed

    seed.seed_demo()
    return sqlite_db


@pytest.fixture
def fresh_streamlit_caches():
    """st.cache_* is process-wide across AppTest instances."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo database of `seed-demo`, made once; each browser test starts from a copy of it."""
    db_file = tmp_path_factory.mktemp("template") / "demo.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}", "BCRYPT_ROUNDS": "4"}
    subprocess.run([sys.executable, "-m", "lib.cli", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    return db_file


@pytest.fixture
def streamlit_server(tmp_path, demo_template):
    """`streamlit run Home.py` on a demo database of its own, for one test: every browser test
    starts from the same state and passes alone or in any order."""
    db_file = tmp_path / "demo.db"
    with sqlite3.connect(demo_template) as source, sqlite3.connect(db_file) as target:
        source.backup(target)  # a consistent copy, WAL included
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}", "COOKIE_KEY": "browser-test-key-" + "x" * 32,
           "BCRYPT_ROUNDS": "4"}
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w+b")
    proc = local.start_app(port, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        local.wait_healthy(url, timeout=60, proc=proc)
    except TimeoutError:
        proc.kill()
        log.seek(0)
        pytest.fail("streamlit 未能启动：" + log.read().decode(errors="replace")[-2000:])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    db.use_database(env["DATABASE_URL"])  # tests arrange their own state through lib, on the server's database
    yield url, env["DATABASE_URL"]
    db.use_database(None)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.seek(0)
    output = log.read().decode(errors="replace")
    log.close()
    assert "Traceback" not in output, output[-3000:]
