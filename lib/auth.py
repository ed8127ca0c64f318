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

from lib import clock, config, db, permissions, sessions
from lib import validation as v
from lib.actors import Actor
from lib.errors import AuthError, DomainError, NotFound, PermissionDenied, ValidationError
from lib.history import AdminAction, record
from lib.labels import Role
from lib.models import LoginThrottle, Provider, User
from lib.permissions import Area
from lib.workflow import ProviderStatus

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
LOCKED_MESSAGE = "账户已锁定，请15分钟后再试"
BAD_CREDENTIALS = "账户名或密码错误"
DISABLED_MESSAGE = "账户已停用，请联系管理员"
SUSPENDED_MESSAGE = "服务商已暂停，账户不能登录，请联系经信委"
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,40}$")
CLIENT_FREE_FAILURES = 5  # failures from one client before it has to wait, doubling with each further one
CLIENT_WAIT_CAP = timedelta(hours=24)
CLIENT_FORGET_AFTER = timedelta(hours=24)
COMMON_PASSWORDS = frozenset(line.strip().lower() for line in
                             (config.ROOT / "lib" / "common_passwords.txt").read_text().splitlines()
                             if line.strip() and not line.startswith("#"))
_dummy_hash: dict[int, str] = {}


def _dummy() -> str:
    """A hash to compare against for unknown usernames, at the same cost as real ones, so their refusal
    takes as long as a wrong password."""
    rounds = config.bcrypt_rounds()
    if rounds not in _dummy_hash:
        _dummy_hash[rounds] = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds)).decode()
    return _dummy_hash[rounds]


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


@dataclass(frozen=True)
class Login(Account):
    """A successful login: the account and the token of its new server-side session (for the cookie)."""
    token: str = ""

    @classmethod
    def of(cls, account: Account, token: str) -> Login:
        return cls(**{f: getattr(account, f) for f in Account.__dataclass_fields__}, token=token)


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
    """As typed (全角 letters folded), without control characters; NUL is dropped (no account has one)."""
    return v.scrub(username).lower()


def check_password_rules(password: str, *, field: str = "新密码") -> None:
    if password != password.strip():
        raise ValidationError(field, "不能以空格开头或结尾")
    if len(password) < 8:
        raise ValidationError(field, "至少8位")
    if len(password.encode()) > 72:
        raise ValidationError(field, "不能超过72个字节")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise ValidationError(field, "必须同时包含字母和数字")
    if password.lower() in COMMON_PASSWORDS:
        raise ValidationError(field, "过于常见，容易被猜中，请换一个")


def _provider_suspended(session, user: User) -> bool:
    if user.role != Role.PROVIDER or user.provider_id is None:
        return False
    return session.get(Provider, user.provider_id).status == ProviderStatus.SUSPENDED


def client_wait(session, client: str | None, now: datetime) -> timedelta:
    """How long `client` must wait before its next login attempt: nothing for its first five failures in
    a day, then 1, 2, 4 … minutes (at most a day), so nobody can keep an account locked from one address."""
    if not client:
        return timedelta(0)
    row = session.get(LoginThrottle, client)
    if row is None or now - row.last_failure_at > CLIENT_FORGET_AFTER or row.failures < CLIENT_FREE_FAILURES:
        return timedelta(0)
    wait = min(timedelta(minutes=2 ** min(row.failures - CLIENT_FREE_FAILURES, 11)), CLIENT_WAIT_CAP)
    return max(timedelta(0), row.last_failure_at + wait - now)


def _client_failed(session, client: str | None, now: datetime) -> None:
    if not client:
        return
    row = session.get(LoginThrottle, client, with_for_update=True)
    if row is None:
        session.add(LoginThrottle(client=client, failures=1, last_failure_at=now))
        return
    row.failures = 1 if now - row.last_failure_at > CLIENT_FORGET_AFTER else row.failures + 1
    row.last_failure_at = now


def _failed(session, name: str, client: str | None, reason: str, now: datetime) -> None:
    """A refused login: counted against the client, and a row in 操作日志."""
    _client_failed(session, client, now)
    record(session, Actor.system(), AdminAction.LOGIN_FAILED,
           changes={"username": name[:40], **({"client": client} if client else {}), "reason": reason}, now=now)


