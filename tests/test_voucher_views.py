"""What the voucher screens read, row by row: the list, the detail, the engineer choices and the
enterprise's next step for every status, with values written out by hand."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from lib import queries
from lib.actors import Actor
from lib.labels import Role
from lib.queries import VoucherFilters
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    TODAY,
    enterprise_actor,
    make_engineer,
    make_enterprise,
    make_provider,
    make_voucher,
    provider_actor,
    rows,
)


def test_list_rows_carry_the_manuals_columns(database):
    provider = make_provider("朗坤")
    v = make_voucher(S.CONFIRMED, provider_id=provider, number="1700008",
                     enterprise_id=make_enterprise("测试11", "江宁区"), withdrawal_pending=True)
    make_voucher(S.ISSUED, number="1700010", enterprise_id=make_enterprise("测试13", "玄武区"))
    page = queries.voucher_page(COMMISSION)
    assert rows(page.rows[["number", "enterprise_name", "region", "status", "provider_name", "withdrawal_pending",
                           "status_label"]]) == [
        ["1700010", "测试13", "玄武区", "issued", "", False, "待激活"],
        ["1700008", "测试11", "江宁区", "confirmed", "朗坤", True, "已确认（已撤回，请等待审核）"],
    ]
    assert queries.voucher_page(provider_actor(provider)).rows["number"].tolist() == [v["number"]]


def test_number_prefix_filters_are_ranges_not_patterns(database):
    for n in ("1700008", "1700009", "1700010", "1800001"):
        make_voucher(S.ISSUED, number=n)

    def numbers(prefix: str) -> list[str]:
        return queries.voucher_page(COMMISSION, VoucherFilters(number=prefix)).rows["number"].tolist()

    assert numbers("17000") == ["1700010", "1700009", "1700008"]
    assert numbers("170000") == ["1700009", "1700008"]
    assert numbers(" 1700009 ") == ["1700009"]
    assert numbers("19") == []
    assert numbers("") == ["1800001", "1700010", "1700009", "1700008"]


def test_the_provider_and_category_filters(database):
    a, b = make_provider(), make_provider()
    va = make_voucher(S.CONFIRMED, provider_id=a)
    vb = make_voucher(S.CONFIRMED, provider_id=b)
    assert queries.voucher_page(COMMISSION, VoucherFilters(provider_id=a)).rows["number"].tolist() == [va["number"]]
    from lib import db
    from lib.models import Product
    with db.read_session() as s:
        category = s.get(Product, va["product_id"]).category_id
    other_category = category + 1
    with db.transaction() as s:
        s.get(Product, vb["product_id"]).category_id = other_category
    assert queries.voucher_page(COMMISSION, VoucherFilters(category_id=category)).rows["number"].tolist() == [va["number"]]
    assert queries.voucher_page(COMMISSION, VoucherFilters(category_id=other_category, provider_id=a)).total == 0


def test_the_detail_for_the_provider(database):
    provider = make_provider("朗坤智慧科技股份有限公司")
    v = make_voucher(S.DELIVERED, provider_id=provider, enterprise_id=make_enterprise("测试1212", "玄武区"))
    d = queries.voucher_detail(provider_actor(provider), f" {v['number']} ")
    assert (d.number, d.status, d.status_label, d.provider_id, d.batch_year, d.face_value) == (
        v["number"], "delivered", "已交付", provider, 2026, Decimal("10000.00"))
    assert (d.enterprise["name"], d.enterprise["region"]) == ("测试1212", "玄武区")
    assert (d.product["provider_name"], d.product["category"], d.product["price"], d.product["payable"]) == (
        "朗坤智慧科技股份有限公司", "中小版管理软件应用", Decimal("19800.00"), Decimal("9800.00"))
    assert (d.contract_date, d.delivered_on, d.delivery_content) == (TODAY - timedelta(days=16), TODAY - timedelta(days=5),
                                                                     "系统上线")
    [record] = d.services
    assert (record.engineer_id, record.engineer_name, record.service_date, record.description) == (
        v["engineer_id"], "张工", TODAY - timedelta(days=10), "上门服务")
    assert d.evaluation is None


def test_the_detail_of_an_evaluated_voucher_shows_the_evaluation(database):
    v = make_voucher(S.EVALUATED, scores=[9, 9, 9, 14, 13, 13, 9, 14], solved=False)
    ev = queries.voucher_detail(v["enterprise"], v["number"]).evaluation
    assert (ev["total"], ev["band"], ev["solved"], ev["improvements"], ev["next_focus"]) == (
        90, "优秀", False, ["节能"], ["电子商务"])
    assert ev["scores"][0] == ("服务主动、耐心、热情、周到", 9, 10) and ev["scores"][-1] == ("售后服务响应及时问题快速解决", 14, 15)
    assert ev["created_at"] == NOW - timedelta(days=3)


def test_service_records_are_listed_by_date(database):
    v = make_voucher(S.DELIVERED, service_records=3)  # dated TODAY-10, -9, -8
    dates = [r.service_date for r in queries.voucher_detail(COMMISSION, v["number"]).services]
    assert dates == [TODAY - timedelta(days=10), TODAY - timedelta(days=9), TODAY - timedelta(days=8)]


def test_an_unbound_voucher_has_no_product(database):
    v = make_voucher(S.ACTIVATED)
    d = queries.voucher_detail(v["enterprise"], v["number"])
    assert (d.product, d.services, d.evaluation, d.provider_id) == (None, [], None, None)


def test_engineer_choices_are_the_providers_own_by_name(database):
    provider = make_provider()
    li = make_engineer(provider, name="李娜")
    make_engineer(provider, name="已离职", active=False)
    zhang = make_engineer(provider, name="张伟")
    make_engineer(make_provider(), name="别家工程师")
    actor = provider_actor(provider)
    assert queries.engineer_options(actor) == {li: "李娜（实施工程师）", zhang: "张伟（实施工程师）"}
    bob, alice = make_engineer(provider, name="Bob"), make_engineer(provider, name="Alice")
    assert list(queries.engineer_options(actor))[:2] == [alice, bob]  # by name
    from lib import db
    from lib.models import Engineer
    with db.transaction() as s:
        s.get(Engineer, zhang).title = None
    assert queries.engineer_options(actor)[zhang] == "张伟"  # no title: the name alone
    orphan = Actor(user_id=None, username="x", role=Role.PROVIDER, provider_id=None)
    assert queries.engineer_options(orphan) == {}


def test_a_departed_engineer_stays_on_their_own_record(database):
    provider = make_provider()
    gone = make_engineer(provider, name="已离职", active=False)
    assert gone not in queries.engineer_options(provider_actor(provider))
    assert queries.engineer_options(provider_actor(provider), include=gone) == {gone: "已离职（实施工程师）"}


@pytest.mark.parametrize("status,step", [
    (S.ACTIVATED, "请在10天内选择服务商和产品"), (S.CONFIRMED, "服务商正在签订合同、上门服务和交付"),
    (S.DELIVERED, "服务已交付，请进行服务评价"), (S.EVALUATED, "已评价，等待经信委审核兑付"), (S.SETTLED, "已完成兑付"),
    (S.VOIDED, "已作废"), (S.PENDING_CONFIRM, "等待服务商确认"),
])
def test_the_enterprise_is_told_its_next_step(database, status, step):
    v = make_voucher(status)
    (mine,) = queries.enterprise_vouchers(v["enterprise"], now=NOW)
    assert (mine.number, mine.status, mine.next_step) == (v["number"], str(status), step)
    assert mine.days_left == (10 if status == S.ACTIVATED else None)
    assert mine.issued_at == NOW - timedelta(days=20)


@pytest.mark.parametrize("left,days", [(timedelta(days=1), 1), (timedelta(hours=1), 1), (timedelta(days=1, seconds=1), 2),
                                       (timedelta(0), 0)])
def test_days_left_round_up_to_whole_days(database, left, days):
    v = make_voucher(S.ISSUED, expires_at=NOW + left)
    (mine,) = queries.enterprise_vouchers(v["enterprise"], now=NOW)
    assert (mine.days_left, mine.next_step) == (days, f"请在{days}天内完善企业信息并激活")


def test_an_enterprise_sees_its_vouchers_newest_first(database):
    ent = make_enterprise()
    old = make_voucher(S.VOIDED, enterprise_id=ent, issued_at=NOW - timedelta(days=400))
    new = make_voucher(S.ISSUED, enterprise_id=ent)
    make_voucher(S.ISSUED)
    assert [m.number for m in queries.enterprise_vouchers(enterprise_actor(ent), now=NOW)] == [new["number"], old["number"]]
