"""Read-side selectors: voucher lists paged in SQL, voucher detail and history, scoped to the actor."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, select

from lib import clock, db, money, permissions, settlement, todo
from lib import validation as v
from lib.actors import Actor
from lib.errors import NotFound, PermissionDenied
from lib.history import ACTION_LABELS
from lib.labels import CRITERIA, ROLE_LABELS, Role
from lib.models import (
    Batch,
    Engineer,
    Enterprise,
    Evaluation,
    History,
    Product,
    ProductCategory,
    Provider,
    Region,
    ServiceRecord,
    Voucher,
    Withdrawal,
)
from lib.paging import PAGE_SIZE, Page, fetch_page
from lib.permissions import Area
from lib.stats import cube
from lib.workflow import (
    EVALUATED_OR_LATER,
    EXPIRING,
    PRINTABLE,
    STATUS_LABELS,
    Action,
    VoucherStatus,
    WithdrawalStatus,
    available_actions,
    owns,
    status_label,
)

NO_ACCESS = "无权查看该服务券"


@dataclass(frozen=True)
class VoucherFilters:
    number: str = ""  # exact or prefix
    enterprise_name: str = ""  # contains
    region_id: int | None = None
    status: str | None = None
    provider_id: int | None = None
    category_id: int | None = None
    todo: str = ""  # a 待办 item of lib.todo (opened from the home page's panel)


def _scope(query: Select, actor: Actor) -> Select:
    return query.where(permissions.voucher_scope(actor))


def _needs_enterprise(filters: VoucherFilters) -> bool:
    return bool(v.scrub(filters.enterprise_name, fold=False)) or filters.region_id is not None


def _filtered(query: Select, filters: VoucherFilters) -> Select:
    prefix = v.scrub(filters.number)
    if prefix:
        # A range, not LIKE 'x%': it uses the unique index on number on SQLite and PostgreSQL alike.
        query = query.where(Voucher.number >= prefix, Voucher.number < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    if name := v.scrub(filters.enterprise_name, fold=False):
        query = query.where(db.name_contains(Enterprise, name))
    if filters.region_id is not None:
        query = query.where(Enterprise.region_id == filters.region_id)
    if filters.status:
        query = query.where(Voucher.status == filters.status)
    if filters.provider_id is not None:
        query = query.where(Voucher.provider_id == filters.provider_id)
    if filters.category_id is not None:
        query = query.where(Voucher.product_id.in_(
            select(Product.id).where(Product.category_id == filters.category_id)))
    if filters.todo in todo.VOUCHER_TODOS:
        query = query.where(todo.condition(filters.todo))
    return query


def voucher_page(actor: Actor, filters: VoucherFilters = VoucherFilters(), page: int = 1,
                 page_size: int = PAGE_SIZE) -> Page:
    """One page of the vouchers the actor may see, newest number first: the total from the summaries where
    they answer it (else counted in SQL), the page sliced in SQL."""
    total = cube.list_total(actor, filters)
    base = select(Voucher.id)
    if _needs_enterprise(filters):  # counting 1M rows is several times faster without the join
        base = base.join(Enterprise, Voucher.enterprise_id == Enterprise.id)
    base = _filtered(_scope(base, actor), filters)
    with db.read_session() as session:
        query = _filtered(_scope(
            select(Voucher.number, Enterprise.name.label("enterprise_name"), Region.name.label("region"),
                   Voucher.status, Provider.name.label("provider_name"), Voucher.withdrawal_pending)
            .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
            .join(Region, Enterprise.region_id == Region.id)
            .outerjoin(Provider, Voucher.provider_id == Provider.id), actor), filters)
        result = fetch_page(session, query, order=[Voucher.number.desc()], total=total, columns=[
            "number", "enterprise_name", "region", "status", "provider_name", "withdrawal_pending"],
            page=page, page_size=page_size, count=base)
    rows = result.rows
    rows["status_label"] = [status_text(s, w) for s, w in zip(rows["status"], rows["withdrawal_pending"], strict=True)]
    rows["provider_name"] = rows["provider_name"].fillna("")
    return result


def status_text(status: str, withdrawal_pending: bool) -> str:
    label = STATUS_LABELS[VoucherStatus(status)]
    return f"{label}（撤回申请待审核）" if withdrawal_pending else label


def regions() -> pd.DataFrame:
    """区域 options: 行政区 first, then 开发区."""
    with db.read_session() as session:
        rows = session.execute(select(Region.id, Region.name, Region.kind).where(Region.active.is_(True))
                               .order_by(Region.kind.desc(), Region.sort_order)).mappings().all()
    return pd.DataFrame(rows, columns=["id", "name", "kind"])


@dataclass
class ServiceEntry:
    id: int
    engineer_id: int
    engineer_name: str
    service_date: date
    description: str
    remark: str | None
    updated_at: datetime | None
    version: int = 1  # sent back by the edit form: a record changed meanwhile is not overwritten


@dataclass
class VoucherDetail:
    number: str
    status: str
    provider_id: int | None
    enterprise_id: int
    contract_date: date | None
    withdrawal_pending: bool
    expired_from: str | None
    batch_year: int
    face_value: Decimal
    issued_at: datetime
    expires_at: datetime | None
    withdrawal_reason: str | None
    delivered_on: date | None
    delivery_content: str | None
    void_reason: str | None
    settled_amount: Decimal | None
    settled_on: date | None
    enterprise: dict
    product: dict | None
    services: list[ServiceEntry] = field(default_factory=list)
    evaluation: dict | None = None
    checklist: list[tuple[str, bool]] = field(default_factory=list)  # what a settlement needs
    actions: frozenset[Action] = frozenset()  # what the viewer may do with it now
    version: int = 1  # of the voucher row (the delivery record lives on it)

    @property
    def status_label(self) -> str:
        return status_text(self.status, self.withdrawal_pending)

    @property
    def expired(self) -> bool:
        return self.status == VoucherStatus.EXPIRED

    @property
    def missed_step(self) -> str:
        """What an expired voucher was not done in time."""
        return "激活" if self.expired_from == VoucherStatus.ISSUED else "产品选择"

    @property
    def printable(self) -> bool:
        return VoucherStatus(self.status) in PRINTABLE

    @property
    def records_locked(self) -> bool:
        """Evaluated: the provider's service and delivery records can no longer change."""
        return VoucherStatus(self.status) in EVALUATED_OR_LATER


