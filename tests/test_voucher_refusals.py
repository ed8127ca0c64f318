"""Each refusal of the provider's and the enterprise's forms with its exact message, and nothing saved."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lib import db, vouchers
from lib.errors import NotFound, TransitionRefused, ValidationError
from lib.models import Evaluation, ServiceRecord
from lib.workflow import VoucherStatus as S
from tests.builders import NOW, TODAY, history_count, make_engineer, make_provider, make_voucher, voucher_row
from tests.test_vouchers import FULL_SCORES, evaluation_args, own_profile


def records_of(v: dict) -> list[ServiceRecord]:
    with db.read_session() as s:
        return s.scalars(select(ServiceRecord).where(ServiceRecord.voucher_id == v["id"])
                         .order_by(ServiceRecord.id)).all()


# ---------------------------------------------------------------- 服务评价

@pytest.mark.parametrize("score,message", [
    ("9.5", "服务主动、耐心、热情、周到：请输入整数分"), (9.5, "服务主动、耐心、热情、周到：请输入整数分"),
    ("九", "服务主动、耐心、热情、周到：请输入整数分"), (True, "服务主动、耐心、热情、周到：请打分"),
    (None, "服务主动、耐心、热情、周到：请打分"), (-1, "服务主动、耐心、热情、周到：应在0到10分之间"),
])
def test_a_score_that_is_not_a_whole_number_in_range_is_refused(database, score, message):
    v = make_voucher(S.DELIVERED)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        vouchers.evaluate(actor=v["enterprise"], number=v["number"], now=NOW,
                          **evaluation_args(scores=dict(FULL_SCORES, s_attitude=score)))
    assert (err.value.field, err.value.message) == ("服务主动、耐心、热情、周到", message)
    assert voucher_row(v["number"]).status == S.DELIVERED and history_count() == before


@pytest.mark.parametrize("score,stored", [("9", 9), (" 0 ", 0), (10, 10), (10.0, 10)])
def test_whole_scores_typed_as_text_or_numbers_are_taken(database, score, stored):
    v = make_voucher(S.DELIVERED)
    vouchers.evaluate(actor=v["enterprise"], number=v["number"], now=NOW,
                      **evaluation_args(scores=dict(FULL_SCORES, s_attitude=score)))
    with db.read_session() as s:
        assert s.scalars(select(Evaluation.s_attitude).where(Evaluation.voucher_id == v["id"])).one() == stored


def test_problem_solved_must_be_answered(database):
    v = make_voucher(S.DELIVERED)
    with pytest.raises(ValidationError) as err:
        vouchers.evaluate(actor=v["enterprise"], number=v["number"], now=NOW, **evaluation_args(solved="是"))
    assert (err.value.field, err.value.message) == ("问题是否解决", "问题是否解决：请选择")


def test_an_evaluation_already_on_file_is_not_made_twice(database):
    v = make_voucher(S.DELIVERED)
    make_voucher(S.EVALUATED)  # another voucher's evaluation does not count
    vouchers.evaluate(actor=v["enterprise"], number=v["number"], now=NOW, **evaluation_args())
    w = make_voucher(S.DELIVERED)
    with db.transaction() as s:  # an evaluation row left by a concurrent submission
        s.add(Evaluation(voucher_id=w["id"], **{f: 1 for f in FULL_SCORES}, total=8, band="不合格", solved=True,
                         improvements=["节能"], next_focus=["电子商务"], created_at=NOW))
    with pytest.raises(TransitionRefused) as err:
        vouchers.evaluate(actor=w["enterprise"], number=w["number"], now=NOW, **evaluation_args())
    assert err.value.message == "该服务券已评价，不能重复评价"
    assert voucher_row(w["number"]).status == S.DELIVERED


# ---------------------------------------------------------------- 交付记录

@pytest.mark.parametrize("day,content,message", [
    (TODAY, "", "交付内容：不能为空"), (TODAY, "  ", "交付内容：不能为空"),
    (TODAY, "交" * 2001, "交付内容：不能超过2000个字（当前2001个字）"),
    (TODAY + timedelta(days=1), "上线", "交付日期：不能晚于今天"), ("", "上线", "交付日期：不能为空"),
    (TODAY - timedelta(days=17), "上线", "交付日期：不能早于合同签订日期（2026-11-04）"),
])
def test_a_bad_delivery_record_is_refused(database, day, content, message):
    v = make_voucher(S.CONFIRMED, contract=True)  # contract signed 2026-11-04
    before = history_count()
    with pytest.raises(ValidationError) as err:
        vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=day, content=content, now=NOW)
    assert err.value.message == message
    row = voucher_row(v["number"])
    assert (row.status, row.delivered_on, row.delivery_content, history_count()) == (S.CONFIRMED, None, None, before)


def test_delivery_on_the_contract_day_and_with_2000_characters(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY - timedelta(days=16),
                             content="交" * 2000, now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.delivered_on, len(row.delivery_content)) == (S.DELIVERED, TODAY - timedelta(days=16), 2000)


# ---------------------------------------------------------------- 服务信息

@pytest.mark.parametrize("engineer,message", [
    ("", "服务工程师：请选择服务工程师"), (None, "服务工程师：请选择服务工程师"),
    ("abc", "服务工程师：不是本服务商的工程师"),
    (999999, "服务工程师：不是本服务商的工程师"),
])
def test_a_service_record_needs_one_of_the_providers_engineers(database, engineer, message):
    v = make_voucher(S.CONFIRMED, contract=True)
    with pytest.raises(ValidationError) as err:
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=engineer, service_date=TODAY,
                                    description="上门", now=NOW)
    assert err.value.message == message and records_of(v) == []


def test_another_providers_engineer_and_a_long_remark_are_refused(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    foreign = make_engineer(make_provider(), name="外人")
    with pytest.raises(ValidationError) as err:
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=str(foreign),
                                    service_date=TODAY, description="上门", now=NOW)
    assert err.value.message == "服务工程师：不是本服务商的工程师"
    with pytest.raises(ValidationError) as err:
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                    service_date=TODAY, description="上门", remark="备" * 501, now=NOW)
    assert err.value.message == "备注：不能超过500个字（当前501个字）"
    departed = make_engineer(v["provider_id"], name="王离职", active=False)
    with pytest.raises(ValidationError) as err:
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=departed,
                                    service_date=TODAY, description="上门", now=NOW)
    assert err.value.message == "服务工程师：王离职已离职，请选择在职工程师"
    assert records_of(v) == []


def test_a_record_keeps_its_departed_engineer_but_cannot_switch_to_another(database):
    v = make_voucher(S.DELIVERED)
    [record] = records_of(v)
    with db.transaction() as s:  # the record's engineer has left since
        from lib.models import Engineer
        s.get(Engineer, v["engineer_id"]).active = False
    vouchers.edit_service_record(actor=v["provider"], record_id=record.id, engineer_id=v["engineer_id"],
                                 service_date=record.service_date, description="补充说明", now=NOW)
    other_departed = make_engineer(v["provider_id"], name="赵离职", active=False)
    with pytest.raises(ValidationError) as err:
        vouchers.edit_service_record(actor=v["provider"], record_id=record.id, engineer_id=other_departed,
                                     service_date=record.service_date, description="补充说明", now=NOW)
    assert err.value.message == "服务工程师：赵离职已离职，请选择在职工程师"
    active = make_engineer(v["provider_id"], name="钱在职")
    vouchers.edit_service_record(actor=v["provider"], record_id=record.id, engineer_id=active,
                                 service_date=record.service_date, description="补充说明", now=NOW)
    assert [(r.engineer_id, r.description) for r in records_of(v)] == [(active, "补充说明")]


def test_editing_a_record_that_does_not_exist(database):
    v = make_voucher(S.DELIVERED)
    for record_id in (999999, None):
        with pytest.raises(NotFound) as err:
            vouchers.edit_service_record(actor=v["provider"], record_id=record_id, engineer_id=v["engineer_id"],
                                         service_date=TODAY, description="x", now=NOW)
        assert err.value.message == "服务记录不存在"


def test_another_provider_cannot_edit_the_record(database):
    v = make_voucher(S.DELIVERED)
    [record] = records_of(v)
    stranger = make_voucher(S.DELIVERED)["provider"]
    with pytest.raises(TransitionRefused) as err:
        vouchers.edit_service_record(actor=stranger, record_id=record.id, engineer_id=v["engineer_id"],
                                     service_date=TODAY, description="篡改", now=NOW)
    assert err.value.message == "无权操作该服务券"
    assert records_of(v)[0].description == "上门服务"


# ---------------------------------------------------------------- the deadlines use the caller's clock

def test_choosing_before_the_deadline_is_not_blocked_by_the_real_clock(database):
    from tests.builders import make_product
    v = make_voucher(S.ACTIVATED, expires_at=NOW + timedelta(minutes=1))
    vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=make_product(make_provider()),
                            now=NOW)
    assert voucher_row(v["number"]).status == S.PENDING_CONFIRM


@pytest.mark.parametrize("status,product_status,provider_status,message", [
    (S.ACTIVATED, "pending", "active", "服务产品：该产品未上架，不能选择"),
    (S.ACTIVATED, "on_sale", "suspended", "服务产品：该服务商已暂停服务，不能选择"),
])
def test_only_products_on_sale_from_active_providers_can_be_chosen(database, status, product_status, provider_status,
                                                                   message):
    from tests.builders import make_product
    v = make_voucher(status)
    product = make_product(make_provider(status=provider_status), status=product_status)
    with pytest.raises(ValidationError) as err:
        vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=product, now=NOW)
    assert (err.value.field, err.value.message) == ("服务产品", message)
    row = voucher_row(v["number"])
    assert (row.status, row.product_id, row.provider_id) == (S.ACTIVATED, None, None)
    with pytest.raises(ValidationError) as err:
        vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=999999, now=NOW)
    assert err.value.message == "服务产品：该产品未上架，不能选择"


def test_an_unknown_voucher_number_is_named(database):
    v = make_voucher(S.PENDING_CONFIRM)
    with pytest.raises(NotFound) as err:
        vouchers.confirm_purchase(actor=v["provider"], number=" 9999999 ", now=NOW)
    assert err.value.message == "服务券9999999不存在"


def test_dates_are_judged_by_the_day_of_the_action_not_the_real_clock(database):
    """NOW is 2026-11-20; the real clock is later. A date after NOW's day is in the future for the action."""
    from tests.test_vouchers import own_profile
    issued = make_voucher(S.ISSUED)
    with pytest.raises(ValidationError) as err:
        vouchers.activate(actor=issued["enterprise"], number=issued["number"], now=NOW,
                          profile=own_profile(issued, founded_on="2026-11-21"))
    assert err.value.message == "成立日期：不能晚于今天"
    delivered = make_voucher(S.DELIVERED)
    [record] = records_of(delivered)
    with pytest.raises(ValidationError) as err:
        vouchers.edit_service_record(actor=delivered["provider"], record_id=record.id,
                                     engineer_id=delivered["engineer_id"], service_date="2026-11-21",
                                     description="x", now=NOW)
    assert err.value.message == "日期：不能晚于今天"


