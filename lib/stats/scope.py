"""What every statistic shares: the filters of DESIGN.md §6, the actor-scoped voucher set they select,
dialect helpers for SQLite and PostgreSQL, and the small SQL/pandas helpers the statistics modules use."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Date, DateTime, Float, Integer, Select, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Subquery, literal_column
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.functions import FunctionElement

from lib import clock, db, summaries
from lib.actors import Actor
from lib.labels import Role
from lib.models import (
    Batch,
    Enterprise,
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
# Each is a SQL function compiled for the dialect of the connection that runs it (not of the configured
# engine): a migration or a flush listener on PostgreSQL gets PostgreSQL's SQL whatever lib.db points at.

AWARE = DateTime(timezone=True)  # PostgreSQL's timestamptz: dates and timestamps compared in one zone


def _dialect_function(name: str, result_type, sqlite: Callable, postgresql: Callable) -> type:
    cls = type(name, (FunctionElement,), {"inherit_cache": True, "type": result_type, "name": name})
    # in parentheses: `days_between(a, b) * 1440` must multiply the difference, not its last term
    compiles(cls)(lambda element, compiler, **kw: compiler.process(Grouping(sqlite(*element.clauses)), **kw))
    compiles(cls, "postgresql")(lambda element, compiler, **kw: compiler.process(
        Grouping(postgresql(*element.clauses)), **kw))
    return cls


def _sql(text: str) -> ColumnElement:
    """A constant written into the SQL, not a bound parameter: the same expression in SELECT and GROUP BY then
    reads the same to PostgreSQL (each compilation would otherwise bind its own parameters)."""
    return literal_column(f"'{text}'")


def _local(moment) -> ColumnElement:
    return func.timezone(_sql("Asia/Shanghai"), cast(moment, AWARE))


_DaysBetween = _dialect_function(
    "days_between", Float(),
    lambda later, earlier: func.julianday(later) - func.julianday(earlier),
    lambda later, earlier: func.extract("epoch", cast(later, AWARE) - cast(earlier, AWARE)) / literal_column("86400.0"))
_CalendarDays = _dialect_function(
    "calendar_days", Integer(),
    lambda later, earlier: cast(func.julianday(func.date(later, _sql("+8 hours")))
                                - func.julianday(func.date(earlier, _sql("+8 hours"))), Integer),
    lambda later, earlier: cast(_local(later), Date) - cast(_local(earlier), Date))


def days_between(later, earlier) -> ColumnElement:
    """Fractional days from `earlier` to `later` (timestamps or dates)."""
    return _DaysBetween(later, earlier)


def calendar_days(later, earlier) -> ColumnElement:
    """Whole days between the Nanjing calendar dates of `earlier` and `later` (a date, or a UTC timestamp):
    a delivery dated the day of the confirmation is 0 days after it, never −0.3."""
    return _CalendarDays(later, earlier)


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


def rate(part: int, whole_: int) -> float | None:
    return round(part / whole_, 4) if whole_ else None


ALL_TABLES = (*summaries.VERSIONED, summaries.SUMMARIES)


def reads(*tables: str) -> Callable:
    """Declare the tables a statistic's result depends on: its cache key holds their versions (`data_version`),
    so a write elsewhere leaves it cached. Undeclared statistics depend on every table."""
    def mark(statistic: Callable) -> Callable:
        statistic.reads = tables
        return statistic
    return mark


def data_version(*tables: str) -> tuple[int, ...]:
    """How many writes each of `tables` (default: all) has seen, from the database: the same in every replica.
    Logins, sessions and drafts do not count."""
    if (known := summaries.remembered(tables or ALL_TABLES)) is not None:
        return known  # this run has read them (stats.one_reading): no connection to open
    with db.read_session() as session:
        return summaries.versions(session.connection(), tables or ALL_TABLES)


def cache_key(statistic: Callable, actor: Actor) -> tuple:
    """What a statistic's result depends on besides its filters: the viewer's scope (a provider sees its own
    vouchers, every commission user the same) and the versions of the tables it reads."""
    scope = (str(actor.role), actor.provider_id if actor.role == Role.PROVIDER else None)
    return scope, data_version(*getattr(statistic, "reads", ALL_TABLES))


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