def voucher_detail(actor: Actor, number: str) -> VoucherDetail:
    """Everything the detail screen shows. Someone who may not see the voucher gets NO_ACCESS,
    whether or not it exists, so numbers cannot be probed."""
    number = str(number).strip()
    with db.read_session() as session:
        voucher = session.scalars(select(Voucher).where(Voucher.number == number)).one_or_none()
        if voucher is None:
            if actor.role == Role.COMMISSION:
                raise NotFound(f"服务券{number}不存在")
            raise PermissionDenied(NO_ACCESS)
        if not owns(voucher, actor):
            raise PermissionDenied(NO_ACCESS)
        ent = voucher.enterprise
        enterprise = {c: getattr(ent, c) for c in (
            "credit_code", "name", "size", "legal_rep", "address", "founded_on", "contact", "phone", "qq", "email",
            "output_prev", "output_plan", "revenue_prev", "revenue_plan", "profit_prev", "profit_plan", "employees",
            "difficulty", "remark")}
        enterprise["region"] = ent.region.name
        enterprise["phone"] = v.display_phone(ent.phone)
        product = None
        if voucher.product_id is not None:
            prod: Product = voucher.product
            prov: Provider = prod.provider
            product = {
                "provider_name": prov.name, "contact": prov.contact, "provider_phone": v.display_phone(prov.phone),
                "name": prod.name, "category": session.get(ProductCategory, prod.category_id).name,
                "problems": prod.problems, "cases": prod.cases, "target": prod.target,
                "price": voucher.price, "payable": money.payable(voucher.price, voucher.face_value),
            }
        services = [
            ServiceEntry(r.id, r.engineer_id, name, r.service_date, r.description, r.remark, r.updated_at, r.version)
            for r, name in session.execute(
                select(ServiceRecord, Engineer.name).join(Engineer, ServiceRecord.engineer_id == Engineer.id)
                .where(ServiceRecord.voucher_id == voucher.id)
                .order_by(ServiceRecord.service_date, ServiceRecord.id))
        ]
        ev = session.scalars(select(Evaluation).where(Evaluation.voucher_id == voucher.id)).one_or_none()
        evaluation = None
        if ev is not None:
            evaluation = {"scores": [(label, getattr(ev, f), mx) for f, label, mx in CRITERIA], "total": ev.total,
                          "band": ev.band, "solved": ev.solved, "improvements": ev.improvements,
                          "next_focus": ev.next_focus, "comment": ev.comment, "created_at": ev.created_at}
        return VoucherDetail(
            number=voucher.number, status=voucher.status, provider_id=voucher.provider_id,
            enterprise_id=voucher.enterprise_id, contract_date=voucher.contract_date,
            withdrawal_pending=voucher.withdrawal_pending, expired_from=voucher.expired_from,
            batch_year=session.get(Batch, voucher.batch_id).year, face_value=voucher.face_value,
            issued_at=voucher.issued_at, expires_at=voucher.expires_at, withdrawal_reason=voucher.withdrawal_reason,
            delivered_on=voucher.delivered_on, delivery_content=voucher.delivery_content,
            void_reason=voucher.void_reason, settled_amount=voucher.settled_amount, settled_on=voucher.settled_on,
            enterprise=enterprise, product=product, services=services, evaluation=evaluation,
            checklist=settlement.checklist(session, voucher.id), actions=frozenset(available_actions(voucher, actor)),
            version=voucher.version)