def test_activation_is_not_blocked_by_other_enterprises(database):
    from tests.builders import make_enterprise
    make_enterprise("南京别家有限公司")
    v = make_voucher(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    assert voucher_row(v["number"]).status == S.ACTIVATED


@pytest.mark.parametrize("call,message", [
    (lambda v: vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason=" ", now=NOW),
     "撤回原因：不能为空"),
    (lambda v: vouchers.confirm_purchase(actor=v["provider"], number=v["number"], remark="备" * 501, now=NOW),
     "备注：不能超过500个字（当前501个字）"),
    (lambda v: vouchers.decline(actor=v["provider"], number=v["number"], reason="因" * 501, now=NOW),
     "无法提供的原因：不能超过500个字（当前501个字）"),
])
def test_reasons_and_remarks_name_their_field(database, call, message):
    v = make_voucher(S.PENDING_CONFIRM)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        call(v)
    assert err.value.message == message
    assert voucher_row(v["number"]).status == S.PENDING_CONFIRM and history_count() == before


def test_a_new_service_record_stamps_the_voucher(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                service_date=TODAY, description="上门", now=NOW)
    assert voucher_row(v["number"]).updated_at == NOW


def test_an_enterprise_activates_with_its_own_credit_code(database):
    v = make_voucher(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    assert voucher_row(v["number"]).status == S.ACTIVATED


def test_withdrawal_decisions_and_extension_reasons_name_their_field(database):
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="换", now=NOW)
    from tests.builders import COMMISSION
    with pytest.raises(ValidationError) as err:
        vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=True, reason="意" * 501, now=NOW)
    assert err.value.message == "审核意见：不能超过500个字（当前501个字）"
    e = make_voucher(S.EXPIRED)
    with pytest.raises(ValidationError) as err:
        vouchers.extend(actor=COMMISSION, number=e["number"], days=5, reason=" ", now=NOW)
    assert err.value.message == "延期原因：不能为空"


