"""Engineers (人员管理): a provider's service staff. A departed engineer (离职) stays on the records
they made and is no longer offered for new ones."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select

from lib import clock, db
from lib import validation as v
from lib.actors import Actor
from lib.errors import ValidationError
from lib.history import AdminAction, record, update
from lib.models import Engineer, ServiceRecord
from lib.workflow import require_provider

FIELDS = {"name": "姓名", "mobile": "手机", "title": "职务/专长"}


def _require_provider(actor: Actor) -> int:
    return require_provider(actor, "管理本公司的人员")


def _clean(data: dict) -> dict:
    return v.collect({
        "name": lambda: v.text(data.get("name"), FIELDS["name"], max_len=40, required_=True),
        "mobile": lambda: v.mobile(data.get("mobile"), FIELDS["mobile"]),
        "title": lambda: v.text(data.get("title"), FIELDS["title"], max_len=100),
    })


def _own(session, actor: Actor, engineer_id: int) -> Engineer:
    return db.get_owned(session, Engineer, engineer_id, provider_id=_require_provider(actor),
                        missing="人员不存在或不属于本公司")


def add_engineer(*, actor: Actor, data: dict, now: datetime | None = None) -> int:
    provider_id = _require_provider(actor)
    values = _clean(data)
    with db.transaction() as session:
        if session.scalar(select(Engineer.id).where(Engineer.provider_id == provider_id,
                                                    Engineer.mobile == values["mobile"])):
            raise ValidationError(FIELDS["mobile"], "本公司已有使用该手机号码的人员")
        engineer = Engineer(provider_id=provider_id, **values, active=True)
        session.add(engineer)
        session.flush()
        record(session, actor, AdminAction.ADD_ENGINEER, changes={"engineer_id": engineer.id, **values}, now=now)
        return engineer.id


def update_engineer(*, actor: Actor, engineer_id: int, data: dict, now: datetime | None = None) -> bool:
    values = _clean(data)
    with db.transaction() as session:
        engineer = _own(session, actor, engineer_id)
        if session.scalar(select(Engineer.id).where(Engineer.provider_id == engineer.provider_id,
                                                    Engineer.mobile == values["mobile"], Engineer.id != engineer.id)):
            raise ValidationError(FIELDS["mobile"], "本公司已有使用该手机号码的人员")
        return update(session, actor, AdminAction.UPDATE_ENGINEER, engineer, values, about={"engineer_id": engineer.id},
                      now=now)


def set_employed(*, actor: Actor, engineer_id: int, employed: bool, now: datetime | None = None) -> None:
    """Mark 离职 (employed=False) or back 在职."""
    now = now or clock.utcnow()
    with db.transaction() as session:
        engineer = _own(session, actor, engineer_id)
        if engineer.active == employed:
            raise ValidationError("在职状态", "已是在职状态" if employed else "已是离职状态")
        engineer.active = employed
        record(session, actor, AdminAction.REHIRE_ENGINEER if employed else AdminAction.ENGINEER_LEFT,
               changes={"engineer_id": engineer.id, "name": engineer.name}, now=now)


def provider_engineers(actor: Actor) -> pd.DataFrame:
    """All of the provider's engineers (在职 first) with how many service records each has made."""
    provider_id = _require_provider(actor)
    with db.read_session() as session:
        counts = (select(ServiceRecord.engineer_id, func.count().label("records"))
                  .group_by(ServiceRecord.engineer_id).subquery())
        rows = session.execute(
            select(Engineer.id, Engineer.name, Engineer.mobile, Engineer.title, Engineer.active,
                   func.coalesce(counts.c.records, 0).label("records"))
            .outerjoin(counts, counts.c.engineer_id == Engineer.id)
            .where(Engineer.provider_id == provider_id)
            .order_by(Engineer.active.desc(), Engineer.name)).mappings().all()
    frame = pd.DataFrame(rows, columns=["id", "name", "mobile", "title", "active", "records"])
    frame["mobile"] = frame["mobile"].map(v.display_phone)
    return frame
