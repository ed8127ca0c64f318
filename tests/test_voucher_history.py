"""Every action on a voucher leaves exactly one history row saying who, when, from → to and what changed
(办理记录 and 操作日志 read these rows), and stores who did it and when on the records it writes. The
expected rows are written out here from DESIGN.md §2, not derived from lib."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lib import db, vouchers
from lib.labels import Role
from lib.models import Enterprise, Evaluation, History, ServiceRecord, Settlement, Withdrawal
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, TODAY, make_user, make_voucher, voucher_row
from tests.test_vouchers import evaluation_args, own_profile


def staffed(status: S, **kw) -> dict:
    """A voucher in `status` with real logins (user ids) for its enterprise, its provider and an officer."""
    v = make_voucher(status, **kw)
    n = v["number"]
    v["enterprise"] = make_user(f"qy{n}", Role.ENTERPRISE, enterprise_id=v["enterprise_id"]).actor()
    v["provider"] = make_user(f"fw{n}", Role.PROVIDER,
                              provider_id=v["provider_id"]).actor() if v["provider_id"] else None
    v["commission"] = make_user(f"jx{n}", Role.COMMISSION).actor()
    return v


def history_of(voucher_id: int) -> list[History]:
    with db.read_session() as s:
        return s.scalars(select(History).where(History.voucher_id == voucher_id).order_by(History.id)).all()


def only_row(v: dict) -> tuple:
    [row] = history_of(v["id"])
    return row.user_id, row.username, row.role, row.action, row.from_status, row.to_status, row.at, row.changes


def by(v: dict, who: str) -> tuple:
    actor = v[who]
    return actor.user_id, actor.username, str(actor.role)


def test_confirm_with_and_without_a_remark(database):
    v = staffed(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], remark="已电话沟通", now=NOW)
    assert only_row(v) == (*by(v, "provider"), "confirm", "pending_confirm", "confirmed", NOW, {"remark": "已电话沟通"})
    row = voucher_row(v["number"])
    assert (row.confirmed_at, row.confirm_remark, row.updated_at) == (NOW, "已电话沟通", NOW)
    w = staffed(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=w["provider"], number=w["number"], remark="  ", now=NOW)
    assert only_row(w)[-1] is None and voucher_row(w["number"]).confirm_remark is None


def test_decline(database):
    v = staffed(S.PENDING_CONFIRM)
    vouchers.decline(actor=v["provider"], number=v["number"], reason="无法满足需求", now=NOW)
    assert only_row(v) == (*by(v, "provider"), "decline", "pending_confirm", "activated", NOW,
                           {"reason": "无法满足需求", "provider_id": v["provider_id"], "product_id": v["product_id"]})
    assert voucher_row(v["number"]).updated_at == NOW


def test_choose_a_product(database):
    from tests.builders import make_product, make_provider
    v = staffed(S.ACTIVATED)
    provider = make_provider()
    product = make_product(provider, price="12345.60")
    vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=product, now=NOW)
    [row] = history_of(v["id"])
    assert (row.action, row.from_status, row.to_status, row.at, row.user_id) == (
        "choose_product", "activated", "pending_confirm", NOW, v["enterprise"].user_id)
    assert set(row.changes) == {"product", "provider_id", "price"}
    assert (row.changes["provider_id"], row.changes["price"]) == (provider, "12345.60")
    stored = voucher_row(v["number"])
    assert (stored.provider_id, stored.product_id, stored.price, stored.chosen_at, stored.expires_at) == (
        provider, product, Decimal("12345.60"), NOW, None)


def test_activate(database):
    v = staffed(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    [row] = history_of(v["id"])
    assert (row.action, row.from_status, row.to_status, row.at, row.user_id) == (
        "activate", "issued", "activated", NOW, v["enterprise"].user_id)
    assert row.changes["expires_at"] == "2026-12-20T04:00:00+00:00"  # 30 days after NOW
    assert row.changes["legal_rep"] == [None, "王伟"] and row.changes["contact"][1] == "李娜"
    assert "name" not in row.changes and "credit_code" not in row.changes  # kept as issued
    stored = voucher_row(v["number"])
    with db.read_session() as s:
        enterprise_updated = s.get(Enterprise, v["enterprise_id"]).updated_at
    assert (stored.activated_at, stored.updated_at, enterprise_updated) == (NOW, NOW, NOW)


def test_sign_the_contract(database):
    v = staffed(S.CONFIRMED)
    vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=TODAY, now=NOW)
    assert only_row(v) == (*by(v, "provider"), "sign_contract", "confirmed", "confirmed", NOW,
                           {"contract_date": "2026-11-20"})


def test_a_contract_cannot_predate_the_choice(database):
    v = staffed(S.CONFIRMED)  # chosen 18 days before NOW, on 2026-11-02 in Nanjing
    with pytest.raises(Exception) as err:
        vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date="2026-11-01", now=NOW)
    assert err.value.message == "合同签订日期：不能早于选择产品日期（2026-11-02）"
    vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date="2026-11-02", now=NOW)
    assert voucher_row(v["number"]).contract_date.isoformat() == "2026-11-02"


def test_add_and_edit_a_service_record(database):
    v = staffed(S.CONFIRMED, contract=True)
    record_id = vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                            service_date=TODAY, description="上门培训", remark="两人", now=NOW)
    assert only_row(v) == (*by(v, "provider"), "add_service", "confirmed", "confirmed", NOW,
                           {"record_id": record_id, "engineer_id": v["engineer_id"], "service_date": "2026-11-20",
                            "description": "上门培训", "remark": "两人"})
    with db.read_session() as s:
        rec = s.get(ServiceRecord, record_id)
        assert (rec.created_by, rec.created_at, rec.updated_by, rec.updated_at) == (v["provider"].user_id, NOW, None,
                                                                                    None)
    later = NOW + timedelta(hours=1)
    vouchers.edit_service_record(actor=v["provider"], record_id=record_id, engineer_id=v["engineer_id"],
                                 service_date=TODAY - timedelta(days=1), description="上门培训三人", remark="两人",
                                 now=later)
    edit = history_of(v["id"])[-1]
    assert (edit.user_id, edit.action, edit.from_status, edit.to_status, edit.at, edit.changes) == (
        v["provider"].user_id, "edit_service", "confirmed", "confirmed", later,
        {"record_id": record_id, "service_date": ["2026-11-20", "2026-11-19"],
         "description": ["上门培训", "上门培训三人"]})
    with db.read_session() as s:
        rec = s.get(ServiceRecord, record_id)
        assert (rec.description, rec.updated_by, rec.updated_at, rec.created_at) == (
            "上门培训三人", v["provider"].user_id, later, NOW)
    # saving the same values again changes nothing and writes no row
    vouchers.edit_service_record(actor=v["provider"], record_id=record_id, engineer_id=v["engineer_id"],
                                 service_date=TODAY - timedelta(days=1), description="上门培训三人", remark="两人",
                                 now=later + timedelta(hours=1))
    assert len(history_of(v["id"])) == 2


def test_record_the_delivery_then_change_it(database):
    v = staffed(S.CONFIRMED, contract=True)
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="系统上线", now=NOW)
    assert only_row(v) == (*by(v, "provider"), "record_delivery", "confirmed", "delivered", NOW,
                           {"delivered_on": [None, "2026-11-20"], "delivery_content": [None, "系统上线"]})
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="系统上线", now=NOW)
    assert len(history_of(v["id"])) == 1  # nothing changed, nothing written
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="系统上线并培训",
                             now=NOW)
    last = history_of(v["id"])[-1]
    assert (last.from_status, last.to_status, last.changes) == (
        "delivered", "delivered", {"delivery_content": ["系统上线", "系统上线并培训"]})


def test_evaluate(database):
    v = staffed(S.DELIVERED)
    vouchers.evaluate(actor=v["enterprise"], number=v["number"], **evaluation_args(comment="  很好  "), now=NOW)
    assert only_row(v) == (*by(v, "enterprise"), "evaluate", "delivered", "evaluated", NOW,
                           {"total": 100, "band": "优秀"})
    with db.read_session() as s:
        ev = s.scalars(select(Evaluation).where(Evaluation.voucher_id == v["id"])).one()
    assert (ev.created_by, ev.created_at, ev.comment, ev.solved, ev.improvements, ev.next_focus) == (
        v["enterprise"].user_id, NOW, "很好", True, ["提高生产效率"], ["电子商务"])
    assert voucher_row(v["number"]).evaluated_at == NOW


def test_repeated_options_are_stored_once(database):
    v = staffed(S.DELIVERED)
    vouchers.evaluate(actor=v["enterprise"], number=v["number"], now=NOW,
                      **evaluation_args(improvements=["节能", "节能", "降耗"], next_focus=["电子商务", "电子商务"]))
    with db.read_session() as s:
        ev = s.scalars(select(Evaluation).where(Evaluation.voucher_id == v["id"])).one()
    assert (ev.improvements, ev.next_focus, ev.solved) == (["节能", "降耗"], ["电子商务"], True)


def test_settle(database):
    v = staffed(S.EVALUATED)
    vouchers.settle(actor=v["commission"], number=v["number"], amount="9800.50", settled_on=TODAY, now=NOW)
    assert only_row(v) == (*by(v, "commission"), "settle", "evaluated", "settled", NOW,
                           {"amount": "9800.50", "settled_on": "2026-11-20"})
    with db.read_session() as s:
        pay = s.scalars(select(Settlement).where(Settlement.voucher_id == v["id"])).one()
    assert (pay.amount, pay.settled_on, pay.created_by, pay.created_at) == (
        Decimal("9800.50"), TODAY, v["commission"].user_id, NOW)


def withdrawal_of(v: dict) -> Withdrawal:
    with db.read_session() as s:
        return s.scalars(select(Withdrawal).where(Withdrawal.voucher_id == v["id"])).one()


def test_request_and_approve_a_withdrawal(database):
    v = staffed(S.CONFIRMED, contract=True)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="需求变化", now=NOW)
    assert only_row(v) == (*by(v, "enterprise"), "request_withdrawal", "confirmed", "confirmed", NOW,
                           {"reason": "需求变化"})
    w = withdrawal_of(v)
    assert (w.provider_id, w.reason, w.requested_by, w.requested_at, w.status) == (
        v["provider_id"], "需求变化", v["enterprise"].user_id, NOW, "pending")
    assert voucher_row(v["number"]).withdrawal_reason == "需求变化"
    later = NOW + timedelta(days=1)
    vouchers.decide_withdrawal(actor=v["commission"], number=v["number"], approve=True, reason="同意", now=later)
    decision = history_of(v["id"])[-1]
    assert (decision.user_id, decision.action, decision.from_status, decision.to_status, decision.at) == (
        v["commission"].user_id, "approve_withdrawal", "confirmed", "activated", later)
    assert decision.changes == {"reason": "同意", "request_reason": "需求变化", "provider_id": v["provider_id"],
                                "product_id": v["product_id"], "contract_date": "2026-11-04"}
    w = withdrawal_of(v)
    assert (w.status, w.decided_by, w.decided_at, w.decision_reason) == ("approved", v["commission"].user_id, later,
                                                                         "同意")
    row = voucher_row(v["number"])
    assert (row.provider_id, row.product_id, row.price, row.chosen_at, row.confirmed_at, row.confirm_remark,
            row.contract_date, row.expires_at, row.updated_at) == (None, None, None, None, None, None, None,
                                                                   later + timedelta(days=30), later)


def test_reject_a_withdrawal(database):
    v = staffed(S.PENDING_CONFIRM)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="需求变化", now=NOW)
    vouchers.decide_withdrawal(actor=v["commission"], number=v["number"], approve=False, reason="材料不足", now=NOW)
    decision = history_of(v["id"])[-1]
    assert (decision.action, decision.from_status, decision.to_status, decision.changes) == (
        "reject_withdrawal", "pending_confirm", "pending_confirm", {"reason": "材料不足", "request_reason": "需求变化"})
    w = withdrawal_of(v)
    assert (w.status, w.decided_by, w.decided_at, w.decision_reason) == ("rejected", v["commission"].user_id, NOW,
                                                                         "材料不足")
    row = voucher_row(v["number"])
    assert (row.provider_id, row.product_id, row.chosen_at) == (v["provider_id"], v["product_id"],
                                                                NOW - timedelta(days=18))


def test_extend(database):
    v = staffed(S.EXPIRED, expired_from="activated")
    vouchers.extend(actor=v["commission"], number=v["number"], days=10, reason="企业申请延期", now=NOW)
    assert only_row(v) == (*by(v, "commission"), "extend", "expired", "activated", NOW,
                           {"reason": "企业申请延期", "expires_at": "2026-11-30T04:00:00+00:00"})
    row = voucher_row(v["number"])
    assert (row.expires_at, row.expired_from, row.updated_at) == (NOW + timedelta(days=10), None, NOW)


def test_void_closes_the_open_withdrawal_as_rejected(database):
    v = staffed(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="需求变化", now=NOW)
    vouchers.void(actor=v["commission"], number=v["number"], reason="不符合条件", now=NOW)
    last = history_of(v["id"])[-1]
    assert (last.user_id, last.action, last.from_status, last.to_status, last.at, last.changes) == (
        v["commission"].user_id, "void", "confirmed", "voided", NOW, {"reason": "不符合条件"})
    w = withdrawal_of(v)
    assert (w.status, w.decided_by, w.decided_at, w.decision_reason) == ("rejected", v["commission"].user_id, NOW,
                                                                         "服务券已作废")
    row = voucher_row(v["number"])
    assert (row.void_reason, row.expires_at, row.withdrawal_pending, row.updated_at) == ("不符合条件", None, False, NOW)


def test_expiry_is_recorded_as_the_system(database):
    due = NOW - timedelta(minutes=1)
    v = make_voucher(S.ACTIVATED, expires_at=due)
    assert vouchers.expire(now=NOW) == 1
    assert only_row(v) == (None, "system", "system", "expire", "activated", "expired", NOW,
                           {"expires_at": "2026-11-20T03:59:00+00:00"})
    row = voucher_row(v["number"])
    assert (row.status, row.expired_from, row.updated_at, row.expires_at) == (S.EXPIRED, "activated", NOW, due)


def test_expiry_leaves_vouchers_without_a_deadline_or_past_their_stage_alone(database):
    no_deadline = make_voucher(S.ISSUED, expires_at=None)
    chosen = make_voucher(S.PENDING_CONFIRM, expires_at=NOW - timedelta(days=1))  # stale, but the stage has no deadline
    assert vouchers.expire(now=NOW) == 0
    assert voucher_row(no_deadline["number"]).status == S.ISSUED
    assert voucher_row(chosen["number"]).status == S.PENDING_CONFIRM
    assert history_of(no_deadline["id"]) == [] and history_of(chosen["id"]) == []


def test_an_action_on_time_is_not_blocked_by_the_real_clock(database):
    """The services take `now` from the caller: a voucher due after NOW is still live at NOW."""
    v = staffed(S.ISSUED, expires_at=NOW + timedelta(minutes=1))
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    assert voucher_row(v["number"]).status == S.ACTIVATED


def test_settling_by_someone_else_than_the_commission_is_refused_before_the_file_check(database):
    v = staffed(S.EVALUATED, service_records=0)
    with pytest.raises(Exception) as err:
        vouchers.settle(actor=v["provider"], number=v["number"], amount=None, settled_on=TODAY, now=NOW)
    assert err.value.message == "只有经信委可以执行“兑付”"
    assert history_of(v["id"]) == [] and voucher_row(v["number"]).status == S.EVALUATED


def test_settle_many_names_the_voucher_that_fails(database):
    good, bad = staffed(S.EVALUATED), staffed(S.EVALUATED, contract_date=None)
    with pytest.raises(Exception) as err:
        vouchers.settle_many(actor=COMMISSION, numbers=[good["number"], bad["number"]], amount=None, settled_on=TODAY,
                             now=NOW)
    assert err.value.message == (f"服务券{bad['number']}：材料不齐，不能兑付：缺少已签订合同（本次未兑付任何服务券）")
    assert history_of(good["id"]) == [] and voucher_row(good["number"]).status == S.EVALUATED
    with pytest.raises(Exception) as err:
        vouchers.settle_many(actor=COMMISSION, numbers=[], amount=None, settled_on=TODAY, now=NOW)
    assert err.value.message == "请先勾选要兑付的服务券"


def test_the_history_reads_in_chinese_from_the_issue_on(database):
    from lib import queries
    from tests.builders import issue_to, make_batch, make_enterprise
    make_batch(2026)
    number = issue_to(make_enterprise(), 2026)
    assert number == "2600001"  # 2-digit batch year + 5-digit serial
    assert issue_to(make_enterprise(), 2026) == "2600002"
    history = queries.voucher_history(COMMISSION, number)
    assert history[["role", "action", "from_status", "to_status"]].values.tolist() == [["经信委", "发放", "", "待激活"]]
    row = voucher_row(number)
    assert (row.issued_at, row.expires_at, row.face_value, row.updated_at) == (
        NOW, NOW + timedelta(days=15), Decimal("10000.00"), NOW)


def test_issuing_one_voucher_is_for_the_commission_and_a_batch_that_exists(database):
    from lib.errors import NotFound, PermissionDenied
    from tests.builders import issue_to, make_batch, make_enterprise
    make_batch(2026)
    v = staffed(S.CONFIRMED)
    with pytest.raises(PermissionDenied) as err:
        issue_to(make_enterprise(), 2026, actor=v["provider"])
    assert err.value.message == "只有经信委可以发放服务券"
    with pytest.raises(NotFound) as err:
        issue_to(make_enterprise(), 2031)
    assert err.value.message == "2031年度批次不存在，请先设置批次"


def test_issuing_writes_one_history_row_with_face_value_and_deadline(database):
    from lib.models import Batch
    from tests.builders import issue_to, make_batch, make_enterprise
    make_batch(2026)
    number = issue_to(make_enterprise(), 2026)
    row = voucher_row(number)
    assert only_row({"id": row.id}) == (None, "officer", "commission", "issue", None, "issued", NOW,
                                        {"face_value": "10000.00", "expires_at": "2026-12-05T04:00:00+00:00"})
    assert (row.withdrawal_pending, row.status) == (False, "issued")
    with db.read_session() as s:
        assert s.scalar(select(Batch.next_serial).where(Batch.year == 2026)) == 2


def test_a_voucher_from_another_year_does_not_block_this_years(database):
    from tests.builders import issue_to, make_batch, make_enterprise
    make_batch(2025)
    make_batch(2026)
    ent = make_enterprise()
    issue_to(ent, 2025)
    assert issue_to(ent, 2026) == "2600001"


@pytest.mark.parametrize("issued_before,ok", [(99_998, True), (99_999, False)])
def test_a_batch_holds_99999_numbers(database, issued_before, ok):
    from lib.errors import DomainError
    from lib.models import Batch
    from tests.builders import issue_to, make_batch, make_enterprise
    make_batch(2026)
    with db.transaction() as s:
        s.scalars(select(Batch).where(Batch.year == 2026)).one().next_serial = issued_before + 1
    if ok:
        assert issue_to(make_enterprise(), 2026) == "2699999"
    else:
        with pytest.raises(DomainError) as err:
            issue_to(make_enterprise(), 2026)
        assert err.value.message == "2026年度批次的服务券号已用完（最多99999张）"


def test_recording_an_action_without_a_chinese_name_is_refused():
    """The 操作日志 can name every row: an action the registry does not know is never written."""
    from lib.actors import Actor
    from lib.history import record
    with pytest.raises(ValueError) as err:
        record(None, Actor.system(), "teleport")  # type: ignore[arg-type]
    assert str(err.value) == "history action without a label: 'teleport'"