def test_a_second_request_after_a_rejection_is_decided_on_its_own(database):
    from lib.models import Withdrawal
    from tests.builders import COMMISSION
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="第一次", now=NOW)
    vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=False, reason="不同意", now=NOW)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="第二次", now=NOW)
    vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=True, now=NOW)
    with db.read_session() as s:
        decided = s.execute(select(Withdrawal.reason, Withdrawal.status).where(Withdrawal.voucher_id == v["id"])
                            .order_by(Withdrawal.id)).all()
    assert [tuple(r) for r in decided] == [("第一次", "rejected"), ("第二次", "approved")]


def test_voiding_closes_only_this_vouchers_open_request(database):
    from lib.models import Withdrawal
    from tests.builders import COMMISSION
    v, other = make_voucher(S.CONFIRMED), make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="第一次", now=NOW)
    vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=False, reason="不同意", now=NOW)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="第二次", now=NOW)
    vouchers.request_withdrawal(actor=other["enterprise"], number=other["number"], reason="别家", now=NOW)
    vouchers.void(actor=COMMISSION, number=v["number"], reason="企业注销", now=NOW)
    with db.read_session() as s:
        rows = s.execute(select(Withdrawal.reason, Withdrawal.status, Withdrawal.decision_reason)
                         .order_by(Withdrawal.id)).all()
    assert [tuple(r) for r in rows] == [("第一次", "rejected", "不同意"), ("第二次", "rejected", "服务券已作废"),
                                        ("别家", "pending", None)]
