"""Races, with real threads on SQLite and PostgreSQL: N people press the same button at once. Exactly
one wins, the others are refused in Chinese, and each change leaves exactly one history row."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lib import auth, db, vouchers
from lib.errors import AuthError, DomainError
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


def test_n_parallel_right_passwords_all_log_in_with_their_own_session(database):
    make_user("officer1", password="Passw0rd!")
    results = race(*[lambda: auth.verify_login("officer1", "Passw0rd!")] * N)
    wins, _ = outcome(results)
    assert wins == N and len({r.token for r in results}) == N and history_of("login") == N
