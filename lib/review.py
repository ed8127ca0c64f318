"""产品审核 (commission): new and changed products with what changed; approve, reject, 上架/下架."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pandas as pd
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from lib import clock, db, permissions
from lib import validation as v
from lib.actors import Actor
from lib.errors import NotFound, ValidationError
from lib.history import record
from lib.labels import PRODUCT_FIELDS
from lib.models import History, Product, ProductCategory, Provider
from lib.permissions import Area
from lib.workflow import (
    PRODUCT_STATUS_LABELS,
    PRODUCT_TRANSITIONS,
    ProductAction,
    ProductStatus,
    check_product,
    require_commission,
)


def products_in(actor: Actor, status: str | None = ProductStatus.PENDING) -> pd.DataFrame:
    """Products in `status` (None = all), oldest request first, with the provider and category."""
    permissions.require(actor, Area.PRODUCT_REVIEW)
    query = (select(Product.id, Product.name, Provider.name.label("provider_name"),
                    Provider.status.label("provider_status"), ProductCategory.name.label("category"), Product.price,
                    Product.target, Product.problems, Product.cases, Product.status, Product.review_note,
                    Product.updated_at)
             .join(Provider, Product.provider_id == Provider.id)
             .join(ProductCategory, Product.category_id == ProductCategory.id).order_by(Product.updated_at, Product.id))
    if status:
        query = query.where(Product.status == status)
    with db.read_session() as session:
        rows = session.execute(query).mappings().all()
    frame = pd.DataFrame(rows, columns=["id", "name", "provider_name", "provider_status", "category", "price", "target",
                                        "problems", "cases", "status", "review_note", "updated_at"])
    frame["status_label"] = frame["status"].map(PRODUCT_STATUS_LABELS)
    return frame


def last_change(actor: Actor, product_id: int) -> list[tuple[str, str, str]]:
    """What the provider changed in its latest edit, as (field, before, after); [] for a new product."""
    permissions.require(actor, Area.PRODUCT_REVIEW)
    # lib.products records product changes as {"product_id": id, …} with the id first, so the serialized
    # JSON starts with it on both backends: one indexed lookup instead of scanning history in Python.
    marker = json.dumps({"product_id": product_id})[:-1] + ","
    with db.read_session() as session:
        row = session.scalars(select(History).where(History.action == ProductAction.UPDATE,
                                                    cast(History.changes, String).startswith(marker, autoescape=True))
                              .order_by(History.id.desc()).limit(1)).one_or_none()
        categories = dict(session.execute(select(ProductCategory.id, ProductCategory.name)).all())
    if row is None:  # never edited: a new product
        return []
    out = []
    for key, pair in (row.changes or {}).items():
        if key in PRODUCT_FIELDS and isinstance(pair, list):
            before, after = pair
            if key == "category_id":  # a product always has a category, and categories are never deleted
                before, after = categories[before], categories[after]
            out.append((PRODUCT_FIELDS[key], "" if before is None else str(before),
                        "" if after is None else str(after)))
    return out


def _apply(session: Session, actor: Actor, action: ProductAction, product_id: int, reason: str | None,
           now: datetime | None, changes: Callable[[Product, str], dict]) -> None:
    """One review decision on one product: its transition, its note and one history row."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("产品不存在")
    decision = check_product(action, product.status)
    if not decision:
        raise ValidationError("产品状态", decision.reason)
    old, product.status = product.status, PRODUCT_TRANSITIONS[action].target
    product.review_note = reason
    product.updated_at = now or clock.utcnow()
    record(session, actor, action, changes={"product_id": product.id, **changes(product, old), "reason": reason},
           now=now)


def decide(*, actor: Actor, product_id: int, approve: bool, reason: str | None = None,
           now: datetime | None = None) -> None:
    """Approve (→ 已上架) or reject (→ 未通过, reason required) a product waiting for review."""
    require_commission(actor, "审核产品")
    reason = v.text(reason, "审核意见", max_len=500, required_when=None if approve else "不通过")
    with db.transaction() as session:
        _apply(session, actor, ProductAction.APPROVE if approve else ProductAction.REJECT, product_id, reason, now,
               lambda product, old: {"name": product.name})


def set_on_sale(*, actor: Actor, product_id: int, on_sale: bool, reason: str | None = None,
                now: datetime | None = None) -> None:
    """The commission's 上架 (an approved product taken off before) or 下架 (any product, reason required)."""
    require_commission(actor, "上架或下架产品")
    reason = v.text(reason, "原因", max_len=500, required_when=None if on_sale else "下架")
    with db.transaction() as session:
        _apply(session, actor, ProductAction.PUT_ON_SALE if on_sale else ProductAction.TAKE_OFF_SALE, product_id,
               reason, now, lambda product, old: {"status": [old, product.status]})