def voucher_history(actor: Actor, number: str) -> pd.DataFrame:
    """The voucher's history, oldest first, with Chinese action and status names."""
    with db.read_session() as session:
        voucher = session.scalars(select(Voucher).where(Voucher.number == str(number).strip())).one_or_none()
        if voucher is None or not owns(voucher, actor):
            raise PermissionDenied(NO_ACCESS)
        rows = session.execute(select(History.at, History.username, History.role, History.action,
                                      History.from_status, History.to_status)
                               .where(History.voucher_id == voucher.id).order_by(History.at, History.id)).all()
    frame = pd.DataFrame(rows, columns=["at", "username", "role", "action", "from_status", "to_status"])
    frame["role"] = frame["role"].map(lambda r: ROLE_LABELS[Role(r)])
    frame["action"] = frame["action"].map(ACTION_LABELS)
    for col in ("from_status", "to_status"):
        frame[col] = frame[col].map(status_label)
    return frame


def engineer_options(actor: Actor, *, include: int | None = None) -> dict[int, str]:
    """{id: "姓名（职务）"} of the provider's engineers still employed, for 添加服务信息; `include`
    keeps a departed engineer selectable on the record they already made."""
    with db.read_session() as session:
        query = select(Engineer.id, Engineer.name, Engineer.title, Engineer.active).where(
            db.belongs_to(Engineer.provider_id, actor.provider_id))
        rows = session.execute(query.order_by(Engineer.name)).all()
    return {i: f"{name}（{title}）" if title else name for i, name, title, active in rows
            if active or i == include}




@dataclass(frozen=True)
class MyVoucher:
    number: str
    status: str
    status_label: str
    issued_at: datetime
    expires_at: datetime | None
    days_left: int | None
    provider_name: str | None
    product_name: str | None
    next_step: str
    actions: frozenset[Action]  # what the enterprise may do with it now

    @property
    def evaluated(self) -> bool:
        return VoucherStatus(self.status) in EVALUATED_OR_LATER

    @property
    def expired(self) -> bool:
        return self.status == VoucherStatus.EXPIRED


def next_step(status: str, withdrawal_pending: bool, days_left: int | None) -> str:
    """What the enterprise should do (or wait for) next, in words."""
    if withdrawal_pending:
        return "撤回申请待审核，请等待经信委审核"
    steps = {
        VoucherStatus.ISSUED: f"请在{days_left}天内完善企业信息并激活",
        VoucherStatus.ACTIVATED: f"请在{days_left}天内选择服务商和产品",
        VoucherStatus.PENDING_CONFIRM: "等待服务商确认",
        VoucherStatus.CONFIRMED: "服务商正在签订合同、上门服务和交付",
        VoucherStatus.DELIVERED: "服务已交付，请进行服务评价",
        VoucherStatus.EVALUATED: "已评价，等待经信委审核兑付",
        VoucherStatus.SETTLED: "已完成兑付",
        VoucherStatus.EXPIRED: "已过期，如需延期请联系南京市经济和信息化委员会",
        VoucherStatus.VOIDED: "已作废",
    }
    return steps[VoucherStatus(status)]


