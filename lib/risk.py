"""风险预警 (commission only): signals worth a look, each with why it matters and the vouchers behind it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Integer, Numeric, Select, String, case, func, select

from lib import db
from lib.actors import Actor
from lib.errors import PermissionDenied
from lib.labels import Role
from lib.models import Engineer, Evaluation, History, Provider, ServiceRecord, Voucher, Withdrawal
from lib.stats.scope import NO_FILTERS, StatsFilters, calendar_days, days_between, scoped

MIN_DESCRIPTION = 10  # shorter identical texts ("上门服务") are not suspicious
MANY_WITHDRAWALS = 3
FAST_EVALUATION_MINUTES = 30
COLUMNS = ["number", "enterprise_name", "provider", "detail"]


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    why: str
    query: Callable[[object], Select]  # v (the scoped voucher subquery) -> rows of COLUMNS


def _same_day(v) -> Select:
    pairs = (select(ServiceRecord.engineer_id, ServiceRecord.service_date)
             .join(Voucher, Voucher.id == ServiceRecord.voucher_id)
             .group_by(ServiceRecord.engineer_id, ServiceRecord.service_date)
             .having(func.count(func.distinct(Voucher.enterprise_id)) > 1)).subquery()
    return (select(v.c.number, v.c.enterprise_name, Provider.name,
                   Engineer.name + "于" + func.cast(ServiceRecord.service_date, String) + "同日服务多家企业")
            .join(ServiceRecord, ServiceRecord.voucher_id == v.c.id)
            .join(pairs,
                  (pairs.c.engineer_id == ServiceRecord.engineer_id)
                  & (pairs.c.service_date == ServiceRecord.service_date))
            .join(Engineer, Engineer.id == ServiceRecord.engineer_id)
            .outerjoin(Provider, Provider.id == v.c.provider_id))


def _before_contract(v) -> Select:
    return (select(v.c.number, v.c.enterprise_name, Provider.name,
                   "服务日期" + func.cast(ServiceRecord.service_date, String) + "早于合同日期"
                   + func.cast(v.c.contract_date, String))
            .join(ServiceRecord, ServiceRecord.voucher_id == v.c.id)
            .outerjoin(Provider, Provider.id == v.c.provider_id)
            .where(ServiceRecord.service_date < v.c.contract_date))  # no contract date: NULL, never earlier


def _fast_delivery(v) -> Select:
    days = calendar_days(v.c.delivered_on, v.c.confirmed_at)  # whole Nanjing days: a same-day delivery is 0
    return (select(v.c.number, v.c.enterprise_name, Provider.name,
                   case((days <= 0, "确认当天即交付"), else_="确认后" + func.cast(days, String) + "天即交付"))
            .outerjoin(Provider, Provider.id == v.c.provider_id)
            .where(days <= 1))  # NULL when either step is missing


def _same_text(v) -> Select:
    texts = (select(ServiceRecord.description).where(func.length(ServiceRecord.description) >= MIN_DESCRIPTION)
             .group_by(ServiceRecord.description)
             .having(func.count(func.distinct(ServiceRecord.voucher_id)) > 1)).subquery()
    return (select(v.c.number, v.c.enterprise_name, Provider.name,
                   "重复描述：" + func.substr(ServiceRecord.description, 1, 40))
            .join(ServiceRecord, ServiceRecord.voucher_id == v.c.id)
            .join(texts, texts.c.description == ServiceRecord.description)
            .outerjoin(Provider, Provider.id == v.c.provider_id))


def _instant_full_marks(v) -> Select:
    delivered = (select(History.voucher_id, func.max(History.at).label("at"))
                 .where(History.action == "record_delivery").group_by(History.voucher_id)).subquery()
    gap = days_between(Evaluation.created_at, delivered.c.at)
    return (select(v.c.number, v.c.enterprise_name, Provider.name,
                   "满分评价，交付后"
                   + func.cast(func.cast(func.round(func.cast(gap * 1440, Numeric)), Integer), String) + "分钟提交")
            .join(Evaluation, Evaluation.voucher_id == v.c.id)
            .join(delivered, delivered.c.voucher_id == v.c.id)
            .outerjoin(Provider, Provider.id == v.c.provider_id)
            .where(Evaluation.total == 100, gap >= 0, gap <= FAST_EVALUATION_MINUTES / 1440))


def _many_withdrawals(v) -> Select:
    heavy = (select(Withdrawal.provider_id, func.count().label("n")).where(Withdrawal.provider_id.is_not(None))
             .group_by(Withdrawal.provider_id).having(func.count() >= MANY_WITHDRAWALS)).subquery()
    return (select(v.c.number, v.c.enterprise_name, Provider.name,
                   Provider.name + "共有" + func.cast(heavy.c.n, String) + "次撤回申请")
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


def signals(actor: Actor, f: StatsFilters = NO_FILTERS, *, limit: int = 200) -> list[tuple[Signal, int, pd.DataFrame]]:
    """Every signal with the number of vouchers behind it and (up to `limit` of) those vouchers."""
    if actor.role != Role.COMMISSION:
        raise PermissionDenied("风险预警仅限经信委查看")
    out = []
    with db.read_session() as session:
        for signal in SIGNALS:
            query = signal.query(scoped(actor, f, needs=frozenset({"enterprise"}))).distinct()
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.execute(query.order_by(query.selected_columns[0]).limit(limit)).all()
            out.append((signal, total, pd.DataFrame(rows, columns=COLUMNS)))
    return out
