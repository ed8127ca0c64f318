"""Write services against a real database: each transition's success, its refusals, and that a
refusal changes nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lib import db, vouchers
from lib.actors import Actor
from lib.errors import DomainError, NotFound, PermissionDenied, TransitionRefused, ValidationError
from lib.labels import CRITERIA
from lib.models import Enterprise, Evaluation, History, ServiceRecord, Withdrawal
from lib.workflow import Action as A
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    TODAY,
    enterprise_actor,
    history_count,
    issue_to,
    make_batch,
    make_engineer,
    make_enterprise,
    make_product,
    make_provider,
    make_voucher,
    provider_actor,
    voucher_row,
)

VALID_PROFILE = {
    "credit_code": "91320000134763391X", "name": "南京示范机械有限公司", "region": "江宁区", "size": "小型",
    "legal_rep": "王伟", "address": "南京市江宁区天元路1号", "founded_on": "2015-06-01", "contact": "李娜",
    "phone": "13912345678", "qq": "123456", "email": "li@example.com", "employees": "45", "difficulty": "缺少人才",
    "remark": "", "output_prev": "800", "output_plan": "900", "revenue_prev": "760", "revenue_plan": "850.5",
    "profit_prev": "60", "profit_plan": "70",
}


def own_profile(v: dict, **over) -> dict:
    """VALID_PROFILE for the voucher's enterprise: the credit code and name it was issued under are its own."""
    from lib.models import Enterprise
    with db.read_session() as s:
        ent = s.get(Enterprise, v["enterprise_id"])
        return {**VALID_PROFILE, "credit_code": ent.credit_code, "name": ent.name, **over}


FULL_SCORES = {f: mx for f, _label, mx in CRITERIA}


def evaluation_args(**overrides) -> dict:
    return {"scores": dict(FULL_SCORES), "solved": True, "improvements": ["提高生产效率"], "next_focus": ["电子商务"],
            "comment": "很好", **overrides}


def perform(action: A, v: dict, actor: Actor | None = None) -> None:
    """Take `action` on voucher `v` with valid input, as the role the life cycle allows (or as `actor`)."""
    n, ent, prov, com = v["number"], v["enterprise"], v["provider"], COMMISSION
    if actor is not None:
        ent = prov = com = actor
    match action:
        case A.ACTIVATE:
            vouchers.activate(actor=ent, number=n, profile=own_profile(v), now=NOW)
        case A.CHOOSE_PRODUCT:
            vouchers.choose_product(actor=ent, number=n, product_id=make_product(make_provider()), now=NOW)
        case A.CONFIRM:
            vouchers.confirm_purchase(actor=prov, number=n, now=NOW)
        case A.DECLINE:
            vouchers.decline(actor=prov, number=n, reason="无法满足需求", now=NOW)
        case A.SIGN_CONTRACT:
            vouchers.sign_contract(actor=prov, number=n, contract_date=TODAY, now=NOW)
        case A.ADD_SERVICE:
            vouchers.add_service_record(actor=prov, number=n, engineer_id=v["engineer_id"], service_date=TODAY,
                                        description="上门培训", now=NOW)
        case A.EDIT_SERVICE:
            with db.read_session() as s:
                record_id = s.scalar(select(ServiceRecord.id).where(ServiceRecord.voucher_id == v["id"]))
            vouchers.edit_service_record(actor=prov, record_id=record_id, engineer_id=v["engineer_id"],
                                         service_date=TODAY, description="修改后的描述", now=NOW)
        case A.RECORD_DELIVERY:
            vouchers.record_delivery(actor=prov, number=n, delivered_on=TODAY, content="交付新版本", now=NOW)
        case A.EVALUATE:
            vouchers.evaluate(actor=ent, number=n, **evaluation_args(), now=NOW)
        case A.SETTLE:
            vouchers.settle(actor=com, number=n, amount="10000", settled_on=TODAY, now=NOW)
        case A.REQUEST_WITHDRAWAL:
            vouchers.request_withdrawal(actor=ent, number=n, reason="需求变化", now=NOW)
        case A.APPROVE_WITHDRAWAL:
            vouchers.decide_withdrawal(actor=com, number=n, approve=True, now=NOW)
        case A.REJECT_WITHDRAWAL:
            vouchers.decide_withdrawal(actor=com, number=n, approve=False, reason="材料不足", now=NOW)
        case A.EXTEND:
            vouchers.extend(actor=com, number=n, days=10, reason="企业申请延期", now=NOW)
        case A.VOID:
            vouchers.void(actor=com, number=n, reason="不符合条件", now=NOW)


