"""Every life cycle as data: the voucher's (DESIGN.md §2: statuses, their order and named groups,
actions, who may act, guards) and the smaller ones of products, providers and withdrawals."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from lib.actors import Actor
from lib.errors import PermissionDenied
from lib.labels import ROLE_LABELS, Role


class Labelled(StrEnum):
    """A status or action whose Chinese name is in LABELS (a screen shows `.label`, never the value)."""

    @property
    def label(self) -> str:
        return LABELS[type(self)][self]


class VoucherStatus(Labelled):
    ISSUED = "issued"
    ACTIVATED = "activated"
    PENDING_CONFIRM = "pending_confirm"
    CONFIRMED = "confirmed"
    DELIVERED = "delivered"
    EVALUATED = "evaluated"
    SETTLED = "settled"
    EXPIRED = "expired"
    VOIDED = "voided"


STATUS_LABELS = {
    VoucherStatus.ISSUED: "待激活",
    VoucherStatus.ACTIVATED: "已激活",
    VoucherStatus.PENDING_CONFIRM: "已购买产品，待购买确认",
    VoucherStatus.CONFIRMED: "已确认",
    VoucherStatus.DELIVERED: "已交付",
    VoucherStatus.EVALUATED: "已评价",
    VoucherStatus.SETTLED: "已兑付",
    VoucherStatus.EXPIRED: "已过期",
    VoucherStatus.VOIDED: "已作废",
}
STATUS_MEANINGS = {
    VoucherStatus.ISSUED: "经信委已发放，发放后15天内未激活即过期",
    VoucherStatus.ACTIVATED: "企业已激活并完善企业信息，激活后30天内未选择产品即过期",
    VoucherStatus.PENDING_CONFIRM: "企业已选择服务商产品，等待服务商与企业沟通后确认",
    VoucherStatus.CONFIRMED: "服务商已确认购买，进行合同签订、上门服务和交付",
    VoucherStatus.DELIVERED: "服务商已记录交付，等待企业评价",
    VoucherStatus.EVALUATED: "企业已评价，服务信息和交付记录不可再修改",
    VoucherStatus.SETTLED: "经信委已审核材料并向服务商兑付补贴",
    VoucherStatus.EXPIRED: "超过期限未完成下一步，经信委可延期",
    VoucherStatus.VOIDED: "经信委已作废（不符合条件、弄虚作假等），不可恢复",
}
# The happy path in order; every list, chart and count shows statuses in `VoucherStatus` order
# (this path, then 已过期 and 已作废).
HAPPY_PATH = tuple(VoucherStatus)[:7]


def _from(status: VoucherStatus) -> frozenset[VoucherStatus]:
    """`status` and every later status of the happy path."""
    return frozenset(HAPPY_PATH[HAPPY_PATH.index(status):])


TERMINAL = frozenset({VoucherStatus.SETTLED, VoucherStatus.VOIDED})
# Statuses with a deadline; each later status clears it.
EXPIRING = frozenset({VoucherStatus.ISSUED, VoucherStatus.ACTIVATED})
WITHDRAWABLE = frozenset({VoucherStatus.PENDING_CONFIRM, VoucherStatus.CONFIRMED})
RECORD_EDITABLE = frozenset({VoucherStatus.CONFIRMED, VoucherStatus.DELIVERED})
CHOSEN = _from(VoucherStatus.PENDING_CONFIRM)  # a product is chosen (the voucher is "used")
CONFIRMED_OR_LATER = _from(VoucherStatus.CONFIRMED)
DELIVERED_OR_LATER = _from(VoucherStatus.DELIVERED)
EVALUATED_OR_LATER = _from(VoucherStatus.EVALUATED)  # service and delivery records are locked for good
PRINTABLE = DELIVERED_OR_LATER  # the enterprise may print its voucher (PDF)
# A live voucher still counts as the enterprise's voucher of its batch (one per batch), settled included;
# an expired one can be extended, but until then the enterprise may be issued another.
LIVE = frozenset(set(VoucherStatus) - {VoucherStatus.EXPIRED, VoucherStatus.VOIDED})
# 办理中: live and not settled — the work a provider still has to do or an officer still has to decide.
IN_PROGRESS = LIVE - {VoucherStatus.SETTLED}


def in_order(statuses: frozenset[VoucherStatus]) -> list[VoucherStatus]:
    """A group as a list in life-cycle order (for SQL `IN` and for display)."""
    return [s for s in VoucherStatus if s in statuses]


def status_label(status: object) -> str:
    """The Chinese label of a status; empty where a history row has none (issuing has no 'from')."""
    return STATUS_LABELS[VoucherStatus(status)] if isinstance(status, str) and status else ""


class Action(StrEnum):
    ISSUE = "issue"
    ACTIVATE = "activate"
    CHOOSE_PRODUCT = "choose_product"
    CONFIRM = "confirm"
    DECLINE = "decline"
    SIGN_CONTRACT = "sign_contract"
    ADD_SERVICE = "add_service"
    EDIT_SERVICE = "edit_service"
    RECORD_DELIVERY = "record_delivery"
    EVALUATE = "evaluate"
    SETTLE = "settle"
    REQUEST_WITHDRAWAL = "request_withdrawal"
    APPROVE_WITHDRAWAL = "approve_withdrawal"
    REJECT_WITHDRAWAL = "reject_withdrawal"
    EXTEND = "extend"
    VOID = "void"
    EXPIRE = "expire"

    @property
    def label(self) -> str:
        return TRANSITIONS[self].label


class VoucherLike(Protocol):
    status: str
    provider_id: int | None
    enterprise_id: int
    contract_date: object
    withdrawal_pending: bool
    expired_from: str | None


Guard = Callable[[VoucherLike], str | None]  # returns a Chinese reason when refused


def _contract_signed(v: VoucherLike) -> str | None:
    return None if v.contract_date else "请先签订合同"


def _contract_not_signed(v: VoucherLike) -> str | None:
    return "合同已签订" if v.contract_date else None


def _no_withdrawal(v: VoucherLike) -> str | None:
    return "企业已申请撤回，请等待经信委审核" if v.withdrawal_pending else None


def _withdrawal_open(v: VoucherLike) -> str | None:
    return None if v.withdrawal_pending else "没有待审核的撤回申请"


@dataclass(frozen=True)
class Transition:
    action: Action
    label: str
    sources: frozenset[VoucherStatus]
    target: VoucherStatus | None  # None: the status does not change
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()  # checked in order; the first reason refuses


S = VoucherStatus
C, P, E, SYS = Role.COMMISSION, Role.PROVIDER, Role.ENTERPRISE, Role.SYSTEM
NON_TERMINAL = frozenset(set(VoucherStatus) - TERMINAL)

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    Transition(Action.ISSUE, "发放", frozenset(), S.ISSUED, frozenset({C})),
    Transition(Action.ACTIVATE, "激活", frozenset({S.ISSUED}), S.ACTIVATED, frozenset({E})),
    Transition(Action.CHOOSE_PRODUCT, "选择产品", frozenset({S.ACTIVATED}), S.PENDING_CONFIRM, frozenset({E})),
    Transition(Action.CONFIRM, "确认购买", frozenset({S.PENDING_CONFIRM}), S.CONFIRMED, frozenset({P}),
               (_no_withdrawal,)),
    Transition(Action.DECLINE, "无法提供", frozenset({S.PENDING_CONFIRM}), S.ACTIVATED, frozenset({P}),
               (_no_withdrawal,)),
    Transition(Action.SIGN_CONTRACT, "合同签订", frozenset({S.CONFIRMED}), None, frozenset({P}),
               (_no_withdrawal, _contract_not_signed)),
    Transition(Action.ADD_SERVICE, "添加服务信息", RECORD_EDITABLE, None, frozenset({P}),
               (_no_withdrawal, _contract_signed)),
    Transition(Action.EDIT_SERVICE, "修改服务信息", RECORD_EDITABLE, None, frozenset({P}),
               (_no_withdrawal, _contract_signed)),
    Transition(Action.RECORD_DELIVERY, "编辑交付记录", RECORD_EDITABLE, S.DELIVERED, frozenset({P}),
               (_no_withdrawal, _contract_signed)),
    Transition(Action.EVALUATE, "服务评价", frozenset({S.DELIVERED}), S.EVALUATED, frozenset({E})),
    Transition(Action.SETTLE, "兑付", frozenset({S.EVALUATED}), S.SETTLED, frozenset({C})),
    Transition(Action.REQUEST_WITHDRAWAL, "服务券撤回", WITHDRAWABLE, None, frozenset({E}), (_no_withdrawal,)),
    Transition(Action.APPROVE_WITHDRAWAL, "批准撤回", WITHDRAWABLE, S.ACTIVATED, frozenset({C}), (_withdrawal_open,)),
    Transition(Action.REJECT_WITHDRAWAL, "驳回撤回", WITHDRAWABLE, None, frozenset({C}), (_withdrawal_open,)),
    Transition(Action.EXTEND, "延期", frozenset({S.EXPIRED}), None, frozenset({C})),
    Transition(Action.VOID, "作废", NON_TERMINAL, S.VOIDED, frozenset({C})),
    Transition(Action.EXPIRE, "过期", EXPIRING, S.EXPIRED, frozenset({SYS})),
]}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def owns(voucher: VoucherLike, actor: Actor) -> bool:
    """Whether the actor may see this voucher at all (DESIGN.md §1)."""
    if actor.role in (Role.COMMISSION, Role.SYSTEM):
        return True
    if actor.role == Role.PROVIDER:
        return actor.provider_id is not None and voucher.provider_id == actor.provider_id
    if actor.role == Role.ENTERPRISE:
        return actor.enterprise_id is not None and voucher.enterprise_id == actor.enterprise_id
    return False


def require_commission(actor: Actor, what: str) -> None:
    """Work only the commission does (issuing, review, settlement, managing providers and users)."""
    if actor.role != Role.COMMISSION:
        raise PermissionDenied(f"只有经信委可以{what}")


def require_provider(actor: Actor, what: str) -> int:
    """Work a provider does on its own records (products, engineers); returns its provider id."""
    if actor.role != Role.PROVIDER or actor.provider_id is None:
        raise PermissionDenied(f"只有服务商可以{what}")
    return actor.provider_id


def check(action: Action, voucher: VoucherLike, actor: Actor) -> Decision:
    """May `actor` take `action` on `voucher` now? The reason says why not, in Chinese."""
    t = TRANSITIONS[action]
    if actor.role not in t.roles:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(t.roles))
        return Decision(False, f"只有{allowed}可以执行“{t.label}”")
    if not owns(voucher, actor):
        return Decision(False, "无权操作该服务券")
    status = VoucherStatus(voucher.status)
    if status not in t.sources:
        return Decision(False, f"服务券当前状态为“{status.label}”，不能执行“{t.label}”")
    for guard in t.guards:
        reason = guard(voucher)
        if reason:
            return Decision(False, reason)
    return Decision(True)


def target_of(action: Action, voucher: VoucherLike) -> VoucherStatus:
    """The status after `action`; EXTEND returns to the status the voucher expired from."""
    t = TRANSITIONS[action]
    if action == Action.EXTEND:
        return VoucherStatus(voucher.expired_from or VoucherStatus.ISSUED)
    return t.target or VoucherStatus(voucher.status)


def available_actions(voucher: VoucherLike, actor: Actor) -> list[Action]:
    """The actions a screen should offer this actor on this voucher, in table order."""
    return [a for a in TRANSITIONS if a not in (Action.ISSUE, Action.EXPIRE) and check(a, voucher, actor)]



# ---------------------------------------------------------------- products, providers, withdrawals

class ProductStatus(Labelled):
    PENDING = "pending"
    ON_SALE = "on_sale"
    OFF_SALE = "off_sale"
    REJECTED = "rejected"


PRODUCT_STATUS_LABELS = {ProductStatus.PENDING: "待审核", ProductStatus.ON_SALE: "已上架",
                         ProductStatus.OFF_SALE: "已下架", ProductStatus.REJECTED: "未通过"}


class ProductAction(StrEnum):
    CREATE = "create_product"
    UPDATE = "update_product"  # any change goes back to 待审核
    APPROVE = "approve_product"
    REJECT = "reject_product"
    PUT_ON_SALE = "put_on_sale"
    TAKE_OFF_SALE = "take_off_sale"


@dataclass(frozen=True)
class ProductTransition:
    label: str
    sources: frozenset[ProductStatus]
    target: ProductStatus
    refusal: Callable[[ProductStatus], str]  # why not, from the product's current status


P_ = ProductStatus
PRODUCT_TRANSITIONS: dict[ProductAction, ProductTransition] = {
    ProductAction.CREATE: ProductTransition("新增产品", frozenset(), P_.PENDING, lambda s: ""),
    ProductAction.UPDATE: ProductTransition("修改产品", frozenset(ProductStatus), P_.PENDING, lambda s: ""),
    ProductAction.APPROVE: ProductTransition("产品审核通过", frozenset({P_.PENDING}), P_.ON_SALE,
                                             lambda s: f"该产品当前为“{s.label}”，不在待审核中"),
    ProductAction.REJECT: ProductTransition("产品审核不通过", frozenset({P_.PENDING}), P_.REJECTED,
                                            lambda s: f"该产品当前为“{s.label}”，不在待审核中"),
    ProductAction.PUT_ON_SALE: ProductTransition(
        "上架产品", frozenset({P_.OFF_SALE}), P_.ON_SALE,
        lambda s: "该产品已是“已上架”" if s == P_.ON_SALE else "只有已下架的产品可以重新上架；待审核的产品请先审核"),
    ProductAction.TAKE_OFF_SALE: ProductTransition("下架产品", frozenset(ProductStatus) - {P_.OFF_SALE}, P_.OFF_SALE,
                                                   lambda s: "该产品已是“已下架”"),
}


def check_product(action: ProductAction, status: str) -> Decision:
    """May a product in `status` take `action`? Who may act is checked by the service (its owner or 经信委)."""
    t = PRODUCT_TRANSITIONS[action]
    current = ProductStatus(status)
    return Decision(True) if current in t.sources else Decision(False, t.refusal(current))


class ProviderStatus(Labelled):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # its products leave the catalogue, its users cannot log in


PROVIDER_STATUS_LABELS = {ProviderStatus.ACTIVE: "正常", ProviderStatus.SUSPENDED: "已暂停"}


class WithdrawalStatus(Labelled):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"  # also when the voucher is voided meanwhile


WITHDRAWAL_STATUS_LABELS = {WithdrawalStatus.PENDING: "待审核", WithdrawalStatus.APPROVED: "批准",
                            WithdrawalStatus.REJECTED: "驳回"}


LABELS: dict[type[Labelled], dict] = {VoucherStatus: STATUS_LABELS, ProductStatus: PRODUCT_STATUS_LABELS,
                                      ProviderStatus: PROVIDER_STATUS_LABELS,
                                      WithdrawalStatus: WITHDRAWAL_STATUS_LABELS}
