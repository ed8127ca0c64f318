"""The voucher rules at their edges, with expected values written out from DESIGN.md (never computed by
lib): the settlement file item by item, amounts of 0 and 0.01, every band boundary, each deadline."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from lib import db, queries, settlement, vouchers
from lib.errors import TransitionRefused, ValidationError
from lib.labels import band
from lib.models import Evaluation, History, Settlement
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, TODAY, history_count, make_voucher, voucher_row
from tests.test_vouchers import FULL_SCORES, evaluation_args


def settlements_of(voucher_id: int) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Settlement).where(Settlement.voucher_id == voucher_id))


def assert_not_settled(v: dict, history_before: int) -> None:
    row = voucher_row(v["number"])
    assert (row.status, row.settled_amount, row.settled_on) == (S.EVALUATED, None, None)
    assert settlements_of(v["id"]) == 0
    assert history_count() == history_before


# ---------------------------------------------------------------- 兑付 (DESIGN.md §2 step 9)

def _without_evaluation(v: dict) -> None:
    with db.transaction() as s:
        s.execute(delete(Evaluation).where(Evaluation.voucher_id == v["id"]))


@pytest.mark.parametrize("overrides,missing", [
    ({"contract_date": None}, "已签订合同"),
    ({"delivered_on": None}, "已记录交付"),
    ({"delivery_content": None}, "已记录交付"),
    ({"delivery_content": ""}, "已记录交付"),
    ({"service_records": 0}, "至少一条服务信息"),
    ({"evaluation": False}, "企业已评价"),
    ({"contract_date": None, "service_records": 0}, "已签订合同、至少一条服务信息"),
])
def test_a_file_missing_one_item_is_not_settled_and_says_which(database, overrides, missing):
    overrides = dict(overrides)
    evaluated = overrides.pop("evaluation", True)
    v = make_voucher(S.EVALUATED, **overrides)
    if not evaluated:
        _without_evaluation(v)
    before = history_count()
    with pytest.raises(TransitionRefused) as err:
        vouchers.settle(actor=COMMISSION, number=v["number"], amount=None, settled_on=TODAY, now=NOW)
    assert err.value.message == f"材料不齐，不能兑付：缺少{missing}"
    assert_not_settled(v, before)
    # the 兑付管理 list and the voucher detail show the same gap
    ready = settlement.awaiting_settlement(COMMISSION).set_index("number")
    assert ready.loc[v["number"], "missing"] == missing and not ready.loc[v["number"], "ready"]
    checklist = dict(queries.voucher_detail(COMMISSION, v["number"]).checklist)
    assert [label for label, ok in checklist.items() if not ok] == missing.split("、")


def test_a_complete_file_is_ready_in_every_view(database):
    v = make_voucher(S.EVALUATED)
    ready = settlement.awaiting_settlement(COMMISSION).set_index("number")
    assert ready.loc[v["number"], "missing"] == "" and bool(ready.loc[v["number"], "ready"])
    assert queries.voucher_detail(COMMISSION, v["number"]).checklist == [
        ("已签订合同", True), ("已记录交付", True), ("至少一条服务信息", True), ("企业已评价", True)]


@pytest.mark.parametrize("amount", ["0", "0.00", 0, "-0.01"])
def test_a_settlement_of_nothing_is_refused(database, amount):
    v = make_voucher(S.EVALUATED)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        vouchers.settle(actor=COMMISSION, number=v["number"], amount=amount, settled_on=TODAY, now=NOW)
    assert err.value.field == "兑付金额" and err.value.message in ("兑付金额：应大于0", "兑付金额：不能小于0")
    assert_not_settled(v, before)


@pytest.mark.parametrize("amount,stored", [
    ("0.01", Decimal("0.01")), ("10000.00", Decimal("10000.00")), ("10,000", Decimal("10000.00")),
    (None, Decimal("10000.00")), ("", Decimal("10000.00")),  # blank: the face value
])
def test_settled_amounts_from_one_fen_to_the_face_value(database, amount, stored):
    v = make_voucher(S.EVALUATED)
    before = history_count()
    vouchers.settle(actor=COMMISSION, number=v["number"], amount=amount, settled_on=TODAY, now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.settled_amount, row.settled_on) == (S.SETTLED, stored, TODAY)
    with db.read_session() as s:
        payment = s.scalars(select(Settlement).where(Settlement.voucher_id == v["id"])).one()
        last = s.scalars(select(History).order_by(History.id.desc())).first()
    assert (payment.amount, payment.settled_on, payment.created_at) == (stored, TODAY, NOW)
    assert history_count() == before + 1
    assert (last.action, last.from_status, last.to_status) == ("settle", "evaluated", "settled")


def test_one_fen_over_the_face_value_is_refused(database):
    v = make_voucher(S.EVALUATED)
    before = history_count()
    with pytest.raises(ValidationError, match="^兑付金额：不能超过10000.00$"):
        vouchers.settle(actor=COMMISSION, number=v["number"], amount="10000.01", settled_on=TODAY, now=NOW)
    assert_not_settled(v, before)


def test_a_settlement_date_after_today_is_refused(database):
    v = make_voucher(S.EVALUATED)
    before = history_count()
    with pytest.raises(ValidationError, match="^兑付日期：不能晚于今天$"):
        vouchers.settle(actor=COMMISSION, number=v["number"], amount=None, settled_on=TODAY + timedelta(days=1),
                        now=NOW)
    assert_not_settled(v, before)


# ---------------------------------------------------------------- 评价 bands (DESIGN.md §3)

def scores_adding_up_to(total: int) -> dict[str, int]:
    """Full marks, then points taken off criterion by criterion until the total is reached."""
    scores, short = dict(FULL_SCORES), 100 - total
    for field in scores:
        cut = min(short, scores[field])
        scores[field] -= cut
        short -= cut
    return scores


BANDS = [(100, "优秀"), (90, "优秀"), (89, "良好"), (80, "良好"), (79, "合格"), (60, "合格"), (59, "不合格"),
         (0, "不合格")]


@pytest.mark.parametrize("total,expected", BANDS)
def test_band_boundaries(total, expected):
    assert band(total) == expected


@pytest.mark.parametrize("total,expected", [(90, "优秀"), (89, "良好"), (80, "良好"), (79, "合格"), (60, "合格"),
                                            (59, "不合格")])
def test_an_evaluation_is_stored_with_the_band_of_its_total(database, total, expected):
    v = make_voucher(S.DELIVERED)
    scores = scores_adding_up_to(total)
    assert sum(scores.values()) == total
    assert vouchers.evaluate(actor=v["enterprise"], number=v["number"], **evaluation_args(scores=scores),
                             now=NOW) == total
    with db.read_session() as s:
        ev = s.scalars(select(Evaluation).where(Evaluation.voucher_id == v["id"])).one()
    assert (ev.total, ev.band, ev.created_at) == (total, expected, NOW)
    assert voucher_row(v["number"]).evaluated_at == NOW


# ---------------------------------------------------------------- deadlines (DESIGN.md §2)

def test_declining_gives_the_enterprise_a_fresh_30_day_deadline(database):
    v = make_voucher(S.PENDING_CONFIRM, expires_at=None)
    vouchers.decline(actor=v["provider"], number=v["number"], reason="产品不适合", now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.expires_at, row.price, row.chosen_at) == (S.ACTIVATED, NOW + timedelta(days=30), None, None)


def test_an_approved_withdrawal_gives_a_fresh_30_day_deadline(database):
    v = make_voucher(S.CONFIRMED, contract=True, withdrawal_pending=True)
    with db.transaction() as s:
        from lib.models import Withdrawal
        s.add(Withdrawal(voucher_id=v["id"], provider_id=v["provider_id"], reason="换服务商", requested_at=NOW,
                         status="pending"))
    vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=True, now=NOW)
    row = voucher_row(v["number"])
    assert (row.expires_at, row.confirmed_at, row.price, row.chosen_at) == (NOW + timedelta(days=30), None, None, None)


def test_activation_sets_30_days_and_choosing_clears_the_deadline(database):
    from tests.test_vouchers import own_profile
    v = make_voucher(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    row = voucher_row(v["number"])
    assert (row.activated_at, row.expires_at) == (NOW, NOW + timedelta(days=30))


@pytest.mark.parametrize("minutes_left,status", [(1, S.ISSUED), (0, S.EXPIRED), (-1, S.EXPIRED)])
def test_a_voucher_expires_exactly_at_its_deadline(database, minutes_left, status):
    v = make_voucher(S.ISSUED, expires_at=NOW + timedelta(minutes=minutes_left))
    assert vouchers.expire(now=NOW) == (1 if status == S.EXPIRED else 0)
    row = voucher_row(v["number"])
    assert (row.status, row.expired_from) == (status, "issued" if status == S.EXPIRED else None)


@pytest.mark.parametrize("days,message", [(0, "延期天数：至少1天"), (-3, "延期天数：不能小于0"),
                                          (366, "延期天数：不能超过365"), ("", "延期天数：不能为空")])
def test_an_extension_needs_1_to_365_days(database, days, message):
    v = make_voucher(S.EXPIRED)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        vouchers.extend(actor=COMMISSION, number=v["number"], days=days, reason="企业申请", now=NOW)
    assert err.value.message == message
    row = voucher_row(v["number"])
    assert (row.status, row.expires_at) == (S.EXPIRED, None) and history_count() == before


@pytest.mark.parametrize("days", [1, 365])
def test_an_extension_of_1_or_365_days_sets_that_deadline(database, days):
    v = make_voucher(S.EXPIRED, expired_from="activated")
    vouchers.extend(actor=COMMISSION, number=v["number"], days=days, reason="企业申请", now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.expires_at, row.expired_from) == (S.ACTIVATED, NOW + timedelta(days=days), None)
