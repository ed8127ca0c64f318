"""风险预警 (commission only): signals worth a look, each with why it matters and the vouchers behind it.

Each signal is decided when a record that can raise it is written (a service record, a delivery, an evaluation,
a withdrawal) and stored with its evidence in `risk_flags`, in the same transaction (`Touched`, `refresh`,
called by lib.derived's flush listeners); 风险预警 reads the stored flags. The signal's query is one definition
for both: `focus` narrows it to the vouchers a write can have changed, None runs it over everything
(`recompute`, used by `python -m lib.cli rebuild-summaries` and by the tests that compare the two).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, Integer, Numeric, Select, String, case, delete, func, insert, select, tuple_
from sqlalchemy.sql import literal_column

from lib import db
from lib.actors import Actor
from lib.derived_models import RiskFlag
from lib.errors import PermissionDenied
from lib.labels import Role
from lib.models import Engineer, Evaluation, History, Provider, ServiceRecord, Voucher, Withdrawal
from lib.stats.scope import NO_FILTERS, StatsFilters, calendar_days, days_between, reads, scoped

MIN_DESCRIPTION = 10  # shorter identical texts ("上门服务") are not suspicious
MANY_WITHDRAWALS = 3
FAST_EVALUATION_MINUTES = 30
COLUMNS = ["number", "enterprise_name", "provider", "detail"]
# The indexed prefix of a description (ix_service_records_description): literal numbers, so that the
# expression matches the index's on both databases.
DESCRIPTION_PREFIX = func.substr(ServiceRecord.description, literal_column("1"), literal_column("200"))


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    why: str
    query: Callable[[object, object], Select]  # (v, focus ids or None) -> rows of (voucher id, detail, provider id)


def _vouchers(focus) -> object:
    """The vouchers a signal is decided for: all of them, or the `focus` ids."""
    query = select(Voucher.id, Voucher.enterprise_id, Voucher.provider_id, Voucher.contract_date,
                   Voucher.confirmed_at, Voucher.delivered_on)
    return (query if focus is None else query.where(Voucher.id.in_(focus))).subquery("v")


def _records_of(focus, *columns) -> Select:
    return select(*columns).where(ServiceRecord.voucher_id.in_(focus))


def _same_day(v, focus) -> Select:
    pairs = (select(ServiceRecord.engineer_id, ServiceRecord.service_date)
             .join(Voucher, Voucher.id == ServiceRecord.voucher_id)
             .group_by(ServiceRecord.engineer_id, ServiceRecord.service_date)
             .having(func.count(func.distinct(Voucher.enterprise_id)) > 1))
    if focus is not None:  # only the engineer-days of the focus vouchers' records (ix_service_records_engineer_date)
        pairs = pairs.where(tuple_(ServiceRecord.engineer_id, ServiceRecord.service_date).in_(
            _records_of(focus, ServiceRecord.engineer_id, ServiceRecord.service_date)))
    pairs = pairs.subquery()
    return (select(v.c.id, Engineer.name + "于" + func.cast(ServiceRecord.service_date, String) + "同日服务多家企业",
                   v.c.provider_id)
            .join(ServiceRecord, ServiceRecord.voucher_id == v.c.id)
            .join(pairs,
                  (pairs.c.engineer_id == ServiceRecord.engineer_id)
                  & (pairs.c.service_date == ServiceRecord.service_date))
            .join(Engineer, Engineer.id == ServiceRecord.engineer_id))


def _before_contract(v, focus) -> Select:
    return (select(v.c.id, "服务日期" + func.cast(ServiceRecord.service_date, String) + "早于合同日期"
                   + func.cast(v.c.contract_date, String), v.c.provider_id)
            .join(ServiceRecord, ServiceRecord.voucher_id == v.c.id)
            .where(ServiceRecord.service_date < v.c.contract_date))  # no contract date: NULL, never earlier


def _fast_delivery(v, focus) -> Select:
    days = calendar_days(v.c.delivered_on, v.c.confirmed_at)  # whole Nanjing days: a same-day delivery is 0
    return (select(v.c.id, case((days <= 0, "确认当天即交付"), else_="确认后" + func.cast(days, String) + "天即交付"),
                   v.c.provider_id)
            .where(days <= 1))  # NULL when either step is missing


def _same_text(v, focus) -> Select:
    texts = (select(ServiceRecord.description).where(func.length(ServiceRecord.description) >= MIN_DESCRIPTION)
             .group_by(ServiceRecord.description)
             .having(func.count(func.distinct(ServiceRecord.voucher_id)) > 1))
    if focus is not None:  # only the focus vouchers' texts, found through the indexed prefix
        texts = texts.where(DESCRIPTION_PREFIX.in_(_records_of(focus, DESCRIPTION_PREFIX)),
                            ServiceRecord.description.in_(_records_of(focus, ServiceRecord.description)))
    texts = texts.subquery()
    return (select(v.c.id, "重复描述：" + func.substr(ServiceRecord.description, 1, 40), v.c.provider_id)
            .join(ServiceRecord, ServiceRecord.voucher_id == v.c.id)
            .join(texts, texts.c.description == ServiceRecord.description))


def _instant_full_marks(v, focus) -> Select:
    delivered = select(History.voucher_id, func.max(History.at).label("at")).where(History.action == "record_delivery")
    if focus is not None:
        delivered = delivered.where(History.voucher_id.in_(focus))
    delivered = delivered.group_by(History.voucher_id).subquery()
    gap = days_between(Evaluation.created_at, delivered.c.at)
    return (select(v.c.id, "满分评价，交付后"
                   + func.cast(func.cast(func.round(func.cast(gap * 1440, Numeric)), Integer), String) + "分钟提交",
                   v.c.provider_id)
            .join(Evaluation, Evaluation.voucher_id == v.c.id)
            .join(delivered, delivered.c.voucher_id == v.c.id)
            .where(Evaluation.total == 100, gap >= 0, gap <= FAST_EVALUATION_MINUTES / 1440))


def _many_withdrawals(v, focus) -> Select:
    heavy = (select(Withdrawal.provider_id, func.count().label("n")).where(Withdrawal.provider_id.is_not(None))
             .group_by(Withdrawal.provider_id).having(func.count() >= MANY_WITHDRAWALS))
    if focus is not None:  # only the providers the focus vouchers' requests were made to
        heavy = heavy.where(Withdrawal.provider_id.in_(select(Withdrawal.provider_id)
                                                       .where(Withdrawal.voucher_id.in_(focus))))
    heavy = heavy.subquery()
    return (select(v.c.id, Provider.name + "共有" + func.cast(heavy.c.n, String) + "次撤回申请", Withdrawal.provider_id)
            .join(Withdrawal, Withdrawal.voucher_id == v.c.id)
            .join(heavy, heavy.c.provider_id == Withdrawal.provider_id)
            .join(Provider, Provider.id == Withdrawal.provider_id))


SIGNALS = [
    Signal("same_day", "同一工程师同日服务多家企业", "一名工程师一天内在不同企业“上门”，服务记录可能是补填或虚构的。",
           _same_day),
    Signal("before_contract", "服务日期早于合同签订日期", "合同签订前就记录服务，日期可能被倒签或记录不实。",
           _before_contract),
    Signal("fast_delivery", "确认后一天内即交付", "信息化项目通常需要实施周期，过快交付可能只是走流程。",
           _fast_delivery),
    Signal("same_text", "不同服务券的服务描述完全相同", "多张服务券使用同一段服务描述，可能是复制粘贴而非真实记录。",
           _same_text),
    Signal("instant_full_marks", f"交付后{FAST_EVALUATION_MINUTES}分钟内提交的满分评价",
           "交付刚记录就给出满分，评价可能由服务商代填。", _instant_full_marks),
    Signal("many_withdrawals", f"撤回申请达到{MANY_WITHDRAWALS}次的服务商",
           "企业频繁撤回，说明服务商可能无法兑现承诺或存在纠纷。",
           _many_withdrawals),
]
BY_KEY = {s.key: s for s in SIGNALS}


# ---------------------------------------------------------------- decided at write time

@dataclass
class Touched:
    """What a flush wrote that can raise or clear a signal, before and after (lib.derived collects it)."""
    vouchers: set = field(default_factory=set)  # vouchers whose own row, evaluation or delivery changed
    records: set = field(default_factory=set)  # vouchers whose service records changed
    pairs: set = field(default_factory=set)  # (engineer id, service date) of changed records, old and new
    texts: set = field(default_factory=set)  # descriptions of changed records, old and new
    engineers: set = field(default_factory=set)  # renamed engineers
    providers: set = field(default_factory=set)  # providers of changed withdrawal requests
    withdrawals: set = field(default_factory=set)  # vouchers whose withdrawal requests changed

    def __bool__(self) -> bool:
        return any((self.vouchers, self.records, self.pairs, self.texts, self.engineers, self.providers,
                    self.withdrawals))


def _ids(conn: Connection, query: Select) -> set:
    return set(conn.scalars(query))


def _affected(conn: Connection, t: Touched) -> dict[str, set]:
    """Per signal, the vouchers whose flags the write may have changed (index lookups only)."""
    same_day = set(t.records)
    if t.pairs:
        same_day |= _ids(conn, select(ServiceRecord.voucher_id).where(
            tuple_(ServiceRecord.engineer_id, ServiceRecord.service_date).in_(sorted(t.pairs))))
    if t.engineers:
        same_day |= _ids(conn, select(ServiceRecord.voucher_id).where(ServiceRecord.engineer_id.in_(t.engineers)))
    same_text = set(t.records)
    texts = sorted(x for x in t.texts if x and len(x) >= MIN_DESCRIPTION)
    if texts:
        same_text |= _ids(conn, select(ServiceRecord.voucher_id).where(
            DESCRIPTION_PREFIX.in_([x[:200] for x in texts]), ServiceRecord.description.in_(texts)))
    withdrawals = set(t.withdrawals)
    if t.providers:
        withdrawals |= _ids(conn, select(Withdrawal.voucher_id).where(Withdrawal.provider_id.in_(t.providers)))
    # a voucher's own change (its provider, above all) can change the evidence of any signal it raised
    return {"same_day": same_day | t.vouchers, "before_contract": t.records | t.vouchers,
            "fast_delivery": set(t.vouchers), "same_text": same_text | t.vouchers,
            "instant_full_marks": set(t.vouchers), "many_withdrawals": withdrawals | t.vouchers}


RISK_LOCK = 0x7269736B  # "risk": the advisory lock the writers deciding 风险预警 signals take in turn


def refresh(conn: Connection, touched: Touched) -> bool:
    """Decide again, for the vouchers a write may have changed, every signal they can raise; True if a flag
    was raised or cleared (only then do cached 风险预警 results go stale)."""
    changed = False
    if conn.dialect.name == "postgresql":
        # A signal spans vouchers (one engineer's day, one text, one provider's withdrawals): two writers deciding
        # it at once would each miss the other's record and rewrite the same flags (a duplicate key, and the
        # writer's own save refused). The decisions take turns, from here to the commit; each then reads what
        # the one before committed. (SQLite's writers take turns already: BEGIN IMMEDIATE.)
        conn.execute(select(func.pg_advisory_xact_lock(RISK_LOCK)))
    for key, ids in _affected(conn, touched).items():
        if not ids:
            continue
        focus = sorted(ids)
        stored_ = {tuple(row) for row in conn.execute(
            select(RiskFlag.signal, RiskFlag.voucher_id, RiskFlag.detail, RiskFlag.provider_id)
            .where(RiskFlag.signal == key, RiskFlag.voucher_id.in_(focus)))}
        decided = _decided(conn, key, BY_KEY[key].query(_vouchers(focus), focus))
        if decided != stored_:
            changed = True
            conn.execute(delete(RiskFlag).where(RiskFlag.signal == key, RiskFlag.voucher_id.in_(focus)))
            _insert(conn, decided)
    return changed


def _decided(conn: Connection, key: str, query: Select) -> set[tuple[str, int, str, int | None]]:
    return {(key, voucher_id, detail[:200], provider_id)
            for voucher_id, detail, provider_id in conn.execute(query) if detail is not None}


def _store(conn: Connection, key: str, query: Select) -> None:
    _insert(conn, _decided(conn, key, query))


def _insert(conn: Connection, rows: set) -> None:
    if rows:
        conn.execute(insert(RiskFlag), [{"signal": k, "voucher_id": i, "detail": d, "provider_id": p}
                                        for k, i, d, p in sorted(rows, key=str)])


def recompute(conn: Connection) -> set[tuple[str, int, str, int | None]]:
    """Every signal decided over every voucher: (signal, voucher id, detail, provider id)."""
    return {row for s in SIGNALS for row in _decided(conn, s.key, s.query(_vouchers(None), None))}


def rebuild(conn: Connection) -> int:
    conn.execute(delete(RiskFlag))
    for s in SIGNALS:
        _store(conn, s.key, s.query(_vouchers(None), None))
    return len(recompute(conn))


def stored(conn: Connection) -> set[tuple[str, int, str, int | None]]:
    return {tuple(row) for row in conn.execute(select(RiskFlag.signal, RiskFlag.voucher_id, RiskFlag.detail,
                                                      RiskFlag.provider_id))}


# ---------------------------------------------------------------- 风险预警 reads the stored flags

@reads("risk_flags", "summaries", "providers", "enterprises")
def signals(actor: Actor, f: StatsFilters = NO_FILTERS, *, limit: int = 200) -> list[tuple[Signal, int, pd.DataFrame]]:
    """Every signal with the number of flagged rows and (up to `limit` of) them, for the filtered vouchers, in
    the order the vouchers were issued (the flags' own key: the first rows come without sorting every flag)."""
    if actor.role != Role.COMMISSION:
        raise PermissionDenied("风险预警仅限经信委查看")
    out = []
    with db.read_session() as session:
        for signal in SIGNALS:
            v = scoped(actor, f, needs=frozenset({"enterprise"}))
            query = (select(v.c.number, v.c.enterprise_name, Provider.name, RiskFlag.detail)
                     .join(RiskFlag, RiskFlag.voucher_id == v.c.id)
                     .outerjoin(Provider, Provider.id == RiskFlag.provider_id)
                     .where(RiskFlag.signal == signal.key).order_by(RiskFlag.voucher_id, RiskFlag.detail).limit(limit))
            rows = session.execute(query).all()
            total = len(rows) if len(rows) < limit else _count(session, signal.key, actor, f)
            out.append((signal, total, pd.DataFrame(rows, columns=COLUMNS)))
    return out


def _count(session, signal: str, actor: Actor, f: StatsFilters) -> int:
    """How many flags of `signal` the filtered vouchers raise: unfiltered, from the flags' own key (every flag
    is the commission's to see), without reading a voucher."""
    flags = select(func.count()).select_from(RiskFlag).where(RiskFlag.signal == signal)
    if f == NO_FILTERS:
        return session.scalar(flags)
    v = scoped(actor, f)
    return session.scalar(flags.join(v, v.c.id == RiskFlag.voucher_id))
