"""Who may use which part of the platform, with the reason when not: the one answer that the services
(every selector and write service checks it) and the pages (tests hold the menus to it) both use.
What an actor may do with one voucher in its status is lib.workflow's `check`."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, false, true

from lib import db
from lib.actors import Actor
from lib.errors import PermissionDenied
from lib.labels import Role
from lib.models import Voucher
from lib.workflow import Decision


class Area(StrEnum):
    """The commission's own screens (and the selectors behind them)."""
    USERS = "users"  # 用户管理
    SETTLEMENTS = "settlements"  # 兑付管理
    WITHDRAWALS = "withdrawals"  # 撤回审核
    PROVIDERS = "providers"  # 服务商管理
    AUDIT_LOG = "audit_log"  # 操作日志
    ENTERPRISES = "enterprises"  # 企业管理
    PRODUCT_REVIEW = "product_review"  # 产品审核


AREA_NAMES = {Area.USERS: "用户管理", Area.SETTLEMENTS: "兑付管理", Area.WITHDRAWALS: "撤回审核",
              Area.PROVIDERS: "服务商管理", Area.AUDIT_LOG: "操作日志", Area.ENTERPRISES: "企业管理",
              Area.PRODUCT_REVIEW: "产品审核"}
ALLOWED: dict[Area, frozenset[Role]] = {area: frozenset({Role.COMMISSION, Role.SYSTEM}) for area in Area}


def may_use(actor: Actor | None, area: Area) -> Decision:
    """May `actor` open `area` (see its lists, use its actions)? The reason says why not, in Chinese."""
    if actor is None or actor.role not in ALLOWED[area]:
        return Decision(False, f"只有经信委可以使用“{AREA_NAMES[area]}”")
    return Decision(True)


def require(actor: Actor | None, area: Area) -> None:
    """Refuse (PermissionDenied with the reason) anyone who may not use `area`."""
    answer = may_use(actor, area)
    if not answer:
        raise PermissionDenied(answer.reason)


def voucher_scope(actor: Actor) -> ColumnElement[bool]:
    """The vouchers `actor` may see: a provider its own, an enterprise its own, the commission all."""
    if actor.role == Role.PROVIDER:
        return db.belongs_to(Voucher.provider_id, actor.provider_id)
    if actor.role == Role.ENTERPRISE:
        return db.belongs_to(Voucher.enterprise_id, actor.enterprise_id)
    return true() if actor.role in (Role.COMMISSION, Role.SYSTEM) else false()
