"""兑付管理 (commission): the settlement checklist (DESIGN.md §2 step 9), the vouchers waiting for
settlement with it, and the settlements made (settling itself is vouchers.settle_many)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from lib import db, permissions
from lib.actors import Actor
from lib.models import Enterprise, Evaluation, Product, Provider, ServiceRecord, Settlement, Voucher
from lib.paging import PAGE_SIZE, Page, fetch_page
from lib.permissions import Area
from lib.stats import cube
from lib.stats.scope import StatsFilters
from lib.workflow import VoucherStatus

# What a settlement needs, each as a condition on a voucher row: the one definition that the detail
# screen, the 兑付 list and the 兑付 service all read.
CHECKLIST: dict[str, ColumnElement[bool]] = {
    "已签订合同": Voucher.contract_date.is_not(None),
    "已记录交付": Voucher.delivered_on.is_not(None) & (func.coalesce(Voucher.delivery_content, "") != ""),
    "至少一条服务信息": select(ServiceRecord.id).where(ServiceRecord.voucher_id == Voucher.id)
    .correlate_except(ServiceRecord).exists(),
    "企业已评价": select(Evaluation.id).where(Evaluation.voucher_id == Voucher.id)
    .correlate_except(Evaluation).exists(),
}


CHECKS = [f"check_{index}" for index in range(len(CHECKLIST))]  # the checklist's columns in a query's rows


def _checks() -> list:
    return [condition.label(name) for name, condition in zip(CHECKS, CHECKLIST.values(), strict=True)]


def checklist(session: Session, voucher_id: int) -> list[tuple[str, bool]]:
    """One voucher's checklist as (label, satisfied), in the order of CHECKLIST."""
    row = session.execute(select(*_checks()).where(Voucher.id == voucher_id)).one()
    return [(label, bool(ok)) for label, ok in zip(CHECKLIST, row, strict=True)]


def missing(checks: list[tuple[str, bool]]) -> list[str]:
    return [label for label, ok in checks if not ok]
COLUMNS = {"number": "服务券号", "enterprise_name": "企业名称", "provider_name": "服务商", "product_name": "服务产品",
           "face_value": "面额（元）", "price": "价格（元）", "contract_date": "合同签订日期",
           "delivered_on": "交付日期", "services": "服务记录数", "total": "评价总分", "ready": "材料齐全",
           "missing": "缺少"}
SETTLED_COLUMNS = {"number": "服务券号", "enterprise_name": "企业名称", "provider_name": "服务商",
                   "amount": "兑付金额（元）",
                   "settled_on": "兑付日期"}


READY_LISTED = 2000  # the 兑付 form's choices; a province has hundreds of thousands
AWAITING = ["number", "enterprise_name", "provider_name", "product_name", "face_value", "price", "contract_date",
            "delivered_on", "delivery_content", "services", "total"]


def _awaiting(actor: Actor, provider_id: int | None = None) -> Select:
    """已评价 vouchers (waiting for settlement), each with its checklist worked out in SQL."""
    permissions.require(actor, Area.SETTLEMENTS)
    # counted per listed voucher through the index on voucher_id (grouping every record first read them all)
    services = (select(func.count()).where(ServiceRecord.voucher_id == Voucher.id).correlate_except(ServiceRecord)
                .scalar_subquery())
    query = (select(Voucher.number, Enterprise.name.label("enterprise_name"), Provider.name.label("provider_name"),
                    Product.name.label("product_name"), Voucher.face_value, Voucher.price, Voucher.contract_date,
                    Voucher.delivered_on, Voucher.delivery_content, services.label("services"), Evaluation.total,
                    *_checks())
             .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
             .outerjoin(Provider, Voucher.provider_id == Provider.id)
             .outerjoin(Product, Voucher.product_id == Product.id)
             .outerjoin(Evaluation, Evaluation.voucher_id == Voucher.id)
             .where(Voucher.status == VoucherStatus.EVALUATED))
    return query if provider_id is None else query.where(Voucher.provider_id == provider_id)


def _with_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """The checklist columns as 缺少 (the items missing, "、"-joined) and 材料齐全."""
    frame["missing"] = ["、".join(missing(list(zip(CHECKLIST, row, strict=True))))
                        for row in frame[CHECKS].values.tolist()]
    frame["ready"] = frame["missing"] == ""
    return frame.drop(columns=CHECKS)


def awaiting_page(actor: Actor, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """One page of the 兑付 queue in number order, with its checklist: the total from the summaries (a
    province has hundreds of thousands of 已评价 vouchers; drawing them all was most of the page's time)."""
    total = cube.count(actor, StatsFilters(), VoucherStatus.EVALUATED)
    with db.read_session() as session:
        result = fetch_page(session, _awaiting(actor), [*AWAITING, *CHECKS], page=page, page_size=page_size,
                            order=[Voucher.number], total=total)
    return replace(result, rows=_with_missing(result.rows))


def awaiting_settlement(actor: Actor, provider_id: int | None = None, limit: int = 5000) -> pd.DataFrame:
    """The 兑付 queue as exported (the first `limit` by number; one provider's when asked), with each voucher's
    checklist."""
    with db.read_session() as session:
        rows = session.execute(_awaiting(actor, provider_id).order_by(Voucher.number).limit(limit)).all()
    return _with_missing(pd.DataFrame(rows, columns=[*AWAITING, *CHECKS]))


def ready_numbers(actor: Actor, limit: int = READY_LISTED) -> list[str]:
    """The 已评价 vouchers whose checklist is complete, in number order: what the 兑付 form offers."""
    permissions.require(actor, Area.SETTLEMENTS)
    with db.read_session() as session:
        return list(session.scalars(select(Voucher.number).where(Voucher.status == VoucherStatus.EVALUATED,
                                                                  *CHECKLIST.values())
                                    .order_by(Voucher.number).limit(limit)))


def settlements(actor: Actor, limit: int = 5000) -> pd.DataFrame:
    """兑付清单: the vouchers paid, newest first (the page shows the newest 200; its export up to 5,000)."""
    permissions.require(actor, Area.SETTLEMENTS)
    query = (select(Voucher.number, Enterprise.name.label("enterprise_name"), Provider.name.label("provider_name"),
                    Settlement.amount, Settlement.settled_on)
             .join(Voucher, Settlement.voucher_id == Voucher.id)
             .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
             .outerjoin(Provider, Voucher.provider_id == Provider.id).order_by(Settlement.settled_on.desc()))
    with db.read_session() as session:
        rows = session.execute(query.limit(limit)).mappings().all()
    return pd.DataFrame(rows, columns=list(SETTLED_COLUMNS))
