"""Accounts: password hashing, login with a database lockout, password rules, resets."""
from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
import pandas as pd
from sqlalchemy import select

from lib import clock, config, db
from lib.actors import Actor
from lib.errors import AuthError, DomainError, NotFound, PermissionDenied, ValidationError
from lib.history import AdminAction, record
from lib.labels import Role
from lib.models import Provider, User
from lib.workflow import ProviderStatus

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
LOCKED_MESSAGE = "账户已锁定，请15分钟后再试"
BAD_CREDENTIALS = "账户名或密码错误"
DISABLED_MESSAGE = "账户已停用，请联系管理员"
SUSPENDED_MESSAGE = "服务商已暂停，账户不能登录，请联系经信委"
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,40}$")
# A hash to compare against for unknown usernames, so their refusal takes as long as a real one.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(4)).decode()


@dataclass(frozen=True)
class Account:
    """What the shell needs about the logged-in user."""

    id: int
    username: str
    display_name: str
    role: Role
    provider_id: int | None
    enterprise_id: int | None
    must_change_password: bool
    password_changed_at: datetime

    def actor(self) -> Actor:
        return Actor(user_id=self.id, username=self.username, role=self.role, provider_id=self.provider_id,
                     enterprise_id=self.enterprise_id, display_name=self.display_name)


def _account(user: User) -> Account:
    return Account(user.id, user.username, user.display_name, Role(user.role), user.provider_id,
                   user.enterprise_id, user.must_change_password, user.password_changed_at)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(config.bcrypt_rounds())).decode()


def _matches(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:  # bcrypt 5 refuses passwords over 72 bytes
        return False


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def check_password_rules(password: str, *, field: str = "新密码") -> None:
    if len(password) < 8:
        raise ValidationError(field, "至少8位")
    if len(password.encode()) > 72:
        raise ValidationError(field, "不能超过72个字节")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise ValidationError(field, "必须同时包含字母和数字")


def _provider_suspended(session, user: User) -> bool:
    if user.role != Role.PROVIDER or user.provider_id is None:
        return False
    return session.get(Provider, user.provider_id).status == ProviderStatus.SUSPENDED


def verify_login(username: str, password: str, *, now: datetime | None = None) -> Account:
    """Check a login attempt. The lock is checked before any password comparison; five wrong
    passwords in a row lock the account for 15 minutes. Raises AuthError with the message to show."""
    now = now or clock.utcnow()
    name = normalize_username(username)
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
        if user is None:
            _matches(password or "", _DUMMY_HASH)
            raise AuthError(BAD_CREDENTIALS)
        if user.locked_until and user.locked_until > now:
            raise AuthError(LOCKED_MESSAGE)
        if user.locked_until:  # the lock has run out: start counting afresh
            user.locked_until = None
            user.failed_logins = 0
        if not _matches(password or "", user.password_hash):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                record(session, Actor.system(), AdminAction.LOCK_ACCOUNT, changes={"username": name}, now=now)
                failure = AuthError(LOCKED_MESSAGE)
            else:
                left = MAX_FAILED_LOGINS - user.failed_logins
                failure = AuthError(f"{BAD_CREDENTIALS}（再错{left}次将锁定15分钟）")
        else:
            failure = None
            user.failed_logins = 0
            if not user.active:
                failure = AuthError(DISABLED_MESSAGE)
            elif _provider_suspended(session, user):
                failure = AuthError(SUSPENDED_MESSAGE)
            account = _account(user)
    # Commit the counter before refusing: the failed attempt must be remembered.
    if failure:
        raise failure
    return account


def session_account(username: str, *, issued_at: datetime | None = None) -> Account | None:
    """The account behind a live session or login cookie, or None if it must be refused:
    unknown, disabled, locked, suspended provider, or a token issued before the last password change."""
    with db.read_session() as session:
        user = session.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()
        if user is None or not user.active or _provider_suspended(session, user):
            return None
        if user.locked_until and user.locked_until > clock.utcnow():
            return None
        if issued_at is not None and issued_at < user.password_changed_at:
            return None
        return _account(user)


def change_password(username: str, old_password: str, new_password: str, *, now: datetime | None = None) -> Account:
    now = now or clock.utcnow()
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()
        if user is None:
            raise NotFound("账户不存在")
        if not _matches(old_password or "", user.password_hash):
            raise ValidationError("原密码", "不正确")
        check_password_rules(new_password)
        if new_password == old_password:
            raise ValidationError("新密码", "不能与原密码相同")
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        user.password_changed_at = now
        record(session, _account(user).actor(), AdminAction.CHANGE_PASSWORD, changes={"username": user.username},
               now=now)
        return _account(user)


def generate_one_time_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(12))
        if re.search(r"[A-Za-z]", pw) and re.search(r"\d", pw):
            return pw


def _require_commission(actor: Actor) -> None:
    if actor.role not in (Role.COMMISSION, Role.SYSTEM):
        raise PermissionDenied("只有经信委可以管理账户")


