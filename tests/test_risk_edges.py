"""风险预警 signals at their thresholds, with the detail line the commission reads, on both databases.
Each test builds the pattern just inside and just outside its threshold (DESIGN.md §6)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lib import db, risk
from lib.errors import PermissionDenied
from lib.models import Evaluation, History, ServiceRecord, Withdrawal
from lib.stats import StatsFilters
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, make_engineer, make_enterprise, make_provider, make_voucher


def found(key: str) -> dict[str, str]:
    """number -> detail of one signal, and its total matches the rows."""
    for signal, total, frame in risk.signals(COMMISSION):
        if signal.key == key:
            assert total == len(frame)
            return dict(zip(frame["number"], frame["detail"], strict=True))
    raise AssertionError(key)


def add_record(v: dict, engineer: int, day: date, text: str = "上门部署系统并完成数据初始化") -> None:
    with db.transaction() as s:
        s.add(ServiceRecord(voucher_id=v["id"], engineer_id=engineer, service_date=day, description=text,
                            created_at=NOW))


def test_one_engineer_at_two_enterprises_on_one_day(database):
    provider = make_provider()
    zhao = make_engineer(provider, name="赵工")
    a, b, c = (make_voucher(S.CONFIRMED, provider_id=provider, contract=True, service_records=0) for _ in range(3))
    add_record(a, zhao, date(2026, 11, 18), "甲")
    add_record(b, zhao, date(2026, 11, 18), "乙")
    add_record(c, zhao, date(2026, 11, 19), "丙")  # another day
    add_record(c, zhao, date(2026, 11, 19), "丙二")  # the same enterprise twice that day is no signal
    assert found("same_day") == {a["number"]: "赵工于2026-11-18同日服务多家企业",
                                 b["number"]: "赵工于2026-11-18同日服务多家企业"}


def test_service_before_the_contract(database):
    v = make_voucher(S.CONFIRMED, contract_date=date(2026, 11, 4), service_records=0)
    on_the_day = make_voucher(S.CONFIRMED, contract_date=date(2026, 11, 4), service_records=0)
    add_record(v, v["engineer_id"], date(2026, 11, 3))
    add_record(on_the_day, on_the_day["engineer_id"], date(2026, 11, 4))
    assert found("before_contract") == {v["number"]: "服务日期2026-11-03早于合同日期2026-11-04"}


def test_delivery_within_a_day_of_confirmation(database):
    # whole days between Nanjing calendar dates: a delivery date has no time of day
    late_evening = datetime(2026, 11, 19, 15, 59, tzinfo=UTC)  # 23:59 on 11-19 in Nanjing
    next_day = make_voucher(S.DELIVERED, confirmed_at=late_evening, delivered_on=date(2026, 11, 20))
    same_day = make_voucher(S.DELIVERED, confirmed_at=late_evening, delivered_on=date(2026, 11, 19))
    make_voucher(S.DELIVERED, confirmed_at=late_evening - timedelta(days=1),
                 delivered_on=date(2026, 11, 20))  # confirmed 11-18 in Nanjing, delivered 11-20: two days
    make_voucher(S.DELIVERED, confirmed_at=datetime(2026, 11, 18, 16, 0, tzinfo=UTC),  # 11-19 00:00 Nanjing
                 delivered_on=date(2026, 11, 21))
    assert found("fast_delivery") == {next_day["number"]: "确认后1天即交付", same_day["number"]: "确认当天即交付"}


def test_identical_descriptions_across_vouchers(database):
    provider = make_provider()
    engineer = make_engineer(provider)
    a, b, c, d = (make_voucher(S.CONFIRMED, provider_id=provider, contract=True, service_records=0) for _ in range(4))
    text = "上门部署系统并完成全部数据初始化工作"  # 17 characters
    add_record(a, engineer, date(2026, 11, 10), text)
    add_record(b, engineer, date(2026, 11, 11), text)
    add_record(c, engineer, date(2026, 11, 12), "上门培训九个字而已")  # 9 characters: too short to mean anything
    add_record(d, engineer, date(2026, 11, 13), "上门培训九个字而已")
    add_record(c, engineer, date(2026, 11, 14), "同一张券上重复写的描述文字")  # repeated within one voucher only
    add_record(c, engineer, date(2026, 11, 15), "同一张券上重复写的描述文字")
    assert found("same_text") == {a["number"]: f"重复描述：{text}", b["number"]: f"重复描述：{text}"}


def test_full_marks_within_30_minutes_of_delivery(database):
    def evaluated(total_is_100: bool, minutes: int) -> dict:
        scores = None if total_is_100 else [10, 10, 10, 15, 15, 15, 10, 14]
        v = make_voucher(S.EVALUATED, scores=scores)
        with db.transaction() as s:
            created = s.query(Evaluation).filter_by(voucher_id=v["id"]).one().created_at
            s.add(History(at=created - timedelta(minutes=minutes), username="p", role="provider", voucher_id=v["id"],
                          action="record_delivery", from_status="confirmed", to_status="delivered"))
        return v

    at_30 = evaluated(True, 30)
    evaluated(True, 31)
    evaluated(False, 5)  # 99 points
    evaluated(True, -5)  # evaluated before the delivery was recorded: not this pattern
    assert found("instant_full_marks") == {at_30["number"]: "满分评价，交付后30分钟提交"}


def test_providers_with_three_withdrawals(database):
    busy, calm = make_provider("忙碌服务商"), make_provider("平静服务商")

    def withdrawn(provider: int) -> dict:
        v = make_voucher(S.CONFIRMED, provider_id=provider)
        with db.transaction() as s:
            s.add(Withdrawal(voucher_id=v["id"], provider_id=provider, reason="不满意", requested_at=NOW,
                             status="approved"))
        return v

    three = [withdrawn(busy) for _ in range(3)]
    [withdrawn(calm) for _ in range(2)]
    assert found("many_withdrawals") == {v["number"]: "忙碌服务商共有3次撤回申请" for v in three}


def test_the_list_is_capped_but_the_total_is_not(database):
    v = make_voucher(S.CONFIRMED, contract_date=date(2026, 11, 4), service_records=0)
    w = make_voucher(S.CONFIRMED, contract_date=date(2026, 11, 4), service_records=0)
    for x in (v, w):
        add_record(x, x["engineer_id"], date(2026, 11, 1))
    [(signal, total, frame)] = [s for s in risk.signals(COMMISSION, limit=1) if s[0].key == "before_contract"]
    assert (total, len(frame), frame["number"].tolist()) == (2, 1, [min(v["number"], w["number"])])
    for span, expected in (((date(2000, 1, 1), date(2100, 12, 31)), 2), ((date(2000, 1, 1), date(2000, 12, 31)), 0)):
        f = StatsFilters(start=span[0], end=span[1])  # filtered, the total is counted through the vouchers
        [(_, total, _)] = [s for s in risk.signals(COMMISSION, f, limit=1) if s[0].key == "before_contract"]
        assert total == expected, span


@pytest.mark.parametrize("who", ["provider", "enterprise"])
def test_only_the_commission_sees_the_signals(database, who):
    v = make_voucher(S.CONFIRMED, enterprise_id=make_enterprise())
    with pytest.raises(PermissionDenied, match="^风险预警仅限经信委查看$"):
        risk.signals(v[who])


def rows_of(key: str) -> list[list]:
    [frame] = [frame for signal, _, frame in risk.signals(COMMISSION) if signal.key == key]
    return frame.values.tolist()


def test_each_signal_row_names_the_enterprise_and_the_provider(database):
    provider = make_provider("朗坤")
    v = make_voucher(S.CONFIRMED, provider_id=provider, enterprise_id=make_enterprise("测试11"),
                     contract_date=date(2026, 11, 4), service_records=0)
    make_voucher(S.CONFIRMED, provider_id=make_provider("别家"), contract_date=date(2026, 11, 4))
    add_record(v, v["engineer_id"], date(2026, 11, 3), "上门部署系统并完成数据初始化")
    w = make_voucher(S.CONFIRMED, provider_id=provider, enterprise_id=make_enterprise("测试12"), contract=True,
                     service_records=0)
    add_record(w, v["engineer_id"], date(2026, 11, 3), "上门部署系统并完成数据初始化")  # the same engineer that day
    assert rows_of("before_contract") == [[v["number"], "测试11", "朗坤", "服务日期2026-11-03早于合同日期2026-11-04"],
                                          [w["number"], "测试12", "朗坤", "服务日期2026-11-03早于合同日期2026-11-04"]]
    assert [r[:3] for r in rows_of("same_text")] == [[v["number"], "测试11", "朗坤"], [w["number"], "测试12", "朗坤"]]
    assert [r[:3] for r in rows_of("same_day")] == [[v["number"], "测试11", "朗坤"], [w["number"], "测试12", "朗坤"]]


def test_fast_delivery_never_says_a_negative_number_of_days(database):
    provider = make_provider("朗坤")
    # confirmed at 14:00 on 11-19 in Nanjing and delivered that day: once “确认后-0.3天即交付”
    v = make_voucher(S.DELIVERED, provider_id=provider, enterprise_id=make_enterprise("测试11"),
                     confirmed_at=datetime(2026, 11, 19, 6, tzinfo=UTC), delivered_on=date(2026, 11, 19))
    make_voucher(S.CONFIRMED, confirmed_at=datetime(2026, 11, 19, 6, tzinfo=UTC))  # not delivered
    assert rows_of("fast_delivery") == [[v["number"], "测试11", "朗坤", "确认当天即交付"]]


def test_identical_texts_from_ten_characters_and_shown_to_forty(database):
    provider = make_provider()
    engineer = make_engineer(provider)
    ten, long = "上门部署系统十个字了", "上" * 45
    assert len(ten) == 10
    a, b = (make_voucher(S.CONFIRMED, provider_id=provider, contract=True, service_records=0) for _ in range(2))
    for v in (a, b):
        add_record(v, engineer, date(2026, 11, 10), ten)
        add_record(v, engineer, date(2026, 11, 11), long)
    details = sorted({r[3] for r in rows_of("same_text")})
    assert details == sorted({f"重复描述：{ten}", "重复描述：" + "上" * 40})


def test_full_marks_at_the_moment_of_delivery_count(database):
    v = make_voucher(S.EVALUATED, enterprise_id=make_enterprise("测试11"), provider_id=make_provider("朗坤"))
    with db.transaction() as s:
        created = s.query(Evaluation).filter_by(voucher_id=v["id"]).one().created_at
        s.add(History(at=created, username="p", role="provider", voucher_id=v["id"], action="record_delivery",
                      from_status="confirmed", to_status="delivered"))
    assert rows_of("instant_full_marks") == [[v["number"], "测试11", "朗坤", "满分评价，交付后0分钟提交"]]


def test_signal_rows_are_in_number_order_with_names(database):
    provider = make_provider("忙碌服务商")
    made = []
    for name in ("丙企业", "甲企业", "乙企业"):
        v = make_voucher(S.CONFIRMED, provider_id=provider, enterprise_id=make_enterprise(name))
        with db.transaction() as s:
            s.add(Withdrawal(voucher_id=v["id"], provider_id=provider, reason="x", requested_at=NOW, status="approved"))
        made.append((v["number"], name))
    assert rows_of("many_withdrawals") == [[number, name, "忙碌服务商", "忙碌服务商共有3次撤回申请"]
                                           for number, name in sorted(made)]
