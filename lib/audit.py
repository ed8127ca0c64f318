"""操作日志: the whole history, filtered and paged in SQL, exportable."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, select

from lib import clock, db
from lib.labels import CHANGE_LABELS, ROLE_LABELS, Role
from lib.models import History, Voucher
from lib.queries import HISTORY_ACTION_LABELS
from lib.workflow import status_label

COLUMNS = {"at": "时间", "username": "账户", "role": "角色", "action": "操作", "number": "服务券号",
           "from_status": "原状态", "to_status": "新状态", "details": "内容"}


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    number: str = ""
    action: str | None = None  # an action id (HISTORY_ACTION_LABELS key)
    start: date | None = None
    end: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.LOCAL_TZ)


def _query(filters: AuditFilters):
    query = select(History.id, History.at, History.username, History.role, History.action, Voucher.number,
                   History.from_status, History.to_status, History.changes).outerjoin(Voucher, History.voucher_id == Voucher.id)
    if filters.username.strip():
        query = query.where(History.username == filters.username.strip().lower())
    if filters.number.strip():
        query = query.where(Voucher.number == filters.number.strip())
    if filters.action:
        query = query.where(History.action == filters.action)
    if filters.start:
        query = query.where(History.at >= _day_start(filters.start))
    if filters.end:
        query = query.where(History.at < _day_start(filters.end + timedelta(days=1)))
    return query


def _details(changes: dict | None) -> str:
    if not changes:
        return ""
    parts = []
    for key, value in changes.items():
        label = CHANGE_LABELS.get(key, key)
        if isinstance(value, list) and len(value) == 2 and key not in ("improvements", "next_focus"):
            parts.append(f"{label}：{value[0]} → {value[1]}")
        else:
            parts.append(f"{label}：{value}")
    return "；".join(parts)[:500]


def search(filters: AuditFilters = AuditFilters(), *, page: int = 1, page_size: int = 50,
           limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """Newest first. `limit` instead of paging is for the export."""
    query = _query(filters)
    with db.read_session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        query = query.order_by(History.at.desc(), History.id.desc())
        query = query.limit(limit) if limit else query.limit(page_size).offset((max(1, page) - 1) * page_size)
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["id", "at", "username", "role", "action", "number", "from_status", "to_status",
                                        "changes"])
    frame["role"] = frame["role"].map(lambda r: ROLE_LABELS.get(Role(r), r) if r in set(Role) else r)
    frame["action"] = frame["action"].map(lambda a: HISTORY_ACTION_LABELS.get(a, a))
    for col in ("from_status", "to_status"):
        frame[col] = frame[col].map(status_label)
    frame["details"] = frame["changes"].map(_details)
    frame["number"] = frame["number"].fillna("")
    return frame, total
