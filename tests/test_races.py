"""Races, with real threads on SQLite and PostgreSQL: N people press the same button at once. Exactly
one wins, the others are refused in Chinese, and each change leaves exactly one history row."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from lib import auth, db, vouchers
from lib.errors import AuthError, ConflictError, DomainError, StaleRecord
from lib.models import Evaluation, History, Settlement, User, Withdrawal
from lib.workflow import VoucherStatus as S
from lib.workflow import WithdrawalStatus
from tests.builders import NOW, TODAY, make_user, make_voucher, voucher_row
from tests.test_vouchers import evaluation_args

N = 20


def race(*calls) -> list[object]:
    """Run the calls in N threads that start together; each result is the return value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test sorts results by kind
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def outcome(results: list[object]) -> tuple[int, Counter]:
    """(winners, refusal messages); any exception that is not a Chinese refusal fails the test."""
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected[:3]
    return (sum(not isinstance(r, Exception) for r in results),
            Counter(r.message for r in results if isinstance(r, DomainError)))


def history_of(action: str) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(History).where(History.action == action))


def count(model, **where) -> int:
    with db.read_session() as s:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return s.scalar(query)


def test_n_parallel_purchase_confirmations_confirm_once(database):
    v = make_voucher(S.PENDING_CONFIRM)
    wins, refusals = outcome(race(*[lambda: vouchers.confirm_purchase(actor=v["provider"], number=v["number"],
                                                                      now=NOW)] * N))
    assert wins == 1 and sum(refusals.values()) == N - 1
    assert set(refusals) == {"服务券当前状态为“已确认”，不能执行“确认购买”"}
    assert history_of("confirm") == 1 and voucher_row(v["number"]).status == S.CONFIRMED


def test_n_parallel_withdrawal_requests_leave_one_pending_request(database):
    v = make_voucher(S.CONFIRMED)
    wins, refusals = outcome(race(*[lambda: vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"],
                                                                        reason="想换服务商", now=NOW)] * N))
    assert wins == 1 and sum(refusals.values()) == N - 1
    assert count(Withdrawal, voucher_id=v["id"], status=WithdrawalStatus.PENDING) == 1
    assert history_of("request_withdrawal") == 1
    # and the commission can still decide it (two pending rows made this fail with MultipleResultsFound)
    vouchers.decide_withdrawal(actor=v["commission"], number=v["number"], approve=True, now=NOW)
    assert voucher_row(v["number"]).status == S.ACTIVATED


def test_approve_and_reject_of_one_withdrawal_at_once_decide_it_once(database):
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="想换服务商", now=NOW)
    calls = [(lambda a=i % 2 == 0: vouchers.decide_withdrawal(actor=v["commission"], number=v["number"], approve=a,
                                                             reason="理由不充分", now=NOW)) for i in range(N)]
    wins, refusals = outcome(race(*calls))
    assert wins == 1 and sum(refusals.values()) == N - 1
    assert history_of("approve_withdrawal") + history_of("reject_withdrawal") == 1
    assert count(Withdrawal, voucher_id=v["id"], status=WithdrawalStatus.PENDING) == 0
    assert count(Withdrawal, voucher_id=v["id"]) == 1


def test_n_parallel_evaluations_store_one(database):
    v = make_voucher(S.DELIVERED)
    wins, refusals = outcome(race(*[lambda: vouchers.evaluate(actor=v["enterprise"], number=v["number"], now=NOW,
                                                              **evaluation_args())] * N))
    assert wins == 1 and sum(refusals.values()) == N - 1
    assert count(Evaluation, voucher_id=v["id"]) == 1 and history_of("evaluate") == 1


def test_n_parallel_settlements_pay_once(database):
    v = make_voucher(S.EVALUATED)
    wins, refusals = outcome(race(*[lambda: vouchers.settle(actor=v["commission"], number=v["number"], amount=None,
                                                            settled_on=TODAY, now=NOW)] * N))
    assert wins == 1 and sum(refusals.values()) == N - 1
    assert count(Settlement, voucher_id=v["id"]) == 1 and history_of("settle") == 1


