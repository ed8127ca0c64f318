"""Settings read from the environment, `.streamlit/secrets.toml` or generated local defaults."""
from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
LOCAL_KEY_FILE = DATA_DIR / "cookie_key"

# Settings as data (name, default, help) so the README and `--help` can list them.
SETTINGS = {
    "APP_ENV": ("（空，演示环境）", "设为 production 即生产环境：不写入演示数据，配置不安全时拒绝启动"),
    "DATABASE_URL": (f"sqlite:///{DATA_DIR / 'app.db'}", "数据库地址；PostgreSQL 用 postgresql+psycopg://user@host/db"),
    "COOKIE_KEY": ("（自动生成，保存在 data/cookie_key）", "登录 Cookie 的签名密钥，生产环境必须设置"),
    "SESSION_IDLE_MINUTES": ("30", "登录会话空闲多少分钟后失效"),
    "SESSION_MAX_HOURS": ("12", "登录会话最长有效小时数（无论是否活动）"),
    "BCRYPT_ROUNDS": ("12", "密码哈希强度（测试可设为 4）"),
    "TRUSTED_PROXY": ("（空）", "设为 1 表示在反向代理之后：按代理转发的 X-Forwarded-For 识别用户地址（登录限速）"),
}


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or SETTINGS["DATABASE_URL"][0]


def _secrets() -> dict:
    if SECRETS_FILE.exists():
        with SECRETS_FILE.open("rb") as fh:
            return tomllib.load(fh)
    return {}


def is_production() -> bool:
    return os.environ.get("APP_ENV", "").strip().lower() == "production"


def configured_cookie_key() -> str | None:
    """The cookie key an operator set: the environment first, then secrets.toml ([auth] cookie_key)."""
    return os.environ.get("COOKIE_KEY") or _secrets().get("auth", {}).get("cookie_key") or None


def cookie_key() -> str:
    """The configured key, or (demo only: production refuses to start without one) a generated local key."""
    key = configured_cookie_key()
    if key:
        return key
    if LOCAL_KEY_FILE.exists():
        return LOCAL_KEY_FILE.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    LOCAL_KEY_FILE.write_text(key)
    LOCAL_KEY_FILE.chmod(0o600)
    return key


def session_idle_minutes() -> float:
    return float(os.environ.get("SESSION_IDLE_MINUTES", SETTINGS["SESSION_IDLE_MINUTES"][0]))


def session_max_hours() -> float:
    return float(os.environ.get("SESSION_MAX_HOURS", SETTINGS["SESSION_MAX_HOURS"][0]))


def trusted_proxy() -> bool:
    return os.environ.get("TRUSTED_PROXY", "").strip().lower() in ("1", "true", "yes")


def bcrypt_rounds() -> int:
    return int(os.environ.get("BCRYPT_ROUNDS", SETTINGS["BCRYPT_ROUNDS"][0]))
