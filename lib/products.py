"""Products (产品管理): a provider adds, edits and takes its own products off sale; every new or
changed product waits for the commission's review (产品审核) before enterprises can choose it."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import clock, db
from lib import validation as v
from lib.actors import Actor
from lib.errors import ValidationError
from lib.history import record, update
from lib.labels import PRODUCT_FIELDS
from lib.models import Product, ProductCategory, Provider
from lib.money import payable
from lib.paging import PAGE_SIZE, Page, fetch_page
from lib.workflow import (
    PRODUCT_STATUS_LABELS,
    PRODUCT_TRANSITIONS,
    ProductAction,
    ProductStatus,
    ProviderStatus,
    check_product,
    require_provider,
)

MAX_PRICE = Decimal("1000000")


def _target(action: ProductAction) -> ProductStatus:
    """Where the review table sends a product after `action` (new and edited products wait for review)."""
    return PRODUCT_TRANSITIONS[action].target


def _require_provider(actor: Actor) -> int:
    return require_provider(actor, "管理本公司的产品")


def category_names() -> list[str]:
    with db.read_session() as session:
        return list(session.scalars(select(ProductCategory.name).where(ProductCategory.active.is_(True))
                                    .order_by(ProductCategory.sort_order)))


def _category_id(session: Session, data: dict) -> int:
    category = v.required(data.get("category"), PRODUCT_FIELDS["category_id"], message="请选择")
    category_id = session.scalar(select(ProductCategory.id).where(ProductCategory.name == category,
                                                                   ProductCategory.active.is_(True)))
    if category_id is None:
        raise ValidationError(PRODUCT_FIELDS["category_id"], "选项无效")
    return category_id


def _price(data: dict):
    price = v.money(data.get("price"), PRODUCT_FIELDS["price"], required_=True, maximum=MAX_PRICE)
    if price <= 0:
        raise ValidationError(PRODUCT_FIELDS["price"], "应大于0")
    return price


def _clean(session: Session, data: dict) -> dict:
    """Every field checked at once (one submit shows every problem)."""
    return v.collect({
        "name": lambda: v.text(data.get("name"), PRODUCT_FIELDS["name"], max_len=100, required_=True),
        "category_id": lambda: _category_id(session, data),
        "price": lambda: _price(data),
        "target": lambda: v.text(data.get("target"), PRODUCT_FIELDS["target"], max_len=500),
        "problems": lambda: v.text(data.get("problems"), PRODUCT_FIELDS["problems"], max_len=1000, required_=True),
        "cases": lambda: v.text(data.get("cases"), PRODUCT_FIELDS["cases"], max_len=2000),
    })


def _own(session: Session, actor: Actor, product_id: int) -> Product:
    return db.get_owned(session, Product, product_id, provider_id=_require_provider(actor),
                        missing="产品不存在或不属于本公司")


def create_product(*, actor: Actor, data: dict, now: datetime | None = None) -> int:
    """A new product starts 待审核."""
    now = now or clock.utcnow()
    provider_id = _require_provider(actor)
    with db.transaction() as session:
        values = _clean(session, data)
        if session.scalar(select(Product.id).where(Product.provider_id == provider_id, Product.name == values["name"],
                                                   Product.status != ProductStatus.OFF_SALE)):
            raise ValidationError(PRODUCT_FIELDS["name"], "本公司已有同名产品")
        product = Product(provider_id=provider_id, **values, status=_target(ProductAction.CREATE), created_at=now,
                          updated_at=now)
        session.add(product)
        session.flush()
        record(session, actor, ProductAction.CREATE, changes={"product_id": product.id, **values}, now=now)
        return product.id


def update_product(*, actor: Actor, product_id: int, data: dict, version: int | None = None,
                   now: datetime | None = None) -> bool:
    """Edit a product; any change sends it back to 待审核. Returns False if nothing changed."""
    now = now or clock.utcnow()
    with db.transaction() as session:
        product = _own(session, actor, product_id)
        db.check_version(product, version)
        values = _clean(session, data)
        if session.scalar(select(Product.id).where(Product.provider_id == product.provider_id,
                                                   Product.name == values["name"], Product.id != product.id,
                                                   Product.status != ProductStatus.OFF_SALE)):
            raise ValidationError(PRODUCT_FIELDS["name"], "本公司已有同名产品")
        if not update(session, actor, ProductAction.UPDATE, product, values, about={"product_id": product.id},
                      extra={"status": [product.status, _target(ProductAction.UPDATE)]}, now=now):
            return False
        product.status = _target(ProductAction.UPDATE)
        product.review_note = None
        product.updated_at = now
        return True


def take_off_sale(*, actor: Actor, product_id: int, now: datetime | None = None) -> None:
    """下架: no longer offered to enterprises; vouchers already bound to it keep it."""
    now = now or clock.utcnow()
    with db.transaction() as session:
        product = _own(session, actor, product_id)
        decision = check_product(ProductAction.TAKE_OFF_SALE, product.status)
        if not decision:
            raise ValidationError("产品状态", decision.reason)
        old = product.status
        product.status = _target(ProductAction.TAKE_OFF_SALE)
        product.updated_at = now
        record(session, actor, ProductAction.TAKE_OFF_SALE,
               changes={"product_id": product.id, "status": [old, product.status]}, now=now)


def provider_products(actor: Actor) -> pd.DataFrame:
    """The provider's own products, newest first, with Chinese status labels."""
    provider_id = _require_provider(actor)
    with db.read_session() as session:
        rows = session.execute(
            select(Product.id, Product.name, ProductCategory.name.label("category"), Product.price, Product.target,
                   Product.problems, Product.cases, Product.status, Product.review_note, Product.updated_at,
                   Product.version)
            .join(ProductCategory, Product.category_id == ProductCategory.id)
            .where(Product.provider_id == provider_id).order_by(Product.id.desc())).mappings().all()
    frame = pd.DataFrame(rows, columns=["id", "name", "category", "price", "target", "problems", "cases", "status",
                                        "review_note", "updated_at", "version"])
    frame["status_label"] = frame["status"].map(PRODUCT_STATUS_LABELS)
    frame["can_take_off_sale"] = [bool(check_product(ProductAction.TAKE_OFF_SALE, s)) for s in frame["status"]]
    return frame


def offered_products(*, category: str | None = None, search: str = "", page: int = 1, page_size: int = PAGE_SIZE,
                     face_value: Decimal = Decimal("10000.00")) -> Page:
    """选择服务商/产品: approved products (已上架) of active providers, filtered and paged in SQL;
    each row with 应付 = 价格 − 面额 (never below 0)."""
    query = (select(Product.id, Product.name, Provider.name.label("provider_name"), Provider.contact,
                    Provider.phone.label("provider_phone"), ProductCategory.name.label("category"), Product.price,
                    Product.target, Product.problems, Product.cases)
             .join(Provider, Product.provider_id == Provider.id)
             .join(ProductCategory, Product.category_id == ProductCategory.id)
             .where(Product.status == ProductStatus.ON_SALE, Provider.status == ProviderStatus.ACTIVE))
    if category:
        query = query.where(ProductCategory.name == category)
    text = v.scrub(search, fold=False)
    if text:
        query = query.where(db.contains(Product.name, text) | db.contains(Provider.name, text))
    with db.read_session() as session:
        result = fetch_page(session, query, order=[Provider.name, Product.name, Product.id], columns=[
            "id", "name", "provider_name", "contact", "provider_phone", "category", "price", "target", "problems",
            "cases"], page=page, page_size=page_size)
    result.rows["payable"] = [payable(p, face_value) for p in result.rows["price"]]
    return result