def verify_login(username: str, password: str, *, client: str | None = None,
                 now: datetime | None = None) -> Login:
    """Check a login attempt and open a session. Five wrong passwords in a row lock the account for 15
    minutes, however many attempts run at once: an attempt is counted (and the lock checked) in a short
    transaction before the slow password comparison, so at most five comparisons ever run against an
    unlocked account. A client with many failures waits first. Raises AuthError with the message to show."""
    now = now or clock.utcnow()
    name = normalize_username(username)[:60]
    client = client[:64] if isinstance(client, str) and client else None
    failure: AuthError | None = None
    with db.transaction() as session:
        wait = client_wait(session, client, now)
        user = session.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
        if wait:
            failure = AuthError(f"登录失败次数过多，请{max(1, round(wait.total_seconds() / 60))}分钟后再试")
        elif user is not None:
            if user.locked_until and user.locked_until > now:
                failure = AuthError(LOCKED_MESSAGE)
            elif user.failed_logins >= MAX_FAILED_LOGINS:  # five attempts already counted: lock now
                _lock(session, user, now)
                failure = AuthError(LOCKED_MESSAGE)
            else:
                if user.locked_until:  # the lock has run out: start counting afresh
                    user.locked_until = None
                    user.failed_logins = 0
                user.failed_logins += 1  # counted now, taken back if the password is right
            hashed = user.password_hash
        if failure and not wait:  # a client told to wait tested no password: nothing to count or log
            _failed(session, name, client, failure.message, now)
    if failure:
        raise failure
    right = _matches(password or "", hashed if user is not None else _dummy())
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
        if user is None or not right:
            failure = AuthError(BAD_CREDENTIALS)
            if user is not None and user.failed_logins >= MAX_FAILED_LOGINS and not user.locked_until:
                _lock(session, user, now)
                failure = AuthError(LOCKED_MESSAGE)
            elif user is not None and not user.locked_until:
                left = MAX_FAILED_LOGINS - user.failed_logins
                failure = AuthError(f"{BAD_CREDENTIALS}（再错{left}次将锁定15分钟）")
        elif user.locked_until and user.locked_until > now:  # locked meanwhile by attempts running alongside
            failure = AuthError(LOCKED_MESSAGE)
        elif not user.active:
            failure = AuthError(DISABLED_MESSAGE)
        elif _provider_suspended(session, user):
            failure = AuthError(SUSPENDED_MESSAGE)
        if failure:
            _failed(session, name, client, failure.message, now)
        else:
            user.failed_logins = 0
            token = sessions.start(session, user, client=client, now=now)
            record(session, _account(user).actor(), AdminAction.LOGIN,
                   changes={"username": name, **({"client": client} if client else {})}, now=now)
            login = Login.of(_account(user), token)
    # Commit the counter before refusing: the failed attempt must be remembered.
    if failure:
        raise failure
    return login


def _lock(session, user: User, now: datetime) -> None:
    user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    user.failed_logins = 0
    sessions.revoke_all(session, [user.id], sessions.ADMIN, now=now)
    record(session, Actor.system(), AdminAction.LOCK_ACCOUNT, changes={"username": user.username}, now=now)


def account_of(user_id: int | None) -> Account | None:
    """The account if it may still use the platform: active, not locked, provider not suspended."""
    if user_id is None:
        return None
    with db.read_session() as session:
        user = session.get(User, user_id)
        if user is None or not user.active or _provider_suspended(session, user):
            return None
        if user.locked_until and user.locked_until > clock.utcnow():
            return None
        return _account(user)


def session_account(token: str | None) -> Account | None:
    """The account behind a login cookie's session token, or None if the session or the account is over."""
    return account_of(sessions.resume(token))


def change_password(username: str, old_password: str, new_password: str, *, client: str | None = None,
                    now: datetime | None = None) -> Login:
    """修改密码: every other session of the account ends; this browser continues in a new one."""
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
        sessions.revoke_all(session, [user.id], sessions.PASSWORD, now=now)
        token = sessions.start(session, user, client=client, now=now)
        record(session, _account(user).actor(), AdminAction.CHANGE_PASSWORD, changes={"username": user.username},
               now=now)
        return Login.of(_account(user), token)


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
        sessions.revoke_all(session, [user.id], sessions.ADMIN, now=now)
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
        if not active:
            sessions.revoke_all(session, [user.id], sessions.ADMIN, now=now or clock.utcnow())
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
        if locked:
            sessions.revoke_all(session, [user.id], sessions.ADMIN, now=now)
        record(session, actor, AdminAction.LOCK_USER if locked else AdminAction.UNLOCK_USER,
               changes={"username": user.username}, now=now)


def accounts(actor: Actor, *, role: str | None = None, search: str = "") -> pd.DataFrame:
    """用户管理: accounts with their state, optionally of one role or matching a name."""
    permissions.require(actor, Area.USERS)
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
