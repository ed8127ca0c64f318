"""Statistics on a small programme whose every figure is worked out by hand below (Nanjing months, whole-day
cycle times, medians of odd and even counts, date limits on the day itself, follow-up windows to the
minute), on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event

from lib import db, stats, vouchers
from lib.labels import CRITERIA
from lib.models import Enterprise, ServiceRecord
from lib.stats import StatsFilters
from lib.stats import evaluations as es
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, make_batch, make_enterprise, make_provider, make_voucher, rows

# Totals 80 / 60 / 59: one band boundary each side.
SCORES = {80: [8, 8, 8, 12, 12, 12, 8, 12], 60: [6, 6, 6, 9, 9, 9, 6, 9], 59: [6, 6, 6, 9, 9, 9, 6, 8]}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def season(database):
    """Six vouchers from September to November 2026.

    | v  | provider | issued (UTC)         | chosen | confirmed | delivered  | status    | total |
    | a1 | 甲       | 09-10 02:00          | 09-12  | 09-13 (1) | 09-20 (7)  | settled   | 80    |
    | a2 | 甲       | 09-30 17:00 (=10-01) | 10-02  | 10-05 (3) | 10-15 (10) | evaluated | 60    |
    | a3 | 甲       | 10-05 00:00          | 10-06  | 10-08 (2) | 10-10 (2)  | delivered |       |
    | b1 | 乙       | 10-20 00:00          | 10-21  | 10-25 (4) |            | confirmed |       |
    | b2 | 乙       | 11-01 00:00          | 11-02  | 11-03 (1) | 11-09 (6)  | evaluated | 59    |
    | u1 |          | 11-15 00:00          |        |           |            | issued    |       |
    All at midnight UTC unless shown; b1's product costs 8,000 (below the face value).
    """
    make_batch(2026)
    a, b = make_provider("甲服务商"), make_provider("乙服务商")

    def voucher(status, provider, region, issued, chosen=None, confirmed=None, delivered=None, total=None, **kw):
        extra = {"issued_at": issued}
        if chosen:
            extra.update(chosen_at=chosen, confirmed_at=confirmed)
        if delivered:
            extra["delivered_on"] = delivered
        return make_voucher(status, provider_id=provider, enterprise_id=make_enterprise(region=region),
                            scores=SCORES.get(total), **extra, **kw)

    made = {
        "a1": voucher(S.SETTLED, a, "玄武区", utc(2026, 9, 10, 2), utc(2026, 9, 12), utc(2026, 9, 13),
                      date(2026, 9, 20),
                      80, settled_on=date(2026, 11, 10)),
        "a2": voucher(S.EVALUATED, a, "江宁区", utc(2026, 9, 30, 17), utc(2026, 10, 2), utc(2026, 10, 5),
                      date(2026, 10, 15), 60),
        "a3": voucher(S.DELIVERED, a, "江宁区", utc(2026, 10, 5), utc(2026, 10, 6), utc(2026, 10, 8),
                      date(2026, 10, 10)),
        "b1": voucher(S.CONFIRMED, b, "玄武区", utc(2026, 10, 20), utc(2026, 10, 21), utc(2026, 10, 25),
                      price=Decimal("8000.00")),
        "b2": voucher(S.EVALUATED, b, "江宁区", utc(2026, 11, 1), utc(2026, 11, 2), utc(2026, 11, 3), date(2026, 11, 9),
                      59),
        "u1": voucher(S.ISSUED, None, "玄武区", utc(2026, 11, 15)),
    }
    with db.transaction() as s:  # one enterprise states its size, the others have not
        s.get(Enterprise, made["a1"]["enterprise_id"]).size = "小型"
    return {"a": a, "b": b, **made}


def series(frame, name: str) -> dict[str, int]:
    part = frame[frame["series"] == name]
    return dict(zip(part["month"], part["count"], strict=True))


def test_monthly_series_count_in_nanjing_months(season):
    m = stats.monthly(COMMISSION)
    assert series(m, "发放") == {"2026-09": 1, "2026-10": 3, "2026-11": 2}  # a2 was issued on 1 October in Nanjing
    assert series(m, "选择产品") == {"2026-09": 1, "2026-10": 3, "2026-11": 1}
    assert series(m, "交付") == {"2026-09": 1, "2026-10": 2, "2026-11": 1}
    assert series(m, "兑付") == {"2026-09": 0, "2026-10": 0, "2026-11": 1}  # every month of the span, in order
    for name in ("发放", "选择产品", "交付", "兑付"):
        months = m[m["series"] == name]["month"].tolist()
        assert months == ["2026-09", "2026-10", "2026-11"]


def test_cycle_times_in_whole_days_and_medians(season):
    c = stats.cycle_times(COMMISSION)
    to_confirm = c[c["series"] == "下单→确认"]
    to_deliver = c[c["series"] == "确认→交付"]
    assert dict(zip(to_confirm["days"], to_confirm["count"], strict=True)) == {1: 2, 2: 1, 3: 1, 4: 1}
    assert dict(zip(to_deliver["days"], to_deliver["count"], strict=True)) == {2: 1, 6: 1, 7: 1, 10: 1}
    league = stats.provider_league(COMMISSION).set_index("provider")
    assert league.loc["甲服务商", ["bound", "delivered", "to_confirm", "to_deliver"]].tolist() == [3, 3, 2.0, 7.0]
    assert league.loc["乙服务商", ["bound", "delivered", "to_confirm", "to_deliver"]].tolist() == [2, 1, 2.5, 6.0]
    assert league.loc["乙服务商", "delivery_rate"] == 0.5


def test_cycle_times_cap_at_30_days(season):
    make_voucher(S.CONFIRMED, provider_id=season["b"], chosen_at=utc(2026, 8, 1), confirmed_at=utc(2026, 8, 31),
                 issued_at=utc(2026, 8, 1))  # exactly 30 days
    make_voucher(S.CONFIRMED, provider_id=season["b"], chosen_at=utc(2026, 7, 1), confirmed_at=utc(2026, 8, 31),
                 issued_at=utc(2026, 7, 1))  # 61 days
    c = stats.cycle_times(COMMISSION)
    to_confirm = c[c["series"] == "下单→确认"]
    assert dict(zip(to_confirm["days"], to_confirm["count"], strict=True)) == {1: 2, 2: 1, 3: 1, 4: 1, 30: 2}


def test_kpis_and_funnel(season):
    k = stats.kpis(COMMISSION)
    assert (k["issued"], k["ever_activated"], k["used"], k["delivered_on"]) == (6, 5, 5, 4)
    assert (k["committed"], k["delivered_amount"], k["settled_amount"]) == (
        Decimal("50000.00"), Decimal("40000.00"), Decimal("10000.00"))
    assert k["leverage"] == Decimal("39200.00")  # 4 × 9,800; b1's 8,000 product adds nothing, not −2,000
    assert (k["activation_rate"], k["use_rate"], k["delivery_rate"]) == (0.8333, 0.8333, 0.8)
    assert stats.funnel(COMMISSION)["count"].tolist() == [6, 5, 5, 5, 4, 3, 1]


@pytest.mark.parametrize("start,end,issued", [
    (None, date(2026, 9, 30), 1),  # a2 at 09-30 17:00 UTC is already 1 October in Nanjing
    (date(2026, 10, 1), date(2026, 10, 31), 3),
    (date(2026, 11, 1), date(2026, 11, 1), 1),  # start and end on the day of issue: included
    (date(2026, 9, 10), date(2026, 9, 10), 1),
    (date(2026, 9, 11), date(2026, 9, 30), 0),
    (date(2026, 11, 16), None, 0),
    (date(2026, 11, 15), None, 1),
])
def test_the_date_range_includes_both_ends_in_nanjing_days(season, start, end, issued):
    assert stats.kpis(COMMISSION, StatsFilters(start=start, end=end))["issued"] == issued


def test_evaluation_figures(season):
    k = es.kpis(COMMISSION)
    assert (k["evaluations"], k["coverage"], k["mean"], k["solved_rate"]) == (3, 0.75, 66.3, 1.0)
    assert k["band_counts"] == {"优秀": 0, "良好": 1, "合格": 1, "不合格": 1}
    assert k["bands"] == {"优秀": 0.0, "良好": 0.3333, "合格": 0.3333, "不合格": 0.3333}
    assert es.histogram(COMMISSION).values.tolist() == [[50, 1], [60, 1], [80, 1]]
    assert es.low_scores(COMMISSION)["total"].tolist() == [59]  # 60 is 合格, not low
    league = es.provider_league(COMMISSION).set_index("provider")
    assert league.loc["甲服务商", ["evaluations", "mean", "ranked", "flag"]].tolist() == [2, 70.0, False, False]
    assert league.loc["乙服务商", ["evaluations", "mean", "ranked", "flag"]].tolist() == [1, 59.0, False, False]
    assert es.monthly(COMMISSION).values.tolist() == [["2026-11", 3, 66.3]]


def test_evaluation_groups(season):
    regions = es.by_group(COMMISSION, group="region")
    assert regions.values.tolist() == [["江宁区", 2, 59.5], ["玄武区", 1, 80.0]]
    sizes = es.by_group(COMMISSION, group="size").set_index("group")
    assert sizes.loc["小型", ["evaluations", "mean"]].tolist() == [1, 80.0]
    assert sizes.loc["未填写", ["evaluations", "mean"]].tolist() == [2, 59.5]
    categories = es.by_group(COMMISSION, group="category")
    assert categories.values.tolist() == [["中小版管理软件应用", 3, 66.3]]


def test_a_provider_gets_the_same_figures_for_its_own_vouchers(season):
    from tests.builders import provider_actor
    b = provider_actor(season["b"])
    assert stats.kpis(b)["issued"] == 2 and stats.kpis(b)["leverage"] == Decimal("9800.00")
    assert series(stats.monthly(b), "发放") == {"2026-10": 1, "2026-11": 1}
    assert es.kpis(b)["mean"] == 59.0


# ---------------------------------------------------------------- follow-up lists (DESIGN.md §6 ageing)

def numbers(lists: dict, name: str) -> set[str]:
    frame, total = lists[name]
    assert total == len(frame)
    return set(frame["number"])


def test_follow_up_lists_start_exactly_after_their_windows(database):
    make_batch(2026)
    minute = timedelta(minutes=1)
    pending_late = make_voucher(S.PENDING_CONFIRM, chosen_at=NOW - timedelta(days=3) - minute)
    make_voucher(S.PENDING_CONFIRM, chosen_at=NOW - timedelta(days=3))  # exactly 3 days: not yet
    make_voucher(S.PENDING_CONFIRM, chosen_at=NOW - timedelta(days=2))
    idle = make_voucher(S.CONFIRMED, contract=True, confirmed_at=NOW - timedelta(days=14) - minute)
    make_voucher(S.CONFIRMED, contract=True, confirmed_at=NOW - timedelta(days=14))
    make_voucher(S.CONFIRMED, contract=True, confirmed_at=NOW - timedelta(days=20), service_records=1)
    expiring = make_voucher(S.ISSUED, expires_at=NOW + timedelta(days=7) - minute)
    expiring_activated = make_voucher(S.ACTIVATED, expires_at=NOW + timedelta(days=1))
    make_voucher(S.ISSUED, expires_at=NOW + timedelta(days=7))
    withdrawn = make_voucher(S.CONFIRMED, withdrawal_pending=True, confirmed_at=NOW - timedelta(days=1))
    lists = stats.ageing(COMMISSION, now=NOW)
    assert numbers(lists, "待购买确认超过3天") == {pending_late["number"]}
    assert numbers(lists, "已确认超过14天仍无服务记录") == {idle["number"]}
    assert numbers(lists, "7天内到期") == {expiring["number"], expiring_activated["number"]}
    assert numbers(lists, "撤回待审核") == {withdrawn["number"]}


def test_a_service_record_takes_a_voucher_off_the_idle_list(database):
    make_batch(2026)
    idle = make_voucher(S.CONFIRMED, contract=True, confirmed_at=NOW - timedelta(days=15))
    assert numbers(stats.ageing(COMMISSION, now=NOW), "已确认超过14天仍无服务记录") == {idle["number"]}
    with db.transaction() as s:
        s.add(ServiceRecord(voucher_id=idle["id"], engineer_id=idle["engineer_id"], service_date=NOW.date(),
                            description="上门", created_at=NOW))
    assert numbers(stats.ageing(COMMISSION, now=NOW), "已确认超过14天仍无服务记录") == set()


def test_every_write_changes_the_statistics_cache_key(database):
    v = make_voucher(S.PENDING_CONFIRM)
    first = stats.data_version()
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    second = stats.data_version()
    assert second != first
    vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=NOW.date(), now=NOW)
    assert stats.data_version() not in (first, second)


def test_one_page_run_reads_the_versions_once_and_again_after_its_own_write(database):
    v = make_voucher(S.PENDING_CONFIRM)
    reads = []

    def count(_conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith("SELECT") and "table_versions" in statement:
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        with stats.one_reading():
            first = stats.data_version()
            assert stats.data_version("vouchers", "evaluations") == tuple(
                dict(zip(sorted(stats.scope.ALL_TABLES), first, strict=True))[t] for t in ("evaluations", "vouchers"))
            assert len(reads) == 1  # every statistic of the run is keyed from that one reading
            other = threading.Thread(target=vouchers.confirm_purchase,
                                     kwargs={"actor": v["provider"], "number": v["number"], "now": NOW})
            other.start()
            other.join()  # another session's write shows from the next run on
            assert stats.data_version() == first
            vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=NOW.date(), now=NOW)
            assert stats.data_version() != first  # the viewer's own write shows in the same run
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert stats.data_version() != first


def test_every_frame_has_its_columns_and_a_plain_index(season):
    frames = {
        "monthly": (stats.monthly(COMMISSION), ["month", "count", "series"]),
        "cycle_times": (stats.cycle_times(COMMISSION), ["days", "count", "series"]),
        "region_status": (stats.region_status(COMMISSION), ["region", "status", "count", "status_label"]),
        "region_rates": (stats.region_rates(COMMISSION), ["region", "issued", "used", "delivered", "delivery_rate"]),
        "category_share": (stats.category_share(COMMISSION), ["category", "count"]),
        "histogram": (es.histogram(COMMISSION), ["bucket", "count"]),
        "criteria": (es.criteria(COMMISSION), ["criterion", "percent"]),
        "frequencies": (es.frequencies(COMMISSION), ["kind", "option", "count"]),
        "low_scores": (es.low_scores(COMMISSION),
                       ["number", "enterprise_name", "provider", "total", "band", "comment"]),
        "monthly_evaluations": (es.monthly(COMMISSION), ["month", "evaluations", "mean"]),
        "by_group": (es.by_group(COMMISSION), ["group", "evaluations", "mean"]),
        "provider_league": (stats.provider_league(COMMISSION), ["provider_id", "provider", "bound", "delivered",
                                                               "to_confirm", "to_deliver", "delivery_rate"]),
        "evaluation_league": (es.provider_league(COMMISSION), ["provider_id", "provider", "evaluations", "mean",
                                                               "solved", "solved_rate", "ranked", "flag", "rank"]),
    }
    for name, (frame, columns) in frames.items():
        assert list(frame.columns) == columns, name
        assert frame.index.tolist() == list(range(len(frame))), name  # charts and tables read rows by position


def test_region_tables(season):
    grid = stats.region_status(COMMISSION)
    cells = {(r, s): (n, label) for r, s, n, label in grid.values.tolist()}
    assert cells == {("玄武区", "settled"): (1, "已兑付"), ("玄武区", "confirmed"): (1, "已确认"),
                     ("玄武区", "issued"): (1, "待激活"), ("江宁区", "evaluated"): (2, "已评价"),
                     ("江宁区", "delivered"): (1, "已交付")}
    rates = {r[0]: r[1:] for r in stats.region_rates(COMMISSION).values.tolist()}
    assert rates == {"玄武区": [3, 2, 1, 0.5], "江宁区": [3, 3, 3, 1.0]}


def test_categories_by_how_often_they_are_chosen(season):
    from lib.models import Product, ProductCategory
    with db.transaction() as s:
        finance = s.query(ProductCategory.id).filter_by(name="财务管理软件").scalar()
        for key in ("a2", "a3"):
            s.get(Product, season[key]["product_id"]).category_id = finance
    share = stats.category_share(COMMISSION)
    assert share.values.tolist() == [["中小版管理软件应用", 3], ["财务管理软件", 2]]


def test_a_confirmation_recorded_before_the_choice_counts_as_day_0(season):
    make_voucher(S.CONFIRMED, provider_id=season["b"], chosen_at=utc(2026, 10, 3), confirmed_at=utc(2026, 10, 1),
                 issued_at=utc(2026, 10, 1))
    c = stats.cycle_times(COMMISSION)
    to_confirm = c[c["series"] == "下单→确认"]
    assert dict(zip(to_confirm["days"], to_confirm["count"], strict=True)) == {0: 1, 1: 2, 2: 1, 3: 1, 4: 1}


def test_low_scores_newest_first_with_who_and_what(season):
    low = es.low_scores(COMMISSION)
    with db.read_session() as s:
        name = s.get(Enterprise, season["b2"]["enterprise_id"]).name
    assert rows(low) == [[season["b2"]["number"], name, "乙服务商", 59, "不合格", None]]
    extra = make_voucher(S.EVALUATED, provider_id=season["a"], scores=SCORES[59])
    with db.transaction() as s:
        from lib.models import Evaluation
        ev = s.query(Evaluation).filter_by(voucher_id=extra["id"]).one()
        ev.created_at, ev.comment = NOW, "响应太慢"
    low = es.low_scores(COMMISSION)
    assert rows(low[["number", "provider", "comment"]]) == [
        [extra["number"], "甲服务商", "响应太慢"], [season["b2"]["number"], "乙服务商", None]]
    assert es.low_scores(COMMISSION, limit=1)["number"].tolist() == [extra["number"]]


def test_improvement_and_focus_frequencies(season):
    freq = es.frequencies(COMMISSION)
    assert freq["kind"].tolist() == ["改善"] * 9 + ["下一步重点"] * 7
    counts = dict(zip(freq["option"], freq["count"], strict=True))
    assert (counts["节能"], counts["电子商务"], counts["降耗"], counts["其他"]) == (3, 3, 0, 0)


def test_criteria_without_evaluations_have_no_percentage(database):
    crit = es.criteria(COMMISSION)
    assert crit["percent"].tolist() == [None] * 8 and len(crit["criterion"]) == 8


def test_evaluations_by_month_of_submission(season):
    from lib.models import Evaluation
    with db.transaction() as s:
        s.query(Evaluation).filter_by(voucher_id=season["a1"]["id"]).one().created_at = utc(2026, 9, 30, 16,
                                                                                            30)  # 10-01
        s.query(Evaluation).filter_by(voucher_id=season["a2"]["id"]).one().created_at = utc(2026, 9, 30, 15,
                                                                                            30)  # 09-30
    assert es.monthly(COMMISSION).values.tolist() == [["2026-09", 1, 60.0], ["2026-10", 1, 80.0], ["2026-11", 1, 59.0]]
    assert es.histogram(COMMISSION).values.tolist() == [[50, 1], [60, 1], [80, 1]]


def test_the_date_range_starts_and_ends_at_nanjing_midnight(season):
    make_voucher(S.ISSUED, issued_at=utc(2026, 11, 30, 16))  # 2026-12-01 00:00 in Nanjing
    make_voucher(S.ISSUED, issued_at=utc(2026, 11, 30, 15, 59, 59))  # 2026-11-30 23:59:59 in Nanjing
    assert stats.kpis(COMMISSION, StatsFilters(start=date(2026, 12, 1)))["issued"] == 1
    assert stats.kpis(COMMISSION, StatsFilters(start=date(2026, 11, 30), end=date(2026, 11, 30)))["issued"] == 1


def test_filters_by_size_category_year_and_region(season):
    from lib.models import Product, ProductCategory
    assert stats.kpis(COMMISSION, StatsFilters(size="小型"))["issued"] == 1  # only a1's enterprise gave its size
    with db.transaction() as s:
        finance = s.query(ProductCategory.id).filter_by(name="财务管理软件").scalar()
        for key in ("a2", "a3"):
            s.get(Product, season[key]["product_id"]).category_id = finance
    assert stats.kpis(COMMISSION, StatsFilters(category_id=finance))["issued"] == 2
    assert es.kpis(COMMISSION, StatsFilters(category_id=finance))["evaluations"] == 1
    make_batch(2025)
    from lib.models import Batch
    with db.read_session() as s:
        batch_2025 = s.query(Batch.id).filter_by(year=2025).scalar()
    make_voucher(S.ISSUED, batch_id=batch_2025)
    assert stats.kpis(COMMISSION, StatsFilters(batch_year=2025))["issued"] == 1
    assert stats.kpis(COMMISSION, StatsFilters(batch_year=2026))["issued"] == 6
    from tests.builders import region_id
    assert stats.kpis(COMMISSION, StatsFilters(region_id=region_id("玄武区")))["issued"] == 3


def test_logins_without_a_company_count_nothing(season):
    from lib.actors import Actor
    from lib.labels import Role
    orphan = Actor(user_id=None, username="x", role=Role.PROVIDER, provider_id=None)
    enterprise = Actor(user_id=None, username="y", role=Role.ENTERPRISE, enterprise_id=season["a1"]["enterprise_id"])
    for actor in (orphan, enterprise):
        k = stats.kpis(actor)
        assert (k["issued"], k["used"], k["committed"]) == (0, 0, 0)
        assert stats.funnel(actor)["count"].tolist() == [0] * 7
    assert stats.kpis(COMMISSION, StatsFilters(provider_id=season["a"]))["issued"] == 3


def test_kpis_name_exactly_their_figures_and_are_zero_when_empty(database):
    k = stats.kpis(COMMISSION)
    assert set(k) == {"issued", "ever_activated", "used", "delivered_on", "committed", "delivered_amount",
                      "settled_amount", "leverage", "by_status", "activation_rate", "use_rate", "delivery_rate"}
    assert (k["committed"], k["delivered_amount"], k["settled_amount"], k["leverage"]) == (0, 0, 0, 0)
    assert k["by_status"] == dict.fromkeys(S, 0)
    assert stats.funnel(COMMISSION).values.tolist() == [["发放", 0], ["激活", 0], ["选择产品", 0], ["确认", 0],
                                                        ["交付", 0], ["评价", 0], ["兑付", 0]]


def test_the_provider_league_ranks_by_vouchers_then_name(season):
    c = make_provider("丙服务商")
    for _ in range(2):
        make_voucher(S.CONFIRMED, provider_id=c)
    league = stats.provider_league(COMMISSION)
    assert league["provider"].tolist()[0] == "甲服务商"  # 3 bound
    assert set(league["provider"].tolist()[1:]) == {"乙服务商", "丙服务商"}  # 2 each, then by name
    assert league["provider_id"].tolist()[0] == season["a"]


def test_medians_skip_vouchers_not_yet_at_that_step(season):
    make_voucher(S.CONFIRMED, provider_id=season["a"], chosen_at=utc(2026, 11, 1), confirmed_at=utc(2026, 11, 2),
                 issued_at=utc(2026, 11, 1))  # confirmed (1 day), not delivered
    league = stats.provider_league(COMMISSION).set_index("provider")
    assert league.loc["甲服务商", ["bound", "to_confirm", "to_deliver"]].tolist() == [4, 1.5, 7.0]


def test_providers_with_as_many_vouchers_are_listed_by_name(database):
    make_batch(2026)
    b, a = make_provider("B服务商"), make_provider("A服务商")
    for provider in (b, a):
        make_voucher(S.CONFIRMED, provider_id=provider)
    assert stats.provider_league(COMMISSION)["provider"].tolist() == ["A服务商", "B服务商"]
    assert stats.provider_league(COMMISSION)["to_deliver"].tolist() == [None, None]  # nothing delivered yet
    assert list(stats.funnel(COMMISSION).columns) == ["stage", "count"]


def test_evaluation_league_rows_in_full(season):
    from lib.models import Evaluation
    with db.transaction() as s:
        s.query(Evaluation).filter_by(voucher_id=season["a2"]["id"]).one().solved = False
    league = es.provider_league(COMMISSION).set_index("provider")
    assert league.loc["甲服务商", ["provider_id", "evaluations", "solved", "solved_rate"]].tolist() == [season["a"], 2,
                                                                                                        1, 0.5]
    assert league.loc["乙服务商", ["provider_id", "evaluations", "solved", "solved_rate"]].tolist() == [season["b"], 1,
                                                                                                        1, 1.0]
    k = es.kpis(COMMISSION)
    assert (k["solved_rate"], k["coverage"]) == (0.6667, 0.75)


def test_evaluation_kpis_of_nothing(database):
    assert es.kpis(COMMISSION) == {"evaluations": 0, "coverage": None, "mean": None, "solved_rate": None,
                                   "bands": dict.fromkeys(["优秀", "良好", "合格", "不合格"]),
                                   "band_counts": dict.fromkeys(["优秀", "良好", "合格", "不合格"], 0)}


def test_no_problem_solved_is_a_rate_of_zero(database):
    make_batch(2026)
    make_voucher(S.EVALUATED, solved=False)
    make_voucher(S.DELIVERED)
    k = es.kpis(COMMISSION)
    assert (k["evaluations"], k["solved_rate"], k["coverage"]) == (1, 0.0, 0.5)


def test_a_follow_up_row_in_full_and_the_list_capped(database):
    make_batch(2026)
    late = [make_voucher(S.PENDING_CONFIRM, enterprise_id=make_enterprise(f"跟进{i}", "江宁区"),
                         chosen_at=NOW - timedelta(days=5)) for i in range(2)]
    lists = stats.ageing(COMMISSION, now=NOW, limit=1)
    frame, total = lists["待购买确认超过3天"]
    first = min(late, key=lambda v: v["number"])
    assert total == 2 and rows(frame) == [[first["number"], "跟进0" if first is late[0] else "跟进1", "江宁区",
                                           "pending_confirm", NOW - timedelta(days=5), None, None,
                                           "已购买产品，待购买确认"]]


def test_follow_up_lists_put_the_longest_waiting_first(database):
    make_batch(2026)
    newer = make_voucher(S.PENDING_CONFIRM, chosen_at=NOW - timedelta(days=4))
    older = make_voucher(S.PENDING_CONFIRM, chosen_at=NOW - timedelta(days=9))  # a later number, waiting longer
    idle_newer = make_voucher(S.CONFIRMED, contract=True, service_records=0, confirmed_at=NOW - timedelta(days=15))
    idle_older = make_voucher(S.CONFIRMED, contract=True, service_records=0, confirmed_at=NOW - timedelta(days=30))
    lists = stats.ageing(COMMISSION, now=NOW)
    assert lists["待购买确认超过3天"][0]["number"].tolist() == [older["number"], newer["number"]]
    assert lists["已确认超过14天仍无服务记录"][0]["number"].tolist() == [idle_older["number"], idle_newer["number"]]


def test_the_follow_up_lists_show_when_the_wait_began_on_nanjings_clock(database):
    """The column is formatted at once for the whole list (clock.fmt_datetimes): Nanjing is UTC+8 all year, so
    16:30 UTC is half past midnight the next day, as the one-by-one clock.fmt_datetime says."""
    from lib import clock
    make_batch(2026)
    chosen = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)
    make_voucher(S.PENDING_CONFIRM, chosen_at=chosen)
    make_voucher(S.PENDING_CONFIRM, chosen_at=chosen - timedelta(hours=1))
    frame, _ = stats.ageing(COMMISSION, now=NOW)["待购买确认超过3天"]
    assert clock.fmt_datetimes(frame["chosen_at"]).tolist() == ["2026-11-10 23:30", "2026-11-11 00:30"]
    assert clock.fmt_datetimes(frame["chosen_at"]).tolist() == [clock.fmt_datetime(t) for t in frame["chosen_at"]]
    assert clock.fmt_datetimes(frame["confirmed_at"]).tolist() == ["", ""]  # none yet: blank, as one by one


def test_league_order_among_ranked_providers_and_no_rank_below_three(database):
    make_batch(2026)
    low, high, few = make_provider("低分"), make_provider("高分"), make_provider("少数")
    for provider, total in ((low, 70), (high, 90)):
        for _ in range(3):
            make_voucher(S.EVALUATED, provider_id=provider, scores=SCORES_BY_TOTAL[total])
    make_voucher(S.EVALUATED, provider_id=few, scores=SCORES_BY_TOTAL[90])
    league = es.provider_league(COMMISSION)
    assert rows(league[["provider", "ranked", "rank"]]) == [["高分", True, 1], ["低分", True, 2], ["少数", False, None]]
    assert league.index.tolist() == [0, 1, 2]  # renumbered after sorting: rows are read by position


SCORES_BY_TOTAL = {90: [9, 9, 9, 14, 13, 13, 9, 14], 70: [7, 7, 7, 10, 11, 10, 7, 11]}


def test_categories_by_count_not_by_name(season):
    from lib.models import Product, ProductCategory
    with db.transaction() as s:
        finance = s.query(ProductCategory.id).filter_by(name="财务管理软件").scalar()
        for key in ("a1", "a2", "a3", "b1"):
            s.get(Product, season[key]["product_id"]).category_id = finance
    assert stats.category_share(COMMISSION).values.tolist() == [["财务管理软件", 4], ["中小版管理软件应用", 1]]


def _bulk_vouchers(template: dict, count: int, prefix: str = "27") -> list[int]:
    from sqlalchemy import insert
    from sqlalchemy import select as sql_select

    from lib import derived
    from lib.models import Voucher
    with db.transaction() as s:
        s.execute(insert(Voucher), [{**template, "number": f"{prefix}{i:05d}"} for i in range(count)])
        ids = list(s.scalars(sql_select(Voucher.id).where(Voucher.number.like(f"{prefix}%"))))
    with db.get_engine().begin() as conn:  # a bulk insert passes by the listeners that keep the summaries
        derived.rebuild(conn)
    return ids


def test_lists_show_at_most_their_default_number_of_rows(database):
    from sqlalchemy import insert

    from lib.models import Evaluation
    from tests.builders import voucher_row
    make_batch(2026)
    pending = voucher_row(make_voucher(S.PENDING_CONFIRM, chosen_at=NOW - timedelta(days=5))["number"])
    template = {c: getattr(pending, c) for c in ("batch_id", "enterprise_id", "face_value", "status", "issued_at",
                                                 "updated_at", "withdrawal_pending", "provider_id", "product_id",
                                                 "price", "chosen_at")}
    _bulk_vouchers(template, 200)
    frame, total = stats.ageing(COMMISSION, now=NOW)["待购买确认超过3天"]
    assert (len(frame), total) == (200, 201)
    evaluated = voucher_row(make_voucher(S.EVALUATED, scores=SCORES[59])["number"])
    ids = _bulk_vouchers({**template, "status": "evaluated", "enterprise_id": evaluated.enterprise_id}, 100, "28")
    with db.transaction() as s:
        scores = dict(zip([field for field, _, _ in CRITERIA], SCORES[59], strict=True))
        s.execute(insert(Evaluation), [{"voucher_id": i, **scores, "total": 59, "band": "不合格", "solved": True,
                                        "improvements": ["节能"], "next_focus": ["电子商务"], "created_at": NOW}
                                       for i in ids])
    assert len(es.low_scores(COMMISSION)) == 100


def test_follow_up_frames_name_their_columns(database):
    make_batch(2026)
    expiring = make_voucher(S.ISSUED, enterprise_id=make_enterprise("快到期", "江宁区"),
                            expires_at=NOW + timedelta(days=2))
    idle = make_voucher(S.CONFIRMED, enterprise_id=make_enterprise("没服务", "玄武区"), contract=True,
                        confirmed_at=NOW - timedelta(days=20), chosen_at=NOW - timedelta(days=21))
    lists = stats.ageing(COMMISSION, now=NOW)
    for frame, _ in lists.values():
        assert list(frame.columns) == ["number", "enterprise_name", "region", "status", "chosen_at", "confirmed_at",
                                       "expires_at", "status_label"]
    assert rows(lists["7天内到期"][0]) == [[expiring["number"], "快到期", "江宁区", "issued", None, None,
                                            NOW + timedelta(days=2), "待激活"]]
    assert rows(lists["已确认超过14天仍无服务记录"][0]) == [[idle["number"], "没服务", "玄武区", "confirmed",
                                                              NOW - timedelta(days=21), NOW - timedelta(days=20), None,
                                                              "已确认"]]
