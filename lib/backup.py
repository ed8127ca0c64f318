"""Backup and restore of the whole database while the app runs. Copying app.db loses committed rows that
are still in its WAL; SQLite's online backup API copies a consistent snapshot instead. PostgreSQL uses
pg_dump/pg_restore (custom format) of the same major version."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from lib import db
from lib.errors import DomainError


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise DomainError(f"找不到 {command[0]}：请安装与数据库同版本的 PostgreSQL 客户端")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DomainError(f"{command[0]} 失败：{done.stderr.strip()[-500:]}")


def backup(target: str | Path, url: str | None = None) -> Path:
    """Write a consistent copy of the database to `target` (SQLite: a database file; PostgreSQL: a
    pg_dump archive). Runs while the app serves users."""
    url = url or db.current_url()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(_sqlite_path(url))) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq(url)])
    return target


def restore(source: str | Path, url: str | None = None) -> None:
    """Replace the whole database with a backup made by `backup` (stop the app first)."""
    url = url or db.current_url()
    source = Path(source)
    if not source.exists():
        raise DomainError(f"备份文件不存在：{source}")
    for engine in db.engines_of(url):
        engine.dispose()  # the app's idle pooled connections must not hold the database while it is replaced
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(source)) as backup_db:
            try:
                healthy = backup_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError:
                healthy = False
            if not healthy:
                raise DomainError(f"备份文件已损坏或不是数据库：{source}")
            with closing(sqlite3.connect(_sqlite_path(url), timeout=30)) as live:
                backup_db.backup(live)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", _libpq(url),
              str(source)])
    for engine in db.engines_of(url):
        engine.dispose()  # pooled connections must not outlive the tables they knew
