"""操作日志: the whole history, filtered and paged in SQL, exportable."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from lib import clock, db, permissions
from lib.actors import Actor
from lib.history import ACTION_LABELS
from lib.labels import CHANGE_LABELS, ROLE_LABELS, Role
from lib.models import Engineer, Enterprise, History, Product, ProductCategory, Provider, Region, Voucher
from lib.paging import Page, fetch_page
from lib.permissions import Area
from lib.workflow import status_label

COLUMNS = {"at": "时间", "username": "账户", "role": "角色", "action": "操作", "number": "服务券号",
           "from_status": "原状态", "to_status": "新状态", "details": "内容"}


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    number: str = ""
    action: str | None = None  # an action id (ACTION_LABELS key)
    start: date | None = None
    end: date | None = None


def _query(filters: AuditFilters):
    query = select(History.id, History.at, History.username, History.role, History.action, Voucher.number,
                   History.from_status, History.to_status,
                   History.changes).outerjoin(Voucher, History.voucher_id == Voucher.id)
    if filters.username.strip():
        query = query.where(History.username == filters.username.strip().lower())
    if filters.number.strip():
        query = query.where(Voucher.number == filters.number.strip())
    if filters.action:
        query = query.where(History.action == filters.action)
    if filters.start:
        query = query.where(History.at >= clock.day_start(filters.start))
    if filters.end:
        query = query.where(History.at < clock.day_start(filters.end + timedelta(days=1)))
    return query


# Ids in a history row's changes, shown as the name they stand for ("服务工程师：张伟", not an id).
NAMED_IDS = {"engineer_id": (Engineer, "服务工程师"), "provider_id": (Provider, "服务商"),
             "product_id": (Product, "产品"), "enterprise_id": (Enterprise, "企业"), "region_id": (Region, "所属区"),
             "category_id": (ProductCategory, "类别")}
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _names(changes: list[dict | None]) -> dict[str, dict[int, str]]:
    """The names behind every id the rows mention, one query per kind."""
    wanted: dict[str, set[int]] = {key: set() for key in NAMED_IDS}
    for change in changes:
        for key, value in (change or {}).items():
            if key in NAMED_IDS:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, int):
                        wanted[key].add(item)
    names: dict[str, dict[int, str]] = {key: {} for key in NAMED_IDS}
    with db.read_session() as session:
        for key, ids in wanted.items():
            if ids:
                model = NAMED_IDS[key][0]
                names[key] = dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())
    return names


def _word(key: str, value: object, names: dict[str, dict[int, str]]) -> str:
    """One value in words: 空 for nothing, a name for an id, Nanjing time for a moment."""
    if value is None or value == "":
        return "空"
    if key in NAMED_IDS and isinstance(value, int):
        return names.get(key, {}).get(value, str(value))
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return clock.fmt_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _details(changes: dict | None, names: dict[str, dict[int, str]] | None = None) -> str:
    if not changes:
        return ""
    names = names or {}
    parts = []
    for key, value in changes.items():
        label = NAMED_IDS[key][1] if key in NAMED_IDS else CHANGE_LABELS.get(key, key)
        if isinstance(value, list) and len(value) == 2 and key not in ("improvements", "next_focus"):
            parts.append(f"{label}：{_word(key, value[0], names)} → {_word(key, value[1], names)}")
        elif isinstance(value, list):
            parts.append(f"{label}：{'、'.join(_word(key, item, names) for item in value)}")
        else:
            parts.append(f"{label}：{_word(key, value, names)}")
    return "；".join(parts)[:500]


RAW_COLUMNS = ["id", "at", "username", "role", "action", "number", "from_status", "to_status", "changes"]
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def search(actor: Actor, filters: AuditFilters = AuditFilters(), *, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """One page of the log, newest first."""
    permissions.require(actor, Area.AUDIT_LOG)
    with db.read_session() as session:
        result = fetch_page(session, _query(filters), RAW_COLUMNS, order=[History.at.desc(), History.id.desc()],
                            page=page, page_size=page_size)
    return replace(result, rows=_readable(result.rows))


def export_rows(actor: Actor, filters: AuditFilters = AuditFilters(), *, limit: int = EXPORT_LIMIT) -> pd.DataFrame:
    """The log as filtered, newest first, for Excel (at most `limit` rows)."""
    permissions.require(actor, Area.AUDIT_LOG)
    with db.read_session() as session:
        rows = session.execute(_query(filters).order_by(History.at.desc(), History.id.desc()).limit(limit)).all()
    return _readable(pd.DataFrame(rows, columns=RAW_COLUMNS))


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    frame["role"] = frame["role"].map(lambda r: ROLE_LABELS.get(Role(r), r) if r in set(Role) else r)
    frame["action"] = frame["action"].map(ACTION_LABELS)
    for col in ("from_status", "to_status"):
        frame[col] = frame[col].map(status_label)
    names = _names(frame["changes"].tolist())
    frame["details"] = frame["changes"].map(lambda changes: _details(changes, names))
    frame["number"] = frame["number"].fillna("")
    return frame