# Where each action succeeds (DESIGN.md §2), for a voucher as it naturally is in each status:
# confirmed vouchers have no contract yet, delivered and later ones have one.
SUCCEEDS_IN = {
    A.ACTIVATE: {S.ISSUED}, A.CHOOSE_PRODUCT: {S.ACTIVATED}, A.CONFIRM: {S.PENDING_CONFIRM},
    A.DECLINE: {S.PENDING_CONFIRM}, A.SIGN_CONTRACT: {S.CONFIRMED}, A.ADD_SERVICE: {S.DELIVERED},
    A.EDIT_SERVICE: {S.DELIVERED}, A.RECORD_DELIVERY: {S.DELIVERED}, A.EVALUATE: {S.DELIVERED},
    A.SETTLE: {S.EVALUATED}, A.REQUEST_WITHDRAWAL: {S.PENDING_CONFIRM, S.CONFIRMED}, A.APPROVE_WITHDRAWAL: set(),
    A.REJECT_WITHDRAWAL: set(), A.EXTEND: {S.EXPIRED},
    A.VOID: {S.ISSUED, S.ACTIVATED, S.PENDING_CONFIRM, S.CONFIRMED, S.DELIVERED, S.EVALUATED, S.EXPIRED},
}
AFTER = {A.ACTIVATE: S.ACTIVATED, A.CHOOSE_PRODUCT: S.PENDING_CONFIRM, A.CONFIRM: S.CONFIRMED,
         A.DECLINE: S.ACTIVATED, A.RECORD_DELIVERY: S.DELIVERED, A.EVALUATE: S.EVALUATED, A.SETTLE: S.SETTLED,
         A.EXTEND: S.ISSUED, A.VOID: S.VOIDED}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(SUCCEEDS_IN))
def test_each_service_succeeds_only_in_its_statuses_and_a_refusal_changes_nothing(database, action, status):
    has_provider = status not in (S.ISSUED, S.ACTIVATED, S.EXPIRED)
    v = make_voucher(status, service_records=1 if has_provider else 0)
    before_history = history_count()
    if status in SUCCEEDS_IN[action]:
        perform(action, v)
        row = voucher_row(v["number"])
        assert row.status == AFTER.get(action, status)
        with db.read_session() as s:
            rows = s.scalars(select(History).where(History.voucher_id == v["id"])).all()
        assert [h.action for h in rows] == [action]
        assert (rows[0].from_status, rows[0].to_status) == (status, row.status)
    else:
        before = voucher_row(v["number"])
        # A voucher that never had a provider has no service record to edit at all.
        expected = NotFound if action == A.EDIT_SERVICE and not has_provider else TransitionRefused
        with pytest.raises(expected):
            perform(action, v)
        after = voucher_row(v["number"])
        assert (after.status, after.updated_at, after.provider_id) == (before.status, before.updated_at,
                                                                       before.provider_id)
        assert history_count() == before_history


