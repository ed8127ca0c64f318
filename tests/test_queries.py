"""Selectors: who sees which vouchers, paging and filters in SQL, the detail and its history."""
from __future__ import annotations

import pytest

from lib import money, queries, vouchers
from lib.errors import NotFound, PermissionDenied
from lib.queries import VoucherFilters
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    enterprise_actor,
    make_enterprise,
    make_provider,
    make_voucher,
    provider_actor,
    region_id,
)


def test_a_provider_sees_only_its_own_vouchers(database):
    mine = make_provider()
    a = make_voucher(S.CONFIRMED, provider_id=mine)
    b = make_voucher(S.DELIVERED, provider_id=mine)
    make_voucher(S.CONFIRMED)  # another provider's
    make_voucher(S.ISSUED)  # nobody's yet
    page = queries.voucher_page(provider_actor(mine))
    assert page.total == 2
    assert page.rows["number"].tolist() == sorted([a["number"], b["number"]], reverse=True)
    assert queries.voucher_page(COMMISSION).total == 4


def test_an_enterprise_sees_only_its_own_vouchers(database):
    v = make_voucher(S.ISSUED)
    make_voucher(S.ISSUED)
    page = queries.voucher_page(enterprise_actor(v["enterprise_id"]))
    assert page.rows["number"].tolist() == [v["number"]]


def test_pages_of_20_with_the_manuals_counters(database):
    provider = make_provider()
    for _ in range(45):
        make_voucher(S.CONFIRMED, provider_id=provider)
    actor = provider_actor(provider)
    first = queries.voucher_page(actor)
    assert (len(first.rows), first.total, first.pages, first.first_row, first.last_row) == (20, 45, 3, 1, 20)
    last = queries.voucher_page(actor, page=3)
    assert (len(last.rows), last.first_row, last.last_row) == (5, 41, 45)
    beyond = queries.voucher_page(actor, page=99)
    assert beyond.page == 3
    assert set(first.rows["number"]).isdisjoint(last.rows["number"])


def test_an_empty_list_has_no_pages(database):
    page = queries.voucher_page(provider_actor(make_provider()))
    assert (page.total, page.pages, page.first_row, page.last_row, len(page.rows)) == (0, 0, 0, 0, 0)


def test_filters_number_prefix_name_contains_region_and_status(database):
    provider = make_provider()
    a = make_voucher(S.CONFIRMED, provider_id=provider, enterprise_id=make_enterprise("测试11", "江宁区"),
                     number="1700008")
    make_voucher(S.DELIVERED, provider_id=provider, enterprise_id=make_enterprise("测试1212", "玄武区"),
                 number="1700009")
    make_voucher(S.DELIVERED, provider_id=provider, enterprise_id=make_enterprise("南京某公司", "江宁区"),
                 number="2600100")
    actor = provider_actor(provider)

    def numbers(**kw):
        return queries.voucher_page(actor, VoucherFilters(**kw)).rows["number"].tolist()

    assert numbers(number="1700008") == ["1700008"]
    assert numbers(number="17") == ["1700009", "1700008"]
    assert numbers(enterprise_name="测试") == ["1700009", "1700008"]
    assert numbers(enterprise_name="测试", region_id=region_id("江宁区")) == [a["number"]]
    assert numbers(status=S.DELIVERED) == ["2600100", "1700009"]
    assert numbers(enterprise_name="%") == []  # LIKE wildcards are taken literally


def test_the_detail_refuses_anyone_who_may_not_see_it(database):
    v = make_voucher(S.CONFIRMED)
    stranger = provider_actor(make_provider())
    with pytest.raises(PermissionDenied, match="^无权查看该服务券$"):
        queries.voucher_detail(stranger, v["number"])
    with pytest.raises(PermissionDenied, match="^无权查看该服务券$"):
        queries.voucher_detail(stranger, "9999999")  # no probing which numbers exist
    with pytest.raises(NotFound):
        queries.voucher_detail(COMMISSION, "9999999")
    detail = queries.voucher_detail(v["provider"], v["number"])
    assert detail.status_label == "已确认" and detail.product["price"] == detail.product["payable"] + detail.face_value


def test_payable_is_price_minus_face_value_never_below_zero():
    from decimal import Decimal
    assert money.payable(Decimal("19800.00"), Decimal("10000.00")) == Decimal("9800.00")
    assert money.payable(Decimal("8000.00"), Decimal("10000.00")) == Decimal("0.00")


def test_history_reads_in_chinese(database):
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    history = queries.voucher_history(v["provider"], v["number"])
    assert history[["role", "action", "from_status", "to_status"]].values.tolist() == [
        ["服务商", "确认购买", "已购买产品，待购买确认", "已确认"]]


def test_a_pending_withdrawal_shows_in_the_status(database):
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="换服务商", now=NOW)
    page = queries.voucher_page(COMMISSION)
    assert page.rows["status_label"].tolist() == ["已确认（撤回申请待审核）"]
