"""待办: what each role should do next. Each item is a count with the page that lists exactly those records;
a voucher item's condition is also the voucher list's filter (?todo=key), so the count and the list agree."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true

from lib import clock, db, permissions
from lib.actors import Actor
from lib.labels import Role
from lib.models import Product, ServiceRecord, Voucher
from lib.workflow import EXPIRING, ProductStatus, in_order
from lib.workflow import VoucherStatus as S

EXPIRY_WARNING_DAYS = 7


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    hint: str  # what to do about it
    page: str = "vouchers"  # the menu url that lists them; the voucher list opens with ?todo=key


@dataclass(frozen=True)
class Item:
    todo: Todo
    count: int
    detail: str = ""  # e.g. 最久已等5天

    @property
    def query(self) -> dict[str, str]:
        """The link's query parameters: the voucher list filtered to exactly these vouchers."""
        return {"todo": self.todo.key} if self.todo.page == "vouchers" else {}


def _no_service_record() -> ColumnElement[bool]:
    return ~select(ServiceRecord.id).where(ServiceRecord.voucher_id == Voucher.id).exists()


# key → (the 待办, which vouchers it is about)
VOUCHER_TODOS: dict[str, tuple[Todo, Callable[[datetime], ColumnElement[bool]]]] = {
    "confirm": (Todo("confirm", "待购买确认", "请尽快联系企业，确认购买或说明无法提供的原因"),
                lambda now: Voucher.status == S.PENDING_CONFIRM),
    "contract": (Todo("contract", "已确认，未签合同", "签订合同后填写合同签订日期"),
                 lambda now: (Voucher.status == S.CONFIRMED) & Voucher.contract_date.is_(None)),
    "service": (Todo("service", "已签合同，无服务记录", "上门服务后添加服务信息"),
                lambda now: (Voucher.status == S.CONFIRMED) & Voucher.contract_date.is_not(None)
                & _no_service_record()),
    "delivered": (Todo("delivered", "已交付，待企业评价", "可提醒企业在“服务评价”中评价"),
                  lambda now: Voucher.status == S.DELIVERED),
    "expiring": (Todo("expiring", f"{EXPIRY_WARNING_DAYS}天内到期", "待激活或待选择产品、即将过期的服务券，可提醒企业"),
                 lambda now: Voucher.status.in_(in_order(EXPIRING))
                 & (Voucher.expires_at < now + timedelta(days=EXPIRY_WARNING_DAYS))),
    "withdrawal": (Todo("withdrawal", "撤回待审核", "企业申请撤回，请批准或驳回", page="withdrawals"),
                   lambda now: Voucher.withdrawal_pending == true()),  # `= true`, not `IS true`: the
                   # partial index ix_vouchers_withdrawal_pending serves only the form its predicate implies
    "settle": (Todo("settle", "待兑付", "企业已评价，核对材料后兑付", page="settlements"),
               lambda now: Voucher.status == S.EVALUATED),
    "activate": (Todo("activate", "待激活", "完善企业信息并激活", page="profile"),
                 lambda now: Voucher.status == S.ISSUED),
    "choose": (Todo("choose", "待选择产品", "选择服务商和产品", page="catalogue"),
               lambda now: Voucher.status == S.ACTIVATED),
    "evaluate": (Todo("evaluate", "待评价", "服务已交付，请评价", page="evaluate"),
                 lambda now: Voucher.status == S.DELIVERED),
}
# The items that are all the vouchers of one status: for the commission and a provider counted from the
# statistics' summaries (a province has 250,000 已评价 vouchers waiting for 兑付; counting them took 150 ms).
BY_STATUS = {"confirm": S.PENDING_CONFIRM, "delivered": S.DELIVERED, "settle": S.EVALUATED}
PRODUCT_REVIEW = Todo("product_review", "产品待审核", "服务商新增或修改的产品，审核后才能上架", page="product_review")
RISK = Todo("risk", "风险预警", "值得核查的服务券（不等于违规）", page="risk")
ROLE_TODOS: dict[Role, list[str]] = {
    Role.PROVIDER: ["confirm", "contract", "service", "delivered"],
    Role.COMMISSION: ["withdrawal", "product_review", "settle", "expiring", "risk"],
    Role.ENTERPRISE: ["activate", "choose", "evaluate"],
}
# The enterprise's next step, by status: the page where it is done.
NEXT_PAGE = {S.ISSUED: ("profile", "去完善企业信息并激活"), S.ACTIVATED: ("catalogue", "去选择服务商和产品"),
             S.DELIVERED: ("evaluate", "去评价")}


def condition(key: str, now: datetime | None = None) -> ColumnElement[bool]:
    """The vouchers of voucher 待办 `key` (the voucher list's ?todo= filter)."""
    return VOUCHER_TODOS[key][1](now or clock.utcnow())


def items(actor: Actor, *, now: datetime | None = None, risk_total: int | None = None) -> list[Item]:
    """The actor's 待办 with counts, in the role's order (an empty list for a role without one). The risk
    count is the caller's: 风险预警 is computed (and cached) by the statistics."""
    keys = ROLE_TODOS.get(actor.role, [])
    now = now or clock.utcnow()
    scope = permissions.voucher_scope(actor)
    summarized = {k: BY_STATUS[k] for k in keys if k in BY_STATUS and actor.role in (Role.COMMISSION, Role.PROVIDER)}
    counts = _status_counts(actor, summarized)
    with db.read_session() as session:
        # one count per other item, each through its own index (status and contract, status and expiry, pending
        # withdrawal): a single pass with a FILTER per item would read every voucher the actor may see
        counts |= {k: session.scalar(select(func.count()).select_from(Voucher).where(scope, condition(k, now)))
                   for k in keys if k in VOUCHER_TODOS and k not in summarized}
        oldest = session.scalar(select(func.min(Voucher.chosen_at)).where(
            permissions.voucher_scope(actor), condition("confirm", now))) if "confirm" in keys else None
        if "product_review" in keys:
            counts["product_review"] = session.scalar(
                select(func.count()).select_from(Product).where(Product.status == ProductStatus.PENDING))
    out = []
    for key in keys:
        if key == "risk":
            if risk_total is not None:
                out.append(Item(RISK, risk_total))
            continue
        todo = PRODUCT_REVIEW if key == "product_review" else VOUCHER_TODOS[key][0]
        detail = ""
        if key == "confirm" and oldest is not None:
            detail = f"最久已等{max(0, (now - oldest).days)}天"
        out.append(Item(todo, counts[key], detail))
    return out


def _status_counts(actor: Actor, wanted: dict[str, S]) -> dict[str, int]:
    if not wanted:
        return {}
    from lib.stats import cube  # lib.stats reads this module's conditions for the voucher lists
    from lib.stats.scope import NO_FILTERS
    c = cube.summed("cube", actor, NO_FILTERS, ["status"])
    return {key: int(c.loc[c["status"] == str(status), "n"].sum()) for key, status in wanted.items()}


def badges(found: list[Item]) -> dict[str, int]:
    """Menu url → how many things wait there (the count beside the menu item)."""
    out: dict[str, int] = {}
    for item in found:
        if item.count:
            out[item.todo.page] = out.get(item.todo.page, 0) + item.count
    return out


def label_of(key: str) -> str | None:
    """The Chinese name of voucher 待办 `key` (the voucher list says which filter is on), or None."""
    return VOUCHER_TODOS[key][0].label if key in VOUCHER_TODOS else None