@pytest.mark.parametrize("action,wrong", [
    (A.ACTIVATE, "provider"), (A.ACTIVATE, "commission"), (A.CONFIRM, "enterprise"), (A.CONFIRM, "commission"),
    (A.EVALUATE, "provider"), (A.EVALUATE, "commission"), (A.SETTLE, "provider"), (A.SETTLE, "enterprise"),
    (A.VOID, "provider"), (A.VOID, "enterprise"), (A.RECORD_DELIVERY, "enterprise"), (A.RECORD_DELIVERY, "commission"),
])
def test_the_wrong_role_is_refused(database, action, wrong):
    status = {A.ACTIVATE: S.ISSUED, A.CONFIRM: S.PENDING_CONFIRM, A.EVALUATE: S.DELIVERED, A.SETTLE: S.EVALUATED,
              A.VOID: S.ACTIVATED, A.RECORD_DELIVERY: S.DELIVERED}[action]
    v = make_voucher(status)
    with pytest.raises(TransitionRefused, match="只有"):
        perform(action, v, actor=v[wrong])
    assert voucher_row(v["number"]).status == status


def test_a_provider_cannot_confirm_someone_elses_voucher(database):
    v = make_voucher(S.PENDING_CONFIRM)
    with pytest.raises(TransitionRefused, match="无权操作该服务券"):
        vouchers.confirm_purchase(actor=provider_actor(make_provider()), number=v["number"], now=NOW)
    assert voucher_row(v["number"]).status == S.PENDING_CONFIRM


def test_a_second_confirmation_is_refused(database):
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], remark="已电话沟通", now=NOW)
    with pytest.raises(TransitionRefused, match="已确认"):
        vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    assert voucher_row(v["number"]).confirm_remark == "已电话沟通"


def test_issue_numbers_vouchers_by_batch_year_and_refuses_a_second_live_one(database):
    make_batch(2026)
    ent = make_enterprise()
    number = issue_to(ent, 2026)
    assert number == "2600001"
    row = voucher_row(number)
    assert row.status == S.ISSUED and row.face_value == Decimal("10000.00")
    assert row.expires_at == NOW + timedelta(days=15)
    with pytest.raises(DomainError, match="已持有本批次有效服务券2600001"):
        issue_to(ent, 2026)
    assert issue_to(make_enterprise(), 2026) == "2600002"
    with pytest.raises(PermissionDenied):
        issue_to(ent, 2026, actor=enterprise_actor(ent))


def test_activation_saves_the_profile_and_sets_the_30_day_deadline(database):
    v = make_voucher(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    row = voucher_row(v["number"])
    assert row.status == S.ACTIVATED and row.expires_at == NOW + timedelta(days=30)
    with db.read_session() as s:
        ent = s.get(Enterprise, v["enterprise_id"])
        assert (ent.legal_rep, ent.employees, ent.revenue_plan) == ("王伟", 45, Decimal("850.50"))


@pytest.mark.parametrize("field,value,message", [
    ("credit_code", "913200001347633910", "统一社会信用代码：校验位不正确，请核对"),
    ("phone", "12345", "联系电话：号码无效，请输入手机号码或带区号的固定电话（如025-8312 3456，分机写“转801”）"),
    ("email", "not-an-email", "邮箱：邮箱格式不正确"),
    ("revenue_prev", "-1", "2025年营业收入：不能小于0"),
    ("output_plan", "-0.01", "2026年预计总产值：不能小于0"),
    ("profit_prev", "-100000000.01", "2025年利润：亏损不能超过100000000"),
    ("founded_on", "2027-01-01", "成立日期：不能晚于今天"),
    ("region", "上海市", "所属区：“上海市”不是南京市的行政区或开发区"),
    ("legal_rep", "", "法定代表人：不能为空"),
])
def test_a_bad_profile_is_refused_with_the_field_named_and_nothing_saved(database, field, value, message):
    v = make_voucher(S.ISSUED)
    with db.read_session() as s:
        name_before = s.get(Enterprise, v["enterprise_id"]).name
    with pytest.raises(ValidationError) as err:
        vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v, **{field: value}), now=NOW)
    assert err.value.message == message
    assert voucher_row(v["number"]).status == S.ISSUED
    with db.read_session() as s:
        assert s.get(Enterprise, v["enterprise_id"]).name == name_before