def test_n_parallel_service_records_are_all_kept_with_one_history_row_each(database):
    # Not a race with one winner: N visits entered at once are N visits.
    v = make_voucher(S.CONFIRMED, contract=True)
    results = race(*[(lambda k=k: vouchers.add_service_record(
        actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"], service_date=TODAY,
        description=f"第{k}次上门", now=NOW)) for k in range(N)])
    wins, _ = outcome(results)
    assert wins == N and len(set(results)) == N and history_of("add_service") == N


def test_one_engineer_recorded_on_many_vouchers_at_once_keeps_every_record_and_the_right_flags(database):
    # The same engineer on the same day at N enterprises (风险预警's same_day signal spans the vouchers): every
    # record is saved, and the flags decided at the same moments equal a full recomputation.
    from lib import risk
    # Each voucher has a record already: the new ones change no summary (whose shared rows would make the writers
    # wait for each other), as with a provider's regular visits.
    first = make_voucher(S.CONFIRMED, contract=True, service_records=1)
    others = [make_voucher(S.CONFIRMED, contract=True, service_records=1, provider_id=first["provider_id"])
              for _ in range(N)]
    for v in others[:2]:  # the signal is raised already: every writer below re-decides the flags of both
        vouchers.add_service_record(actor=first["provider"], number=v["number"], engineer_id=first["engineer_id"],
                                    service_date=TODAY, description=f"上门服务{v['number']}", now=NOW)

    def linger(conn, cursor, statement, *_) -> None:  # widen the moment between deciding and committing
        if statement.startswith("DELETE FROM risk_flags"):
            time.sleep(0.05)

    event.listen(db.get_engine(), "after_cursor_execute", linger)
    try:
        results = race(*[(lambda v=v: vouchers.add_service_record(
            actor=first["provider"], number=v["number"], engineer_id=first["engineer_id"], service_date=TODAY,
            description=f"再次上门服务{v['number']}", now=NOW)) for v in [first, *others]])
    finally:
        event.remove(db.get_engine(), "after_cursor_execute", linger)
    wins, refusals = outcome(results)
    assert (wins, refusals) == (N + 1, Counter())
    with db.get_engine().connect() as conn:
        stored = risk.stored(conn)
        assert stored == risk.recompute(conn)
    assert {(key, voucher_id) for key, voucher_id, *_ in stored if key == "same_day"} == {
        ("same_day", v["id"]) for v in [first, *others]}


def test_n_parallel_wrong_passwords_lock_the_account_after_five_comparisons(database):
    make_user("officer1", password="Passw0rd!")
    compared = []
    original = auth._matches

    def counting(password: str, hashed: str) -> bool:
        compared.append(password)
        return original(password, hashed)

    auth._matches = counting
    try:
        results = race(*[lambda: auth.verify_login("officer1", "wrong-guess1", now=NOW)] * N)
    finally:
        auth._matches = original
    assert all(isinstance(r, AuthError) for r in results)
    assert len(compared) <= 5  # at most five guesses ever reach bcrypt
    assert Counter(r.message for r in results)["账户已锁定，请15分钟后再试"] >= N - 5
    with db.read_session() as s:
        user = s.scalars(select(User).where(User.username == "officer1")).one()
    assert user.locked_until == NOW + timedelta(minutes=15)
    assert history_of("lock_account") == 1 and history_of("login_failed") == N
    with pytest.raises(AuthError, match="账户已锁定"):  # even with the right password now
        auth.verify_login("officer1", "Passw0rd!", now=NOW + timedelta(minutes=1))


def test_parallel_right_passwords_all_log_in_with_their_own_session(database):
    # A double click, several tabs: up to five attempts at once all count as attempts until they are
    # decided (that is what keeps twenty parallel guesses to five), so five right ones all get in.
    make_user("officer1", password="Passw0rd!")
    results = race(*[lambda: auth.verify_login("officer1", "Passw0rd!")] * 5)
    wins, _ = outcome(results)
    assert wins == 5 and len({r.token for r in results}) == 5 and history_of("login") == 5


# ---------------------------------------------------------------- stale forms and database constraints

