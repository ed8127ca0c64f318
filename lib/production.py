"""Production mode (APP_ENV=production): what must be true before the platform may start. Without APP_ENV
the platform is the embedded demo (演示环境) and none of this applies."""
from __future__ import annotations

import bcrypt
from sqlalchemy import func, select

from lib import config, db
from lib.models import User

MIN_COOKIE_KEY_BYTES = 32
SAFE_ERROR_DETAILS = ("none", "type", False, "false")  # Streamlit's client.showErrorDetails without tracebacks


def demo_password_accounts() -> list[str]:
    """Active accounts whose password is a demo password. The demo seeds its accounts with one shared hash,
    so only hashes held by several accounts and the demo's own usernames are checked (cheap at any size)."""
    from lib.seed.demo import DEMO_PASSWORD, DEMO_USERNAMES
    with db.read_session() as session:
        shared = select(User.password_hash).group_by(User.password_hash).having(func.count() > 1)
        rows = session.execute(select(User.username, User.password_hash).where(
            User.active.is_(True), User.username.in_(DEMO_USERNAMES) | User.password_hash.in_(shared))).all()
    found = []
    for username, hashed in rows:
        try:
            if bcrypt.checkpw(DEMO_PASSWORD.encode(), hashed.encode()):
                found.append(username)
        except ValueError:  # not a bcrypt hash: not the demo's either
            continue
    return sorted(found)


def problems(*, show_error_details: object) -> list[str]:
    """Why a production install must not start (empty when it may). `show_error_details` is Streamlit's
    client.showErrorDetails as the server runs with it."""
    if not config.is_production():
        return []
    found = []
    key = config.configured_cookie_key()
    if not key:
        found.append("未设置 COOKIE_KEY（环境变量或 .streamlit/secrets.toml 的 [auth] cookie_key）")
    elif len(key.encode()) < MIN_COOKIE_KEY_BYTES:
        found.append(f"COOKIE_KEY 太短：至少{MIN_COOKIE_KEY_BYTES}字节，当前{len(key.encode())}字节")
    value = show_error_details.lower() if isinstance(show_error_details, str) else show_error_details
    if value not in SAFE_ERROR_DETAILS:
        found.append(f"client.showErrorDetails 为“{show_error_details}”，会向用户显示程序错误详情；请设为 none")
    demo = demo_password_accounts()
    if demo:
        found.append("以下账户仍在使用演示密码，请先重置或停用：" + "、".join(demo))
    return found