@pytest.mark.parametrize("field", ["profit_prev", "profit_plan"])
def test_a_loss_making_enterprise_activates_with_a_negative_profit(database, field):
    v = make_voucher(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v, **{field: "-35.5"}), now=NOW)
    assert voucher_row(v["number"]).status == S.ACTIVATED
    with db.read_session() as s:
        assert getattr(s.get(Enterprise, v["enterprise_id"]), field) == Decimal("-35.50")


@pytest.mark.parametrize("field", ["credit_code", "name"])
def test_activation_keeps_the_credit_code_and_name_the_voucher_was_issued_under(database, field):
    # An enterprise that took another company's code would receive that company's next voucher.
    other = make_voucher(S.ISSUED)
    v = make_voucher(S.ISSUED)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        vouchers.activate(actor=v["enterprise"], number=v["number"], now=NOW,
                          profile=own_profile(v, **{field: own_profile(other)[field]}))
    assert err.value.message.endswith("发券后不能自行修改，如需更正请联系经信委")
    assert voucher_row(v["number"]).status == S.ISSUED and history_count() == before


def test_choosing_needs_a_product_on_sale_from_an_active_provider(database):
    v = make_voucher(S.ACTIVATED)
    pending = make_product(make_provider(), status="pending")
    with pytest.raises(ValidationError, match="未上架"):
        vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=pending, now=NOW)
    suspended = make_product(make_provider(status="suspended"))
    with pytest.raises(ValidationError, match="已暂停"):
        vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=suspended, now=NOW)
    good = make_product(make_provider(), price="8000")
    vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=good, now=NOW)
    row = voucher_row(v["number"])
    assert row.status == S.PENDING_CONFIRM and row.price == Decimal("8000.00") and row.expires_at is None


def test_declining_clears_the_product_and_needs_a_reason(database):
    v = make_voucher(S.PENDING_CONFIRM)
    with pytest.raises(ValidationError, match="无法提供的原因：不能为空"):
        vouchers.decline(actor=v["provider"], number=v["number"], reason=" ", now=NOW)
    vouchers.decline(actor=v["provider"], number=v["number"], reason="产品不适合", now=NOW)
    row = voucher_row(v["number"])
    assert row.status == S.ACTIVATED and row.provider_id is None and row.product_id is None


def test_contract_date_cannot_be_in_the_future_and_is_set_once(database):
    v = make_voucher(S.CONFIRMED)
    with pytest.raises(ValidationError, match="合同签订日期：不能晚于今天"):
        vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=TODAY + timedelta(days=1),
                               now=NOW)
    vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=TODAY, now=NOW)
    with pytest.raises(TransitionRefused, match="合同已签订"):
        vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=TODAY, now=NOW)


def test_service_records_need_a_signed_contract(database):
    v = make_voucher(S.CONFIRMED)
    with pytest.raises(TransitionRefused, match="请先签订合同"):
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                    service_date=TODAY, description="上门", now=NOW)


@pytest.mark.parametrize("change,message", [
    ({"service_date": TODAY + timedelta(days=1)}, "日期：不能晚于今天"),
    ({"service_date": TODAY - timedelta(days=30)}, "日期：不能早于合同签订日期"),
    ({"description": "长" * 2001}, "服务描述：不能超过2000个字"),
    ({"description": "   "}, "服务描述：不能为空"),
    ({"engineer_id": None}, "服务工程师：请选择服务工程师"),
])
def test_bad_service_records_are_refused_and_nothing_is_saved(database, change, message):
    v = make_voucher(S.CONFIRMED, contract=True)
    args = {"engineer_id": v["engineer_id"], "service_date": TODAY, "description": "上门培训", **change}
    with pytest.raises(ValidationError, match=message):
        vouchers.add_service_record(actor=v["provider"], number=v["number"], now=NOW, **args)
    with db.read_session() as s:
        assert s.scalars(select(ServiceRecord).where(ServiceRecord.voucher_id == v["id"])).all() == []


