"""Statistics checked against a small dataset whose every number is known by hand, for the
commission and for each provider, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from lib import risk, stats
from lib.errors import PermissionDenied
from lib.models import History, ServiceRecord, Withdrawal
from lib.stats import StatsFilters
from lib.stats import evaluations as es
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    TODAY,
    make_batch,
    make_engineer,
    make_enterprise,
    make_provider,
    make_voucher,
    provider_actor,
    region_id,
)

SCORES = {100: [10, 10, 10, 15, 15, 15, 10, 15], 90: [9, 9, 9, 14, 13, 13, 9, 14], 85: [8, 9, 8, 13, 13, 13, 8, 13],
          70: [7, 7, 7, 10, 11, 10, 7, 11], 55: [5, 6, 5, 8, 8, 8, 6, 9]}


@pytest.fixture
def programme(database):
    """12 vouchers: provider A has 5 (one settled), B has 4, three are unbound; 5 evaluations."""
    make_batch(2026)
    a, b = make_provider("甲服务商"), make_provider("乙服务商")
    plan = [  # (status, provider, region, total)
        (S.PENDING_CONFIRM, a, "江宁区", None), (S.CONFIRMED, a, "江宁区", None), (S.EVALUATED, a, "玄武区", 90),
        (S.EVALUATED, a, "江宁区", 100), (S.SETTLED, a, "玄武区", 85), (S.CONFIRMED, b, "玄武区", None),
        (S.DELIVERED, b, "玄武区", None), (S.EVALUATED, b, "江宁区", 55), (S.EVALUATED, b, "玄武区", 70),
        (S.ISSUED, None, "江宁区", None), (S.ACTIVATED, None, "玄武区", None), (S.EXPIRED, None, "江宁区", None),
    ]
    made = []
    for status, provider, region, total in plan:
        made.append(make_voucher(status, provider_id=provider, enterprise_id=make_enterprise(region=region),
                                 scores=SCORES.get(total), solved=total != 55))
    return {"a": a, "b": b, "vouchers": made}


def test_voucher_kpis_for_the_commission(programme):
    k = stats.kpis(COMMISSION)
    assert k["issued"] == 12
    assert k["by_status"] == {S.ISSUED: 1, S.ACTIVATED: 1, S.PENDING_CONFIRM: 1, S.CONFIRMED: 2, S.DELIVERED: 1,
                              S.EVALUATED: 4, S.SETTLED: 1, S.EXPIRED: 1, S.VOIDED: 0}
    assert (k["ever_activated"], k["used"], k["delivered_on"]) == (10, 9, 6)
    assert (k["activation_rate"], k["use_rate"], k["delivery_rate"]) == (0.8333, 0.75, 0.6667)
    assert (k["committed"], k["delivered_amount"], k["settled_amount"], k["leverage"]) == (
        Decimal("90000.00"), Decimal("60000.00"), Decimal("10000.00"), Decimal("88200.00"))


def test_funnel_regions_and_categories(programme):
    assert stats.funnel(COMMISSION)["count"].tolist() == [12, 10, 9, 8, 6, 5, 1]
    rates = stats.region_rates(COMMISSION).set_index("region")
    assert rates.loc["江宁区", ["issued", "used", "delivered", "delivery_rate"]].tolist() == [6, 4, 2, 0.5]
    assert rates.loc["玄武区", ["issued", "used", "delivered", "delivery_rate"]].tolist() == [6, 5, 4, 0.8]
    grid = stats.region_status(COMMISSION)
    assert grid[(grid["region"] == "玄武区") & (grid["status"] == "evaluated")]["count"].tolist() == [2]
    assert grid["count"].sum() == 12
    assert stats.category_share(COMMISSION).values.tolist() == [["中小版管理软件应用", 9]]


def test_provider_league_with_medians(programme):
    league = stats.provider_league(COMMISSION).set_index("provider")
    assert league.loc["甲服务商", ["bound", "delivered", "delivery_rate"]].tolist() == [5, 3, 0.6]
    assert league.loc["乙服务商", ["bound", "delivered", "delivery_rate"]].tolist() == [4, 3, 0.75]
    # builders: chosen 18 days ago, confirmed 17 days ago at 04:00 UTC (12:00 in Nanjing), delivered on TODAY-5:
    # 12 calendar days (a delivery date has no hour; once 11.8, which a same-day delivery made negative)
    assert league.loc["甲服务商", "to_confirm"] == 1.0
    assert league.loc["甲服务商", "to_deliver"] == 12.0


def test_a_provider_sees_only_its_own_numbers(programme):
    a = provider_actor(programme["a"])
    k = stats.kpis(a)
    assert (k["issued"], k["used"], k["delivered_on"], k["settled_amount"]) == (5, 5, 3, Decimal("10000.00"))
    assert stats.funnel(a)["count"].tolist() == [5, 5, 5, 4, 3, 3, 1]
    assert stats.provider_league(a)["provider"].tolist() == ["甲服务商"]
    assert stats.region_status(a)["count"].sum() == 5
    # the commission's provider filter gives the same numbers
    assert stats.kpis(COMMISSION, StatsFilters(provider_id=programme["a"]))["used"] == 5
    # a provider cannot widen its scope with the provider filter
    assert stats.kpis(a, StatsFilters(provider_id=programme["b"]))["issued"] == 5
    b = provider_actor(programme["b"])
    assert es.kpis(b)["evaluations"] == 2 and es.kpis(b)["mean"] == 62.5


def test_filters_by_region_size_year_and_date(programme):
    assert stats.kpis(COMMISSION, StatsFilters(region_id=region_id("江宁区")))["issued"] == 6
    assert stats.kpis(COMMISSION, StatsFilters(batch_year=2025))["issued"] == 0
    assert stats.kpis(COMMISSION, StatsFilters(start=TODAY - timedelta(days=20), end=TODAY))["issued"] == 12
    assert stats.kpis(COMMISSION, StatsFilters(end=TODAY - timedelta(days=21)))["issued"] == 0
    assert stats.kpis(COMMISSION, StatsFilters(size="中型"))["issued"] == 0


def test_evaluation_numbers(programme):
    k = es.kpis(COMMISSION)
    assert (k["evaluations"], k["coverage"], k["mean"], k["solved_rate"]) == (5, 0.8333, 80.0, 0.8)
    assert k["bands"] == {"优秀": 0.4, "良好": 0.2, "合格": 0.2, "不合格": 0.2}
    assert es.histogram(COMMISSION).values.tolist() == [[50, 1], [70, 1], [80, 1], [90, 2]]
    crit = es.criteria(COMMISSION).set_index("criterion")["percent"]
    assert crit["服务主动、耐心、热情、周到"] == 78.0  # (10+9+8+7+5)/5 of 10
    assert crit["售后服务响应及时问题快速解决"] == round((15 + 14 + 13 + 11 + 9) / 5 / 15 * 100, 1)
    league = es.provider_league(COMMISSION).set_index("provider")
    assert league.loc["甲服务商", ["evaluations", "mean", "ranked", "rank"]].tolist() == [3, 91.7, True, 1]
    assert league.loc["乙服务商", ["evaluations", "mean", "ranked"]].tolist() == [2, 62.5, False]
    regions = es.by_group(COMMISSION, group="region").set_index("group")
    assert regions.loc["江宁区", ["evaluations", "mean"]].tolist() == [2, 77.5]
    assert regions.loc["玄武区", ["evaluations", "mean"]].tolist() == [3, 81.7]
    freq = es.frequencies(COMMISSION).set_index("option")["count"]
    assert (freq["节能"], freq["电子商务"], freq["降耗"]) == (5, 5, 0)
    assert es.low_scores(COMMISSION)["total"].tolist() == [55]


def test_a_low_mean_is_flagged_once_ranked(database):
    provider = make_provider("丙服务商")
    for total in (55, 55, 70):
        make_voucher(S.EVALUATED, provider_id=provider, scores=SCORES[total])
    row = es.provider_league(COMMISSION).iloc[0]
    assert (row["evaluations"], row["mean"], bool(row["flag"])) == (3, 60.0, False)
    make_voucher(S.EVALUATED, provider_id=provider, scores=SCORES[55])
    row = es.provider_league(COMMISSION).iloc[0]
    assert (row["mean"], bool(row["flag"])) == (58.8, True)


def test_empty_filters_give_zeros_not_errors(database):
    assert stats.kpis(COMMISSION)["issued"] == 0 and stats.kpis(COMMISSION)["delivery_rate"] is None
    assert es.kpis(COMMISSION)["mean"] is None
    assert stats.monthly(COMMISSION).empty and stats.cycle_times(COMMISSION).empty


def test_risk_signals_find_the_vouchers_behind_them(database):
    from lib import db
    provider = make_provider()
    engineer = make_engineer(provider, name="赵工")
    first = make_voucher(S.CONFIRMED, provider_id=provider, contract=True)
    second = make_voucher(S.CONFIRMED, provider_id=provider, contract=True)
    fast = make_voucher(S.DELIVERED, provider_id=provider, confirmed_at=NOW - timedelta(hours=20), delivered_on=TODAY)
    instant = make_voucher(S.EVALUATED, provider_id=provider)
    with db.transaction() as s:
        for v in (first, second):  # the same engineer, the same day, two enterprises, the same words
            s.add(ServiceRecord(voucher_id=v["id"], engineer_id=engineer, service_date=TODAY - timedelta(days=2),
                                description="上门部署系统并完成全部数据初始化工作", created_at=NOW))
        s.add(ServiceRecord(voucher_id=first["id"], engineer_id=engineer, service_date=TODAY - timedelta(days=30),
                            description="合同前的上门", created_at=NOW))
        s.add(History(at=NOW - timedelta(days=3, minutes=10), username="p", role="provider", voucher_id=instant["id"],
                      action="record_delivery", from_status="confirmed", to_status="delivered"))
        for v in (first, second, fast):
            s.add(Withdrawal(voucher_id=v["id"], provider_id=provider, reason="不满意", requested_at=NOW,
                             status="rejected"))
    found = {signal.key: (total, set(frame["number"])) for signal, total, frame in risk.signals(COMMISSION)}
    assert found["same_day"][1] == {first["number"], second["number"]}
    assert found["same_text"][1] == {first["number"], second["number"]}
    assert found["before_contract"][1] == {first["number"]}
    assert found["fast_delivery"][1] == {fast["number"]}
    assert found["instant_full_marks"][1] == {instant["number"]}
    assert found["many_withdrawals"][1] == {first["number"], second["number"], fast["number"]}
    with pytest.raises(PermissionDenied):
        risk.signals(provider_actor(provider))