def add_user(session, *, actor: Actor, username: str, display_name: str, role: Role | str, password_hash: str,
             provider_id: int | None = None, enterprise_id: int | None = None, must_change_password: bool = True,
             now: datetime) -> User:
    """Insert an account inside the caller's transaction (batch issuing creates thousands in one)."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise ValidationError("账户名", "应为3到40位小写字母、数字、下划线、点或横线")
    role = Role(role)
    if role == Role.SYSTEM:
        raise ValidationError("角色", "选项无效")
    if role == Role.PROVIDER and provider_id is None:
        raise ValidationError("所属服务商", "不能为空")
    if role == Role.ENTERPRISE and enterprise_id is None:
        raise ValidationError("所属企业", "不能为空")
    display = (display_name or "").strip()
    if not display:
        raise ValidationError("名称", "不能为空")
    if session.scalar(select(User.id).where(User.username == name)):
        raise DomainError(f"账户名“{name}”已存在", field="账户名")
    user = User(username=name, display_name=display, role=str(role), password_hash=password_hash, active=True,
                must_change_password=must_change_password, failed_logins=0, password_changed_at=now,
                provider_id=provider_id if role == Role.PROVIDER else None,
                enterprise_id=enterprise_id if role == Role.ENTERPRISE else None, created_at=now)
    session.add(user)
    session.flush()
    record(session, actor, AdminAction.CREATE_USER, changes={"username": name, "role": str(role)}, now=now)
    return user


def one_time_hash(password: str) -> str:
    """Hash a generated one-time password. It carries ~71 random bits, so key stretching adds nothing
    and a low bcrypt cost lets a batch create thousands of logins; the forced change re-hashes at full cost."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


def create_user(*, actor: Actor, username: str, display_name: str, role: Role | str, password: str | None = None,
                provider_id: int | None = None, enterprise_id: int | None = None,
                must_change_password: bool = True, now: datetime | None = None) -> tuple[Account, str]:
    """Create an account; returns it and the password (a generated one-time password if none given)."""
    _require_commission(actor)
    now = now or clock.utcnow()
    if password:
        check_password_rules(password, field="密码")
        hashed = hash_password(password)
    else:
        password = generate_one_time_password()
        hashed = one_time_hash(password)
    with db.transaction() as session:
        user = add_user(session, actor=actor, username=username, display_name=display_name, role=role,
                        password_hash=hashed, provider_id=provider_id, enterprise_id=enterprise_id,
                        must_change_password=must_change_password, now=now)
        return _account(user), password


def reset_password(*, actor: Actor, username: str, now: datetime | None = None) -> str:
    """Give the account a one-time password (returned once), unlock it, and force a change at next login."""
    _require_commission(actor)
    now = now or clock.utcnow()
    password = generate_one_time_password()
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()
        if user is None:
            raise NotFound(f"账户“{username}”不存在")
        user.password_hash = one_time_hash(password)
        user.must_change_password = True
        user.password_changed_at = now
        user.failed_logins = 0
        user.locked_until = None
        record(session, actor, AdminAction.RESET_PASSWORD, changes={"username": user.username}, now=now)
    return password


def set_active(*, actor: Actor, username: str, active: bool, now: datetime | None = None) -> None:
    _require_commission(actor)
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()
        if user is None:
            raise NotFound(f"账户“{username}”不存在")
        if user.id == actor.user_id and not active:
            raise DomainError("不能停用自己的账户")
        user.active = active
        record(session, actor, AdminAction.ENABLE_USER if active else AdminAction.DISABLE_USER,
               changes={"username": user.username}, now=now)


def set_locked(*, actor: Actor, username: str, locked: bool, now: datetime | None = None) -> None:
    """Lock an account until unlocked (锁定) or lift a lock and the failure count (解锁)."""
    _require_commission(actor)
    now = now or clock.utcnow()
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()
        if user is None:
            raise NotFound(f"账户“{username}”不存在")
        if user.id == actor.user_id and locked:
            raise DomainError("不能锁定自己的账户")
        user.locked_until = now + timedelta(days=36500) if locked else None
        user.failed_logins = 0
        record(session, actor, AdminAction.LOCK_USER if locked else AdminAction.UNLOCK_USER,
               changes={"username": user.username}, now=now)


def accounts(*, role: str | None = None, search: str = "") -> pd.DataFrame:
    """用户管理: accounts with their state, optionally of one role or matching a name."""
    query = select(User.username, User.display_name, User.role, User.active, User.must_change_password,
                   User.failed_logins, User.locked_until, User.created_at).order_by(User.role, User.username)
    if role:
        query = query.where(User.role == role)
    if search.strip():
        query = query.where(db.contains(User.username, search.strip()) | db.contains(User.display_name, search.strip()))
    with db.read_session() as session:
        rows = session.execute(query.limit(500)).all()
    frame = pd.DataFrame(rows, columns=["username", "display_name", "role", "active", "must_change_password",
                                        "failed_logins", "locked_until", "created_at"])
    now = clock.utcnow()
    frame["locked"] = [bool(t and t > now) for t in frame["locked_until"]]
    return frame
