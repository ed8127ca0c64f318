"""The append-only history log: one row per transition, record edit or account change, and the one
registry of what each action is called (voucher, product and administrative actions)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from lib import clock
from lib.actors import Actor
from lib.models import History, Voucher
from lib.workflow import PRODUCT_TRANSITIONS, TRANSITIONS, Action, ProductAction


class AdminAction(StrEnum):
    """History actions that are neither a voucher's nor a product's life cycle."""
    CREATE_USER = "create_user"
    RESET_PASSWORD = "reset_password"
    CHANGE_PASSWORD = "change_password"
    LOCK_ACCOUNT = "lock_account"  # the system, after too many wrong passwords
    LOCK_USER = "lock_user"
    UNLOCK_USER = "unlock_user"
    ENABLE_USER = "enable_user"
    DISABLE_USER = "disable_user"
    ADD_ENGINEER = "add_engineer"
    UPDATE_ENGINEER = "update_engineer"
    ENGINEER_LEFT = "engineer_left"
    REHIRE_ENGINEER = "rehire_engineer"
    CREATE_BATCH = "create_batch"
    UPDATE_BATCH = "update_batch"
    CREATE_PROVIDER = "create_provider"
    UPDATE_PROVIDER = "update_provider"
    SUSPEND_PROVIDER = "suspend_provider"
    RESUME_PROVIDER = "resume_provider"
    UPDATE_PROFILE = "update_profile"
    UPDATE_ENTERPRISE = "update_enterprise"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"


ADMIN_ACTION_LABELS = {
    AdminAction.CREATE_USER: "创建账户", AdminAction.RESET_PASSWORD: "重置密码",
    AdminAction.CHANGE_PASSWORD: "修改密码", AdminAction.LOCK_ACCOUNT: "账户锁定",
    AdminAction.LOCK_USER: "锁定账户", AdminAction.UNLOCK_USER: "解锁账户",
    AdminAction.ENABLE_USER: "启用账户", AdminAction.DISABLE_USER: "停用账户",
    AdminAction.ADD_ENGINEER: "新增人员", AdminAction.UPDATE_ENGINEER: "修改人员",
    AdminAction.ENGINEER_LEFT: "人员离职", AdminAction.REHIRE_ENGINEER: "人员复职",
    AdminAction.CREATE_BATCH: "新建批次", AdminAction.UPDATE_BATCH: "修改批次",
    AdminAction.CREATE_PROVIDER: "新增服务商", AdminAction.UPDATE_PROVIDER: "修改服务商",
    AdminAction.SUSPEND_PROVIDER: "暂停服务商", AdminAction.RESUME_PROVIDER: "恢复服务商",
    AdminAction.UPDATE_PROFILE: "修改企业信息", AdminAction.UPDATE_ENTERPRISE: "经信委修改企业信息",
    AdminAction.LOGIN: "登录", AdminAction.LOGIN_FAILED: "登录失败", AdminAction.LOGOUT: "退出",
}
# Account and session events: logged, but they change no voucher, product or provider data (statistics
# caches keyed on the newest history row skip them, or every login would empty them).
ACCOUNT_EVENTS = frozenset({AdminAction.LOGIN, AdminAction.LOGIN_FAILED, AdminAction.LOGOUT, AdminAction.LOCK_ACCOUNT,
                            AdminAction.CHANGE_PASSWORD, AdminAction.RESET_PASSWORD, AdminAction.LOCK_USER,
                            AdminAction.UNLOCK_USER})
HistoryAction = Action | ProductAction | AdminAction
# Every action a history row can hold -> its Chinese name (操作日志, 服务券详情, the action filter).
ACTION_LABELS: dict[str, str] = ({str(a): t.label for a, t in TRANSITIONS.items()}
                                 | {str(a): t.label for a, t in PRODUCT_TRANSITIONS.items()}
                                 | {str(a): label for a, label in ADMIN_ACTION_LABELS.items()})


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


def update(session: Session, actor: Actor, action: HistoryAction, obj: object, values: dict, *, about: dict,
           extra: dict | None = None, now: datetime | None = None) -> bool:
    """An edit form saved: set `values` on `obj` and write one history row with `about` (whose record it
    is), what changed and `extra`; nothing is written when nothing changed. Returns whether anything did."""
    changes = diff(obj, values)
    if not changes:
        return False
    for field, value in values.items():
        setattr(obj, field, value)
    record(session, actor, action, changes={**about, **changes, **(extra or {})}, now=now)
    return True


def record(session: Session, actor: Actor, action: HistoryAction, *, voucher: Voucher | None = None,
           from_status: str | None = None, to_status: str | None = None,
           changes: dict | None = None, now: datetime | None = None) -> History:
    if str(action) not in ACTION_LABELS:  # a row nobody could read: an action needs its name first
        raise ValueError(f"history action without a label: {action!r}")
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
