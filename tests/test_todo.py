"""待办: each role's counts, and the voucher list opened from an item shows exactly the vouchers counted."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lib import clock, queries, todo
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, make_product, make_provider, make_voucher, provider_actor


def listed(actor, key: str) -> list[str]:
    page = queries.voucher_page(actor, queries.VoucherFilters(todo=key))
    return sorted(page.rows["number"])


def counts(actor, **kwargs) -> dict[str, int]:
    return {item.todo.key: item.count for item in todo.items(actor, now=NOW, **kwargs)}


@pytest.fixture
def provider_work(database):
    """One provider's vouchers in every state that is (or is not) its 待办, and another provider's."""
    mine = make_provider()
    other = make_provider()
    made = {
        "confirm": [make_voucher(S.PENDING_CONFIRM, provider_id=mine, chosen_at=NOW - timedelta(days=5))["number"],
                    make_voucher(S.PENDING_CONFIRM, provider_id=mine, chosen_at=NOW - timedelta(hours=3))["number"]],
        "contract": [make_voucher(S.CONFIRMED, provider_id=mine, contract=False)["number"]],
        "service": [make_voucher(S.CONFIRMED, provider_id=mine, contract=True, service_records=0)["number"]],
        "delivered": [make_voucher(S.DELIVERED, provider_id=mine)["number"]],
    }
    make_voucher(S.CONFIRMED, provider_id=mine, contract=True, service_records=2)  # working on it: no 待办
    make_voucher(S.EVALUATED, provider_id=mine)
    for status in (S.PENDING_CONFIRM, S.CONFIRMED, S.DELIVERED):
        make_voucher(status, provider_id=other)
    return provider_actor(mine), made


def test_a_provider_sees_its_own_work_in_the_manuals_order(provider_work):
    actor, made = provider_work
    found = todo.items(actor, now=NOW)
    assert [(i.todo.label, i.count) for i in found] == [("待购买确认", 2), ("已确认，未签合同", 1),
                                                       ("已签合同，无服务记录", 1), ("已交付，待企业评价", 1)]
    assert found[0].detail == "最久已等5天"
    assert {i.todo.page for i in found} == {"vouchers"} and found[0].query == {"todo": "confirm"}


@pytest.mark.parametrize("key", ["confirm", "contract", "service", "delivered"])
def test_the_list_opened_from_an_item_shows_exactly_the_vouchers_counted(provider_work, key):
    actor, made = provider_work
    assert listed(actor, key) == sorted(made[key])
    assert counts(actor)[key] == len(made[key])


def test_the_commissions_items_link_to_the_pages_that_decide_them(database):
    now = clock.utcnow()  # the list filters by the real clock
    make_voucher(S.PENDING_CONFIRM, withdrawal_pending=True)
    make_voucher(S.CONFIRMED, withdrawal_pending=True)
    make_voucher(S.EVALUATED)
    soon = make_voucher(S.ISSUED, expires_at=now + timedelta(days=6, hours=23))
    make_voucher(S.ACTIVATED, expires_at=now + timedelta(days=7, hours=1))  # not yet within 7 days
    make_product(make_provider(), status="pending")
    found = todo.items(COMMISSION, now=now, risk_total=4)
    assert [(i.todo.label, i.count, i.todo.page) for i in found] == [
        ("撤回待审核", 2, "withdrawals"), ("产品待审核", 1, "product_review"), ("待兑付", 1, "settlements"),
        ("7天内到期", 1, "vouchers"), ("风险预警", 4, "risk")]
    page = queries.voucher_page(COMMISSION, queries.VoucherFilters(todo="expiring"))
    assert page.rows["number"].tolist() == [soon["number"]]


def test_without_a_risk_count_the_risk_item_is_left_out(database):
    assert "risk" not in counts(COMMISSION)


def test_an_enterprises_next_steps_point_at_the_pages_where_they_are_done(database):
    v = make_voucher(S.ISSUED)
    make_voucher(S.DELIVERED, enterprise_id=v["enterprise_id"])
    make_voucher(S.DELIVERED)  # another enterprise's
    found = todo.items(v["enterprise"], now=NOW)
    assert [(i.todo.label, i.count, i.todo.page) for i in found] == [
        ("待激活", 1, "profile"), ("待选择产品", 0, "catalogue"), ("待评价", 1, "evaluate")]
    assert todo.badges(found) == {"profile": 1, "evaluate": 1}
    assert todo.NEXT_PAGE[S.ISSUED][0] == "profile" and todo.NEXT_PAGE[S.DELIVERED] == ("evaluate", "去评价")


def test_menu_badges_add_up_the_items_of_each_page(provider_work):
    actor, made = provider_work
    assert todo.badges(todo.items(actor, now=NOW)) == {"vouchers": 5}


def test_an_unknown_todo_in_the_url_filters_nothing(database):
    v = make_voucher(S.CONFIRMED)
    assert queries.voucher_page(COMMISSION, queries.VoucherFilters(todo="nonsense")).rows["number"].tolist() == [
        v["number"]]
