"""Server-side login sessions: the signed login cookie carries a random token, and the database holds
its SHA-256 with the session's state. A session ends on 退出, on a password change or reset, when its
account is disabled or locked or its provider suspended, after an idle timeout, and at an absolute lifetime."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, update
from sqlalchemy.orm import Session

from lib import clock, config, db
from lib.actors import Actor
from lib.history import AdminAction, record
from lib.models import LoginSession, User

# Why a session ended (stored, and shown in 操作日志).
LOGOUT = "logout"
PASSWORD = "password"
ADMIN = "admin"  # disabled, locked, reset or the provider suspended by the commission
IDLE = "idle"
EXPIRED = "expired"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most once a minute per session


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(token: str) -> update:
    """An UPDATE of this token's session while it is not revoked."""
    return update(LoginSession).where(LoginSession.id == _key(token), LoginSession.revoked_at.is_(None))


def start(session: Session, user: User, *, client: str | None, now: datetime) -> str:
    """A new session for `user` (inside the login's transaction); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(id=_key(token), user_id=user.id, created_at=now, last_seen_at=now,
                             expires_at=now + timedelta(hours=config.session_max_hours()), client=client))
    return token


def resume(token: str | None, *, now: datetime | None = None) -> int | None:
    """The user id of a live session, or None: unknown, revoked, idle too long or past its lifetime.
    A session found dead is marked so (the reason stays with it)."""
    if not token or not isinstance(token, str):
        return None
    now = now or clock.utcnow()
    with db.read_session() as session:
        row = session.get(LoginSession, _key(token))
        if row is None or row.revoked_at is not None:
            return None
        if now >= row.expires_at:
            reason = EXPIRED
        elif now - row.last_seen_at > timedelta(minutes=config.session_idle_minutes()):
            reason = IDLE
        else:
            reason = None
        user_id, stale = row.user_id, now - row.last_seen_at >= TOUCH_EVERY
    if reason:
        with db.transaction() as session:
            session.execute(_live(token).values(revoked_at=now, revoked_reason=reason))
        return None
    if stale:
        with db.transaction() as session:
            session.execute(_live(token).values(last_seen_at=now))
    return user_id


def logout(token: str | None, actor: Actor, *, now: datetime | None = None) -> None:
    """退出: this browser's session ends, with a row in 操作日志."""
    now = now or clock.utcnow()
    if not token:
        return
    with db.transaction() as session:
        done = session.execute(_live(token).values(revoked_at=now, revoked_reason=LOGOUT))
        if done.rowcount:
            record(session, actor, AdminAction.LOGOUT, changes={"username": actor.username}, now=now)


def revoke_all(session: Session, user_ids: list[int] | Select, reason: str, *, now: datetime,
               keep: str | None = None) -> int:
    """End every live session of these users inside the caller's transaction (except the token `keep`)."""
    query = update(LoginSession).where(LoginSession.user_id.in_(user_ids), LoginSession.revoked_at.is_(None))
    if keep:
        query = query.where(LoginSession.id != _key(keep))
    return session.execute(query.values(revoked_at=now, revoked_reason=reason)).rowcount
