"""The append-only history log: one row per transition, record edit or account change."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from lib import clock
from lib.actors import Actor
from lib.models import History, Voucher


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def diff(obj: object, new_values: dict) -> dict:
    """{field: [old, new]} for the fields whose value changes."""
    changes = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def record(session: Session, actor: Actor, action: str, *, voucher: Voucher | None = None,
           from_status: str | None = None, to_status: str | None = None,
           changes: dict | None = None, now: datetime | None = None) -> History:
    row = History(
        at=now or clock.utcnow(),
        user_id=actor.user_id,
        username=actor.username,
        role=str(actor.role),
        voucher_id=voucher.id if voucher is not None else None,
        action=str(action),
        from_status=from_status,
        to_status=to_status,
        changes={k: _plain(v) for k, v in (changes or {}).items()} or None,
    )
    session.add(row)
    return row
