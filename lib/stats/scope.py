"""What every statistic shares: the filters of DESIGN.md §6, the actor-scoped voucher set they select,
dialect helpers for SQLite and PostgreSQL, and the small SQL/pandas helpers the statistics modules use."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Date, DateTime, Integer, Select, case, cast, func, literal, select
from sqlalchemy.sql import ColumnElement, Subquery

from lib import clock, db
from lib.actors import Actor
from lib.history import ACCOUNT_EVENTS
from lib.labels import Role
from lib.models import (
    Batch,
    Enterprise,
    History,
    Product,
    ProductCategory,
    Provider,
    Region,
    Voucher,
)


@dataclass(frozen=True)
class StatsFilters:
    batch_year: int | None = None
    start: date | None = None  # issued on or after this Nanjing date
    end: date | None = None  # issued on or before
    region_id: int | None = None
    provider_id: int | None = None  # the commission's filter; a provider is always scoped to itself
    category_id: int | None = None
    size: str | None = None


NO_FILTERS = StatsFilters()


# ---------------------------------------------------------------- dialect helpers

AWARE = DateTime(timezone=True)  # PostgreSQL's timestamptz: dates and timestamps compared in one zone


def _pg() -> bool:
    return db.get_engine().dialect.name == "postgresql"


def month_of(column) -> ColumnElement:
    """'YYYY-MM' of a UTC timestamp or a date, in Nanjing time."""
    if _pg():
        return func.to_char(func.timezone("Asia/Shanghai", cast(column, AWARE)), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def days_between(later, earlier) -> ColumnElement:
    """Fractional days from `earlier` to `later` (timestamps or dates)."""
    if _pg():
        return func.extract("epoch", cast(later, AWARE) - cast(earlier, AWARE)) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def calendar_days(later, earlier) -> ColumnElement:
    """Whole days between the Nanjing calendar dates of `earlier` and `later` (a date, or a UTC timestamp):
    a delivery dated the day of the confirmation is 0 days after it, never −0.3."""
    if _pg():
        return (cast(func.timezone("Asia/Shanghai", cast(later, AWARE)), Date)
                - cast(func.timezone("Asia/Shanghai", cast(earlier, AWARE)), Date))
    return cast(func.julianday(func.date(later, "+8 hours")) - func.julianday(func.date(earlier, "+8 hours")), Integer)


def whole(value) -> ColumnElement:
    """Round a non-negative number down to an integer (SQLite may lack floor())."""
    if _pg():
        return cast(func.floor(value), Integer)
    return cast(value, Integer)


# ---------------------------------------------------------------- the filtered set

def scoped(actor: Actor, f: StatsFilters, *, needs: frozenset[str] = frozenset()) -> Subquery:
    """The vouchers the actor may count, filtered, as a subquery `v`. Enterprise, region and product
    columns are joined only when a filter or the caller (`needs`: "enterprise", "region", "category")
    asks for them: on a million vouchers each unneeded join costs about a second on SQLite."""
    enterprise = bool(needs & {"enterprise", "region"}) or f.region_id is not None or bool(f.size)
    region = "region" in needs
    product = "category" in needs or f.category_id is not None
    columns = [Voucher.id, Voucher.number, Voucher.status, Voucher.provider_id, Voucher.enterprise_id,
               Voucher.face_value, Voucher.price, Voucher.issued_at, Voucher.activated_at, Voucher.chosen_at,
               Voucher.confirmed_at, Voucher.contract_date, Voucher.delivered_on, Voucher.evaluated_at,
               Voucher.settled_on, Voucher.settled_amount, Voucher.expires_at, Voucher.withdrawal_pending]
    if enterprise:
        columns += [Enterprise.name.label("enterprise_name"), Enterprise.region_id, Enterprise.size]
    if region:
        columns.append(Region.name.label("region"))
    if product:
        columns.append(Product.category_id)
    query = select(*columns)
    if enterprise:
        query = query.join(Enterprise, Voucher.enterprise_id == Enterprise.id)
    if region:
        query = query.join(Region, Enterprise.region_id == Region.id)
    if product:
        query = query.outerjoin(Product, Voucher.product_id == Product.id)
    if actor.role == Role.PROVIDER:
        query = query.where(db.belongs_to(Voucher.provider_id, actor.provider_id))
    elif actor.role != Role.COMMISSION:
        query = query.where(literal(False))
    elif f.provider_id is not None:
        query = query.where(Voucher.provider_id == f.provider_id)
    if f.batch_year is not None:
        query = query.where(Voucher.batch_id.in_(select(Batch.id).where(Batch.year == f.batch_year)))
    if f.start:
        query = query.where(Voucher.issued_at >= clock.day_start(f.start))
    if f.end:
        query = query.where(Voucher.issued_at < clock.day_start(f.end + timedelta(days=1)))
    if f.region_id is not None:
        query = query.where(Enterprise.region_id == f.region_id)
    if f.category_id is not None:
        query = query.where(Product.category_id == f.category_id)
    if f.size:
        query = query.where(Enterprise.size == f.size)
    return query.subquery("v")


def read_frame(query: Select, columns: list[str]) -> pd.DataFrame:
    with db.read_session() as session:
        return pd.DataFrame(session.execute(query).all(), columns=columns)


def every_month(frame: pd.DataFrame, *, by: str | None = None, zero: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every month ('YYYY-MM') from the first to the last present, in calendar order, for each `by` group (in
    the order they come): a missing month gets 0 in the `zero` columns and nothing (a gap) in the others."""
    if frame.empty:
        return frame
    span = pd.period_range(frame["month"].min(), frame["month"].max(), freq="M").strftime("%Y-%m")
    groups = list(dict.fromkeys(frame[by])) if by else [None]
    parts = []
    for group in groups:
        part = frame[frame[by] == group] if by else frame
        part = part.set_index("month").reindex(span).rename_axis("month").reset_index()
        if by:
            part[by] = group
        for column in zero:
            part[column] = part[column].fillna(0).astype(int)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[list(frame.columns)]


def count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def sum_if(condition, value) -> ColumnElement:
    return func.sum(case((condition, value)))


def rate(part: int, whole_: int) -> float | None:
    return round(part / whole_, 4) if whole_ else None


def data_version() -> int:
    """Changes whenever data is written (every write appends a history row; logins and other account
    events do not count): a cache key."""
    events = [str(a) for a in ACCOUNT_EVENTS]
    with db.read_session() as session:
        # newest first with LIMIT 1 (not max() with a WHERE): a backward walk of the key that stops at once
        return session.scalar(select(History.id).where(History.action.not_in(events))
                              .order_by(History.id.desc()).limit(1)) or 0


def filter_options() -> dict:
    """Choices for the filter widgets."""
    with db.read_session() as session:
        return {
            "years": list(session.scalars(select(Batch.year).order_by(Batch.year.desc()))),
            "regions": dict(session.execute(select(Region.id, Region.name).order_by(Region.kind.desc(),
                                                                                    Region.sort_order)).all()),
            "providers": dict(session.execute(select(Provider.id, Provider.name).order_by(Provider.name)).all()),
            "categories": dict(session.execute(select(ProductCategory.id, ProductCategory.name)
                                               .order_by(ProductCategory.sort_order)).all()),
        }


