"""The session listeners that keep the derived tables (lib.derived_models) in the transaction of every write:
the statistics' summaries (lib.summaries), the risk flags (lib.risk) and the table versions caches key on.

Each flush records what it is about to change (the summaries' old contributions and the service records' old
values are read from the database before the flush); just before the commit, everything the transaction wrote
is summed and decided once, whatever the number of flushes (a 5,000-row import flushes 5,000 times). Imported
by lib.db, so that every session of the application has them."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy.orm import Session

from lib import summaries
from lib.derived_models import CycleMedian, RiskFlag
from lib.models import Engineer, Evaluation, History, ServiceRecord, Voucher, Withdrawal

_STATE = "derived.pending"
# A voucher's own columns that some 风险预警 signal reads (its provider is the evidence's).
RISK_COLUMNS = ("provider_id", "contract_date", "confirmed_at", "delivered_on")


@dataclass
class _Pending:
    """What the transaction's flushes have written so far."""
    seen: set = field(default_factory=set)  # vouchers whose pre-transaction contributions are in `old`
    old: dict = field(default_factory=dict)
    created: set = field(default_factory=set)  # ids of the vouchers the transaction created
    risky_new: list = field(default_factory=list)  # new vouchers with a RISK_COLUMN set (ids come with the flush)
    objects: list = field(default_factory=list)  # new or changed records, evaluations, deliveries, requests
    risky: set = field(default_factory=set)  # vouchers whose RISK_COLUMNS changed
    old_records: list = field(default_factory=list)  # (voucher id, engineer id, date, text) before a change
    engineers: set = field(default_factory=set)  # renamed engineers
    tables: set = field(default_factory=set)


def rebuild(conn: Connection) -> tuple[int, int]:
    """Every derived table recomputed from the base tables (`python -m lib.cli rebuild-summaries`, after bulk
    inserts, and migration 0007): returns the summary rows and the risk flags."""
    from lib import risk
    rebuilt = summaries.rebuild(conn), risk.rebuild(conn)
    for model in (*summaries.TABLES.values(), CycleMedian, RiskFlag):  # the planner's statistics for the rebuilt tables
        conn.execute(text(f"ANALYZE {model.__tablename__}"))
    return rebuilt


def _changed(obj, columns: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[c].history.has_changes() for c in columns)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    objects = (*session.new, *session.dirty, *session.deleted)
    tables = {type(o).__tablename__ for o in objects} & set(summaries.VERSIONED)
    if not tables and not any(isinstance(o, History) for o in objects):
        return
    state: _Pending = session.info.setdefault(_STATE, _Pending())
    conn = session.connection()
    state.tables |= tables
    ids, old = summaries.capture(session, conn, state.seen | state.created)
    state.seen |= ids
    _add(state.old, old)
    new = [o for o in session.new if isinstance(o, Voucher)]
    state.risky_new += [o for o in new if any(getattr(o, c) is not None for c in RISK_COLUMNS)]
    state.risky |= {o.id for o in session.dirty if isinstance(o, Voucher) and _changed(o, RISK_COLUMNS)}
    state.objects += [o for o in objects if isinstance(o, (ServiceRecord, Evaluation, History, Withdrawal))]
    changed = [o.id for o in (*session.dirty, *session.deleted) if isinstance(o, ServiceRecord) and o.id is not None]
    if changed:  # the records' values before this flush: the old engineer-day and text may clear a flag
        state.old_records += conn.execute(select(ServiceRecord.voucher_id, ServiceRecord.engineer_id,
                                                 ServiceRecord.service_date, ServiceRecord.description)
                                          .where(ServiceRecord.id.in_(changed))).all()
    state.engineers |= {o.id for o in session.dirty if isinstance(o, Engineer) and _changed(o, ("name",))}


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    state: _Pending | None = session.info.get(_STATE)
    if state is not None:  # `new` still lists what this flush inserted, now with ids
        state.created |= {o.id for o in session.new if isinstance(o, Voucher)}


def _add(into: dict, more: dict) -> None:
    for key, measures in more.items():
        had = into.get(key)
        into[key] = measures if had is None else tuple(a + b for a, b in zip(had, measures, strict=True))


def _touched(state: _Pending):
    from lib.risk import Touched  # lib.risk reads through lib.db, which imports this module
    t = Touched(vouchers=set(state.risky), engineers=set(state.engineers))
    t.vouchers |= {v.id for v in state.risky_new}
    for voucher_id, engineer_id, day, description in state.old_records:
        t.records.add(voucher_id)
        t.pairs.add((engineer_id, day))
        t.texts.add(description)
    for o in state.objects:
        if isinstance(o, ServiceRecord):
            t.records.add(o.voucher_id)
            t.pairs.add((o.engineer_id, o.service_date))
            t.texts.add(o.description)
        elif isinstance(o, Evaluation) or (isinstance(o, History) and o.action == "record_delivery"):
            t.vouchers.add(o.voucher_id)
        elif isinstance(o, Withdrawal):
            t.withdrawals.add(o.voucher_id)
            if o.provider_id is not None:
                t.providers.add(o.provider_id)
    t.vouchers.discard(None)
    return t


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this event: make it now, so that it is counted
    state: _Pending | None = session.info.pop(_STATE, None)
    if state is None:
        return
    from lib import risk
    conn = session.connection()
    tables = set(state.tables)
    if summaries.apply_changes(conn, state.seen | state.created, state.old):
        tables.add(summaries.SUMMARIES)
    touched = _touched(state)
    if touched and risk.refresh(conn, touched):
        tables.add("risk_flags")
    summaries.bump(conn, tables)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_STATE, None)