def test_an_engineer_of_another_provider_or_one_who_left_is_refused(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    foreign = make_engineer(make_provider())
    with pytest.raises(ValidationError, match="不是本服务商的工程师"):
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=foreign, service_date=TODAY,
                                    description="上门", now=NOW)
    departed = make_engineer(v["provider_id"], name="已离职", active=False)
    with pytest.raises(ValidationError, match="已离职"):
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=departed, service_date=TODAY,
                                    description="上门", now=NOW)


def test_records_can_be_edited_until_the_voucher_is_evaluated(database):
    v = make_voucher(S.DELIVERED)
    perform(A.EDIT_SERVICE, v)
    with db.read_session() as s:
        record = s.scalars(select(ServiceRecord).where(ServiceRecord.voucher_id == v["id"])).one()
    assert record.description == "修改后的描述" and record.updated_at == NOW
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="第二版交付", now=NOW)
    vouchers.evaluate(actor=v["enterprise"], number=v["number"], **evaluation_args(), now=NOW)
    with pytest.raises(TransitionRefused, match="已评价"):
        vouchers.edit_service_record(actor=v["provider"], record_id=record.id, engineer_id=v["engineer_id"],
                                     service_date=TODAY, description="评价后修改", now=NOW)
    with pytest.raises(TransitionRefused, match="已评价"):
        vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="x", now=NOW)
    with db.read_session() as s:
        assert s.get(ServiceRecord, record.id).description == "修改后的描述"


def test_recording_the_delivery_moves_a_confirmed_voucher_to_delivered(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="系统上线", now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.delivered_on, row.delivery_content) == (S.DELIVERED, TODAY, "系统上线")


def test_evaluation_stores_total_and_band_once(database):
    v = make_voucher(S.DELIVERED)
    scores = dict(FULL_SCORES, s_attitude=8, s_quality=13, s_value=12)  # 100 - 2 - 2 - 3 = 93
    total = vouchers.evaluate(actor=v["enterprise"], number=v["number"], **evaluation_args(scores=scores), now=NOW)
    assert total == 93
    with db.read_session() as s:
        ev = s.scalars(select(Evaluation).where(Evaluation.voucher_id == v["id"])).one()
    assert (ev.total, ev.band, ev.improvements) == (93, "优秀", ["提高生产效率"])
    with pytest.raises(TransitionRefused):
        vouchers.evaluate(actor=v["enterprise"], number=v["number"], **evaluation_args(), now=NOW)


@pytest.mark.parametrize("overrides,message", [
    ({"scores": dict(FULL_SCORES, s_attitude=11)}, "服务主动、耐心、热情、周到：应在0到10分之间"),
    ({"scores": dict(FULL_SCORES, s_contract=-1)}, "服务合同执行到位不打折扣：应在0到15分之间"),
    ({"scores": {k: v for k, v in FULL_SCORES.items() if k != "s_value"}}, "产品价格优惠性价比高：请打分"),
    ({"improvements": []}, "实施信息化后对企业有哪些改善：请至少选择一项"),
    ({"next_focus": ["区块链"]}, "企业下一步信息化建设的重点：请至少选择一项"),
    ({"comment": "意" * 201}, "意见和建议：不能超过200个字（当前201个字）"),
])
def test_a_forged_or_incomplete_evaluation_is_refused(database, overrides, message):
    v = make_voucher(S.DELIVERED)
    with pytest.raises(ValidationError) as err:
        vouchers.evaluate(actor=v["enterprise"], number=v["number"], **evaluation_args(**overrides), now=NOW)
    assert err.value.message == message
    assert voucher_row(v["number"]).status == S.DELIVERED