def enterprise_vouchers(actor: Actor, *, now: datetime | None = None) -> list[MyVoucher]:
    """我的服务券: the enterprise's vouchers, newest first, with deadline and next step."""
    now = now or clock.utcnow()
    with db.read_session() as session:
        rows = session.execute(
            _scope(select(Voucher, Provider.name, Product.name)
                   .outerjoin(Provider, Voucher.provider_id == Provider.id)
                   .outerjoin(Product, Voucher.product_id == Product.id), actor)
            .order_by(Voucher.issued_at.desc())).all()
        result = []
        for v, provider_name, product_name in rows:
            days_left = None
            if v.expires_at and v.status in EXPIRING:
                days_left = max(0, -(-int((v.expires_at - now).total_seconds()) // 86400))
            result.append(MyVoucher(
                v.number, v.status, status_text(v.status, v.withdrawal_pending), v.issued_at, v.expires_at, days_left,
                provider_name, product_name, next_step(v.status, v.withdrawal_pending, days_left),
                frozenset(available_actions(v, actor))))
    return result


def open_withdrawals(actor: Actor) -> pd.DataFrame:
    """撤回审核: pending withdrawal requests, oldest first."""
    permissions.require(actor, Area.WITHDRAWALS)
    with db.read_session() as session:
        rows = session.execute(
            select(Voucher.number, Enterprise.name, Provider.name, Product.name, Voucher.status, Withdrawal.reason,
                   Withdrawal.requested_at)
            .join(Voucher, Withdrawal.voucher_id == Voucher.id)
            .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
            .outerjoin(Provider, Voucher.provider_id == Provider.id)
            .outerjoin(Product, Voucher.product_id == Product.id)
            .where(Withdrawal.status == WithdrawalStatus.PENDING).order_by(Withdrawal.requested_at)).all()
    frame = pd.DataFrame(rows,
                         columns=["number", "enterprise_name", "provider_name", "product_name", "status", "reason",
                                        "requested_at"])
    frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[VoucherStatus(s)])
    return frame


EXPORT_LIMIT = 50_000


def voucher_export_rows(actor: Actor, filters: VoucherFilters = VoucherFilters()) -> pd.DataFrame:
    """The list as filtered, for Excel (at most EXPORT_LIMIT rows), with dates and amounts."""
    query = _filtered(_scope(
        select(Voucher.number, Enterprise.name.label("enterprise_name"), Enterprise.credit_code,
               Region.name.label("region"),
               Voucher.status, Voucher.withdrawal_pending, Provider.name.label("provider_name"),
               Product.name.label("product_name"), Voucher.face_value, Voucher.price, Voucher.issued_at,
               Voucher.contract_date, Voucher.delivered_on, Voucher.settled_on)
        .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
        .join(Region, Enterprise.region_id == Region.id)
        .outerjoin(Provider, Voucher.provider_id == Provider.id)
        .outerjoin(Product, Voucher.product_id == Product.id), actor), filters)
    with db.read_session() as session:
        rows = session.execute(query.order_by(Voucher.number.desc()).limit(EXPORT_LIMIT)).mappings().all()
    frame = pd.DataFrame(rows,
                         columns=["number", "enterprise_name", "credit_code", "region", "status", "withdrawal_pending",
                                        "provider_name", "product_name", "face_value", "price", "issued_at",
                                        "contract_date", "delivered_on", "settled_on"])
    frame["status_label"] = [status_text(s, w) for s,
                             w in zip(frame["status"], frame["withdrawal_pending"], strict=True)]
    return frame


VOUCHER_EXPORT_COLUMNS = {"number": "服务券号", "enterprise_name": "公司名称", "credit_code": "统一社会信用代码",
                          "region": "区域", "status_label": "状态", "provider_name": "服务商",
                          "product_name": "服务产品", "face_value": "面额（元）", "price": "价格（元）",
                          "issued_at": "发券时间", "contract_date": "合同签订日期", "delivered_on": "交付日期",
                          "settled_on": "兑付日期"}


def provider_options() -> dict[int, str]:
    """{id: name} of every provider, for filters."""
    with db.read_session() as session:
        return dict(session.execute(select(Provider.id, Provider.name).order_by(Provider.name)).all())


def category_options() -> dict[int, str]:
    with db.read_session() as session:
        return dict(session.execute(select(ProductCategory.id,
                                           ProductCategory.name).order_by(ProductCategory.sort_order)).all())
