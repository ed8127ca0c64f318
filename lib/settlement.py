"""兑付管理 (commission): vouchers ready to settle with their checklist (settling is vouchers.settle_many)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from lib import db
from lib.models import Enterprise, Evaluation, Product, Provider, ServiceRecord, Settlement, Voucher
from lib.workflow import VoucherStatus

CHECKLIST = ["已签订合同", "已记录交付", "至少一条服务信息", "企业已评价"]
COLUMNS = {"number": "服务券号", "enterprise_name": "企业名称", "provider_name": "服务商", "product_name": "服务产品",
           "face_value": "面额（元）", "price": "价格（元）", "contract_date": "合同签订日期", "delivered_on": "交付日期",
           "services": "服务记录数", "total": "评价总分", "ready": "材料齐全", "missing": "缺少"}
SETTLED_COLUMNS = {"number": "服务券号", "enterprise_name": "企业名称", "provider_name": "服务商", "amount": "兑付金额（元）",
                   "settled_on": "兑付日期"}


def ready_frame(provider_id: int | None = None) -> pd.DataFrame:
    """已评价 vouchers (waiting for settlement) with each checklist item worked out in SQL."""
    services = select(ServiceRecord.voucher_id, func.count().label("services")).group_by(ServiceRecord.voucher_id).subquery()
    query = (select(Voucher.number, Enterprise.name.label("enterprise_name"), Provider.name.label("provider_name"),
                    Product.name.label("product_name"), Voucher.face_value, Voucher.price, Voucher.contract_date,
                    Voucher.delivered_on, Voucher.delivery_content, func.coalesce(services.c.services, 0).label("services"),
                    Evaluation.total)
             .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
             .outerjoin(Provider, Voucher.provider_id == Provider.id)
             .outerjoin(Product, Voucher.product_id == Product.id)
             .outerjoin(services, services.c.voucher_id == Voucher.id)
             .outerjoin(Evaluation, Evaluation.voucher_id == Voucher.id)
             .where(Voucher.status == VoucherStatus.EVALUATED).order_by(Voucher.number))
    if provider_id is not None:
        query = query.where(Voucher.provider_id == provider_id)
    with db.read_session() as session:
        rows = session.execute(query.limit(2000)).mappings().all()
    frame = pd.DataFrame(rows, columns=["number", "enterprise_name", "provider_name", "product_name", "face_value", "price",
                                        "contract_date", "delivered_on", "delivery_content", "services", "total"])
    checks = [
        [bool(c) for c in frame["contract_date"].notna()],
        [bool(d) and isinstance(c, str) and bool(c) for d, c in zip(frame["delivered_on"].notna(), frame["delivery_content"],
                                                                     strict=True)],
        [n > 0 for n in frame["services"]],
        [bool(t) for t in frame["total"].notna()],
    ]
    frame["missing"] = ["、".join(label for label, ok in zip(CHECKLIST, row, strict=True) if not ok)
                        for row in zip(*checks, strict=True)] if len(frame) else []
    frame["ready"] = frame["missing"] == ""
    return frame


def settled_frame(year: int | None = None) -> pd.DataFrame:
    query = (select(Voucher.number, Enterprise.name.label("enterprise_name"), Provider.name.label("provider_name"),
                    Settlement.amount, Settlement.settled_on)
             .join(Voucher, Settlement.voucher_id == Voucher.id)
             .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
             .outerjoin(Provider, Voucher.provider_id == Provider.id).order_by(Settlement.settled_on.desc()))
    with db.read_session() as session:
        rows = session.execute(query.limit(5000)).mappings().all()
    return pd.DataFrame(rows, columns=list(SETTLED_COLUMNS))