def test_a_service_record_form_opened_before_someone_elses_save_is_refused(database):
    v = make_voucher(S.DELIVERED)
    d = vouchers_detail(v)
    entry = d.services[0]
    edit = dict(actor=v["provider"], record_id=entry.id, engineer_id=v["engineer_id"], service_date=TODAY,
                now=NOW)
    vouchers.edit_service_record(**edit, description="第一个人的修改", version=entry.version)
    before = history_of("edit_service")
    with pytest.raises(StaleRecord) as err:
        vouchers.edit_service_record(**edit, description="第二个人的修改", version=entry.version)
    assert err.value.message == "记录已被他人修改，请刷新后重试"
    assert vouchers_detail(v).services[0].description == "第一个人的修改" and history_of("edit_service") == before


def test_a_delivery_form_opened_before_the_voucher_changed_is_refused(database):
    v = make_voucher(S.DELIVERED)
    seen = vouchers_detail(v).version
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="第一次",
                             version=seen, now=NOW)
    with pytest.raises(StaleRecord, match="记录已被他人修改，请刷新后重试"):
        vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="第二次",
                                 version=seen, now=NOW)
    assert voucher_row(v["number"]).delivery_content == "第一次"


def test_stale_product_and_enterprise_forms_are_refused(database):
    from lib import enterprises, products
    from tests.builders import COMMISSION, provider_actor
    from tests.test_vouchers import own_profile
    v = make_voucher(S.ACTIVATED)
    seen = enterprises.enterprise_profile(v["enterprise"])["version"]
    assert enterprises.update_profile(actor=v["enterprise"], data=own_profile(v, contact="甲"), version=seen)
    with pytest.raises(StaleRecord):
        enterprises.update_profile(actor=v["enterprise"], data=own_profile(v, contact="乙"), version=seen)
    with pytest.raises(StaleRecord):
        enterprises.admin_update(actor=COMMISSION, enterprise_id=v["enterprise_id"], data=own_profile(v), version=seen)
    w = make_voucher(S.CONFIRMED)
    provider = provider_actor(w["provider_id"])
    row = products.provider_products(provider).iloc[0]
    data = {"name": "新名称", "category": row["category"], "price": "100", "target": "制造业", "problems": "销售管理",
            "cases": ""}
    assert products.update_product(actor=provider, product_id=int(row["id"]), data=data, version=int(row["version"]))
    with pytest.raises(StaleRecord):
        products.update_product(actor=provider, product_id=int(row["id"]), data={**data, "name": "又一个名称"},
                                version=int(row["version"]))


def test_the_database_refuses_a_second_pending_withdrawal_in_chinese(database):
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="想换服务商", now=NOW)
    with pytest.raises(ConflictError) as err, db.transaction() as s:  # past every check in lib: the constraint
        s.add(Withdrawal(voucher_id=v["id"], reason="再来一次", requested_at=NOW))
    assert err.value.message == "该服务券已有待审核的撤回申请，请等待审核"


@pytest.mark.parametrize("model,message", [(Evaluation, "该服务券已评价，不能重复评价"),
                                           (Settlement, "该服务券已兑付，不能重复兑付")])
def test_the_database_refuses_a_second_evaluation_or_settlement_in_chinese(database, model, message):
    v = make_voucher(S.SETTLED)
    with db.read_session() as s:
        existing = s.scalars(select(model).where(model.voucher_id == v["id"])).first()
        if existing is None:  # the builder stores an evaluation; a settlement row is added here
            pass
    if model is Settlement and existing is None:
        with db.transaction() as s:
            s.add(Settlement(voucher_id=v["id"], amount=10000, settled_on=TODAY, created_at=NOW))
    with db.read_session() as s:
        row = s.scalars(select(model).where(model.voucher_id == v["id"])).one()
        values = {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key != "id"}
    with pytest.raises(ConflictError) as err, db.transaction() as s:
        s.add(model(**values))
    assert err.value.message == message


def vouchers_detail(v: dict):
    from lib import queries
    return queries.voucher_detail(v["commission"], v["number"])
