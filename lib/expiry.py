"""The deadline sweep: a voucher past its 办理期限 becomes 已过期 (one history row each). Run on every visit
to a voucher or a list, and daily by `python -m lib.cli expire`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import clock, db
from lib.actors import Actor
from lib.history import record
from lib.models import Voucher
from lib.workflow import EXPIRING, Action, in_order
from lib.workflow import VoucherStatus as S


def _expire_one(session: Session, voucher: Voucher, now: datetime) -> None:
    old = voucher.status
    voucher.expired_from = old
    voucher.status = S.EXPIRED
    voucher.updated_at = now
    record(session, Actor.system(), Action.EXPIRE, voucher=voucher, from_status=old, to_status=S.EXPIRED,
           changes={"expires_at": voucher.expires_at}, now=now)


def expire(*, now: datetime | None = None, number: str | None = None) -> int:
    """Mark every voucher whose deadline has passed as 已过期 (one history row each); returns the count."""
    now = now or clock.utcnow()
    query = select(Voucher).where(Voucher.status.in_(in_order(EXPIRING)), Voucher.expires_at <= now)
    if number is not None:
        query = query.where(Voucher.number == number)
    with db.read_session() as session:  # most visits find nothing due: no write lock for them
        if session.scalar(query.with_only_columns(Voucher.id).limit(1)) is None:
            return 0
    with db.transaction() as session:
        due = list(session.scalars(query.with_for_update(key_share=True)))  # FOR NO KEY UPDATE, as lib.vouchers
        for voucher in due:
            _expire_one(session, voucher, now)
        return len(due)