def test_settlement_checks_the_file_first(database):
    v = make_voucher(S.EVALUATED, service_records=0)
    with pytest.raises(TransitionRefused, match="缺少至少一条服务信息"):
        vouchers.settle(actor=COMMISSION, number=v["number"], amount="10000", settled_on=TODAY, now=NOW)
    ok = make_voucher(S.EVALUATED)
    with pytest.raises(ValidationError, match="兑付金额：不能超过10000.00"):
        vouchers.settle(actor=COMMISSION, number=ok["number"], amount="10000.01", settled_on=TODAY, now=NOW)
    vouchers.settle(actor=COMMISSION, number=ok["number"], amount="9800.50", settled_on=TODAY, now=NOW)
    row = voucher_row(ok["number"])
    assert (row.status, row.settled_amount) == (S.SETTLED, Decimal("9800.50"))


def test_withdrawal_blocks_the_provider_until_the_commission_decides(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="想换服务商", now=NOW)
    assert voucher_row(v["number"]).withdrawal_pending
    with pytest.raises(TransitionRefused, match="企业已申请撤回，请等待经信委审核"):
        perform(A.RECORD_DELIVERY, v)
    with pytest.raises(TransitionRefused, match="企业已申请撤回，请等待经信委审核"):
        vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="再次", now=NOW)
    vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=True, now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.provider_id, row.product_id, row.contract_date, row.withdrawal_pending) == (
        S.ACTIVATED, None, None, None, False)
    with pytest.raises(TransitionRefused):
        vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=True, now=NOW)
    with db.read_session() as s:
        assert s.scalars(select(Withdrawal.status).where(Withdrawal.voucher_id == v["id"])).all() == ["approved"]


def test_a_rejected_withdrawal_keeps_the_voucher_and_logs_the_reason(database):
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="想换服务商", now=NOW)
    with pytest.raises(ValidationError, match="审核意见：驳回时必填"):
        vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=False, reason="", now=NOW)
    vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], approve=False, reason="理由不充分", now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.withdrawal_pending, row.provider_id) == (S.PENDING_CONFIRM, False, v["provider_id"])
    with db.read_session() as s:
        last = s.scalars(select(History).where(History.voucher_id == v["id"]).order_by(History.id.desc())).first()
    assert last.action == A.REJECT_WITHDRAWAL and last.changes["reason"] == "理由不充分"


def test_expiry_job_marks_overdue_vouchers_and_extension_brings_them_back(database):
    overdue = make_voucher(S.ISSUED, expires_at=NOW - timedelta(minutes=1))
    current = make_voucher(S.ACTIVATED)
    assert vouchers.expire(now=NOW) == 1
    assert voucher_row(overdue["number"]).status == S.EXPIRED
    assert voucher_row(current["number"]).status == S.ACTIVATED
    assert vouchers.expire(now=NOW) == 0
    vouchers.extend(actor=COMMISSION, number=overdue["number"], days=7, reason="企业出差", now=NOW)
    row = voucher_row(overdue["number"])
    assert (row.status, row.expires_at) == (S.ISSUED, NOW + timedelta(days=7))


def test_an_action_after_the_deadline_finds_the_voucher_expired(database):
    v = make_voucher(S.ISSUED, expires_at=NOW - timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="已过期"):
        vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    assert voucher_row(v["number"]).status == S.EXPIRED  # the expiry itself stays recorded


def test_voiding_needs_a_reason_and_closes_an_open_withdrawal(database):
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="不需要了", now=NOW)
    with pytest.raises(ValidationError, match="作废原因：不能为空"):
        vouchers.void(actor=COMMISSION, number=v["number"], reason="", now=NOW)
    vouchers.void(actor=COMMISSION, number=v["number"], reason="企业注销", now=NOW)
    row = voucher_row(v["number"])
    assert (row.status, row.withdrawal_pending, row.void_reason) == (S.VOIDED, False, "企业注销")


def test_history_records_who_did_what(database):
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    with db.read_session() as s:
        h = s.scalars(select(History).where(History.voucher_id == v["id"])).one()
    assert (h.username, h.role, h.action, h.from_status, h.to_status, h.at) == (
        v["provider"].username, "provider", "confirm", "pending_confirm", "confirmed", NOW)
