"""Drafts of long forms (企业信息 has twenty fields): what a user typed and has not submitted yet, kept on
the server per user and form, so a reload (F5), a closed tab or a lost connection costs nothing. A draft
is written when the typed values differ from what is saved, read back when the form opens again, and
deleted in the same transaction as the form's successful submit (`discard`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lib import clock, db
from lib.actors import Actor
from lib.errors import ValidationError
from lib.models import Draft

PROFILE = "profile"
FORMS = frozenset({PROFILE})
MAX_BYTES = 64 * 1024  # twenty fields of at most 500 characters each fit many times over


@dataclass(frozen=True)
class Saved:
    values: dict
    saved_at: datetime


def _encode(values: dict) -> dict:
    """JSON for the draft: text, numbers and None as they are, dates as {"date": "YYYY-MM-DD"}."""
    return {k: {"date": v.isoformat()} if isinstance(v, date) else v for k, v in values.items()}


def _decode(data: dict) -> dict:
    return {k: date.fromisoformat(v["date"]) if isinstance(v, dict) and "date" in v else v for k, v in data.items()}


def _owner(actor: Actor, form: str) -> int:
    if form not in FORMS:
        raise ValidationError("表单", "不支持草稿")
    if actor.user_id is None:
        raise ValidationError("草稿", "只有登录用户可以保存草稿")
    return actor.user_id


def save(*, actor: Actor, form: str, values: dict, now: datetime | None = None) -> None:
    """Keep `values` as the user's draft of `form` (text, numbers, dates and None; the newest wins)."""
    user_id = _owner(actor, form)
    data = _encode(values)
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_BYTES:
        raise ValidationError("草稿", "内容过长，未能保存草稿")
    with db.transaction() as session:
        draft = session.get(Draft, (user_id, form))
        if draft is None:
            session.add(Draft(user_id=user_id, form=form, data=data, saved_at=now or clock.utcnow()))
        else:
            draft.data, draft.saved_at = data, now or clock.utcnow()


def load(actor: Actor, form: str) -> Saved | None:
    """The user's draft of `form`, or None."""
    user_id = _owner(actor, form)
    with db.read_session() as session:
        row = session.execute(select(Draft.data, Draft.saved_at).where(Draft.user_id == user_id,
                                                                       Draft.form == form)).first()
    return None if row is None else Saved(_decode(row.data), row.saved_at)


def discard(*, actor: Actor, form: str, session: Session | None = None) -> None:
    """Forget the draft: inside the submitting transaction (`session`), or on its own (放弃草稿). An actor
    without an account (a script, the system) has none."""
    if actor.user_id is None:
        return
    user_id = _owner(actor, form)
    statement = delete(Draft).where(Draft.user_id == user_id, Draft.form == form)
    if session is not None:
        session.execute(statement)
        return
    with db.transaction() as own:
        own.execute(statement)
