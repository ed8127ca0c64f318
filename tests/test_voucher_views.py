"""What the voucher screens read, row by row: the list, the detail, the engineer choices and the
enterprise's next step for every status, with values written out by hand."""
from __future__ import annotations

from datetime import date, timedelta
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
    make_product,
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
        ["1700008", "测试11", "江宁区", "confirmed", "朗坤", True, "已确认（撤回申请待审核）"],
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
    assert queries.voucher_page(COMMISSION,
                                VoucherFilters(category_id=category)).rows["number"].tolist() == [va["number"]]
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
    assert (d.contract_date, d.delivered_on, d.delivery_content) == (TODAY - timedelta(days=16),
                                                                     TODAY - timedelta(days=5),
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
    assert ev["scores"][0] == ("服务主动、耐心、热情、周到", 9,
                               10) and ev["scores"][-1] == ("售后服务响应及时问题快速解决", 14, 15)
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


@pytest.mark.parametrize("left,days",
                         [(timedelta(days=1), 1), (timedelta(hours=1), 1), (timedelta(days=1, seconds=1), 2),
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
    assert [m.number for m in queries.enterprise_vouchers(enterprise_actor(ent), now=NOW)] == [new["number"],
                                                                                               old["number"]]


def test_the_detail_shows_the_whole_enterprise_profile_and_product(database):
    from lib import db, vouchers
    from lib.models import Product, Provider
    from tests.test_vouchers import own_profile
    v = make_voucher(S.ISSUED)
    vouchers.activate(actor=v["enterprise"], number=v["number"], profile=own_profile(v), now=NOW)
    provider = make_provider("朗坤")
    product = make_product(provider, price="8000.00")
    with db.transaction() as s:
        s.get(Provider, provider).phone = "025-84561234"
        p = s.get(Product, product)
        p.problems, p.cases, p.target = "销售、合同", "某厂", "制造业"
    vouchers.choose_product(actor=v["enterprise"], number=v["number"], product_id=product, now=NOW)
    d = queries.voucher_detail(COMMISSION, v["number"])
    assert d.enterprise == {
        "credit_code": own_profile(v)["credit_code"], "name": own_profile(v)["name"], "size": "小型",
        "legal_rep": "王伟",
        "address": "南京市江宁区天元路1号", "founded_on": date(2015, 6, 1), "contact": "李娜",
        "phone": "139 1234 5678", "qq": "123456", "email": "li@example.com", "output_prev": Decimal("800.00"),
        "output_plan": Decimal("900.00"), "revenue_prev": Decimal("760.00"), "revenue_plan": Decimal("850.50"),
        "profit_prev": Decimal("60.00"), "profit_plan": Decimal("70.00"), "employees": 45, "difficulty": "缺少人才",
        "remark": None, "region": "江宁区"}
    assert d.product == {"provider_name": "朗坤", "contact": "联系人", "provider_phone": "025 8456 1234",
                         "name": d.product["name"], "category": "中小版管理软件应用", "problems": "销售、合同",
                         "cases": "某厂",
                         "target": "制造业", "price": Decimal("8000.00"), "payable": Decimal("0.00")}
    assert (d.status_label, d.expires_at, d.withdrawal_reason, d.void_reason) == ("已购买产品，待购买确认", None, None,
                                                                                  None)
    assert d.issued_at == NOW - timedelta(days=20) and d.checklist[0] == ("已签订合同", False)


def test_the_history_in_chinese_with_who_and_when(database):
    from lib import vouchers
    v = make_voucher(S.PENDING_CONFIRM)
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    vouchers.sign_contract(actor=v["provider"], number=v["number"], contract_date=TODAY, now=NOW + timedelta(hours=1))
    history = queries.voucher_history(v["enterprise"], v["number"])
    assert list(history.columns) == ["at", "username", "role", "action", "from_status", "to_status"]
    assert history.values.tolist() == [
        [NOW, v["provider"].username, "服务商", "确认购买", "已购买产品，待购买确认", "已确认"],
        [NOW + timedelta(hours=1), v["provider"].username, "服务商", "合同签订", "已确认", "已确认"]]
    from lib.errors import PermissionDenied
    with pytest.raises(PermissionDenied, match="^无权查看该服务券$"):
        queries.voucher_history(provider_actor(make_provider()), v["number"])
    with pytest.raises(PermissionDenied, match="^无权查看该服务券$"):
        queries.voucher_history(COMMISSION, "0000000")


def test_the_list_pages_by_twenty_and_keeps_the_last_page(database):
    provider = make_provider()
    for _ in range(21):
        make_voucher(S.CONFIRMED, provider_id=provider)
    page = queries.voucher_page(provider_actor(provider), page=2)
    assert (page.page, page.pages, len(page.rows), page.first_row, page.last_row) == (2, 2, 1, 21, 21)
    assert queries.voucher_page(provider_actor(provider), page=0).page == 1
    one = queries.voucher_page(provider_actor(provider), page_size=21)
    assert (one.pages, len(one.rows)) == (1, 21)
    empty = queries.voucher_page(provider_actor(make_provider()), page=3)
    assert (empty.page, empty.pages, empty.total) == (1, 0, 0)


def test_a_stale_deadline_past_the_choice_shows_no_days_left(database):
    v = make_voucher(S.PENDING_CONFIRM, expires_at=NOW + timedelta(days=3))
    (mine,) = queries.enterprise_vouchers(v["enterprise"], now=NOW)
    assert (mine.days_left, mine.expires_at, mine.status_label) == (None, NOW + timedelta(days=3),
                                                                   "已购买产品，待购买确认")
    assert mine.provider_name and mine.product_name.startswith("产品")


def test_the_history_is_in_time_order_then_in_order_of_entry(database):
    from lib import db
    from lib.models import History
    v = make_voucher(S.CONFIRMED)
    with db.transaction() as s:
        for at, action in ((NOW, "sign_contract"), (NOW, "add_service"), (NOW - timedelta(days=1), "confirm")):
            s.add(History(at=at, username="p", role="provider", voucher_id=v["id"], action=action,
                          from_status="confirmed", to_status="confirmed"))
    assert queries.voucher_history(COMMISSION, v["number"])["action"].tolist() == ["确认购买", "合同签订",
                                                                                   "添加服务信息"]


def test_counts_with_name_or_region_filters_alone(database):
    make_voucher(S.ISSUED, enterprise_id=make_enterprise("测试甲", "江宁区"))
    make_voucher(S.ISSUED, enterprise_id=make_enterprise("测试乙", "玄武区"))
    make_voucher(S.ISSUED, enterprise_id=make_enterprise("别家", "江宁区"))
    from tests.builders import region_id
    assert queries.voucher_page(COMMISSION, VoucherFilters(enterprise_name="测试")).total == 2
    assert queries.voucher_page(COMMISSION, VoucherFilters(region_id=region_id("江宁区"))).total == 2


def test_service_records_carry_id_remark_and_last_change(database):
    from lib import db, vouchers
    from lib.models import ServiceRecord
    v = make_voucher(S.CONFIRMED, contract=True)
    first = vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                        service_date=TODAY, description="乙", remark="备注乙", now=NOW)
    second = vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                         service_date=TODAY, description="甲", now=NOW)
    with db.transaction() as s:
        s.get(ServiceRecord, first).updated_at = NOW + timedelta(hours=1)
    entries = queries.voucher_detail(COMMISSION, v["number"]).services
    assert [(e.id, e.description, e.remark, e.updated_at) for e in entries] == [
        (first, "乙", "备注乙", NOW + timedelta(hours=1)), (second, "甲", None, None)]  # same day: in order of entry


def test_the_commission_is_told_an_unknown_number(database):
    from lib.errors import NotFound
    with pytest.raises(NotFound) as err:
        queries.voucher_detail(COMMISSION, " 1799999 ")
    assert err.value.message == "服务券1799999不存在"


def test_the_detail_carries_the_state_of_each_step(database):
    from lib import vouchers
    v = make_voucher(S.EXPIRED, expired_from="activated", expires_at=NOW - timedelta(days=1))
    d = queries.voucher_detail(COMMISSION, v["number"])
    assert (d.enterprise_id, d.expired_from, d.expires_at, d.withdrawal_pending) == (
        v["enterprise_id"], "activated", NOW - timedelta(days=1), False)
    w = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=w["enterprise"], number=w["number"], reason="换服务商", now=NOW)
    d = queries.voucher_detail(COMMISSION, w["number"])
    assert (d.withdrawal_pending, d.withdrawal_reason) == (True, "换服务商")
    vouchers.void(actor=COMMISSION, number=w["number"], reason="企业注销", now=NOW)
    assert queries.voucher_detail(COMMISSION, w["number"]).void_reason == "企业注销"
    s = make_voucher(S.SETTLED)
    d = queries.voucher_detail(COMMISSION, s["number"])
    assert (d.settled_amount, d.settled_on) == (Decimal("10000.00"), TODAY - timedelta(days=1))
    e = make_voucher(S.EVALUATED)
    from lib import db
    from lib.models import Evaluation
    with db.transaction() as session:
        session.query(Evaluation).filter_by(voucher_id=e["id"]).one().comment = "服务周到"
    assert queries.voucher_detail(COMMISSION, e["number"]).evaluation["comment"] == "服务周到"


def test_records_entered_out_of_order_are_listed_by_date(database):
    from lib import vouchers
    v = make_voucher(S.CONFIRMED, contract=True)
    for day in (TODAY, TODAY - timedelta(days=2)):
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                    service_date=day, description="上门", now=NOW)
    assert [e.service_date for e in queries.voucher_detail(COMMISSION, v["number"]).services] == [
        TODAY - timedelta(days=2), TODAY]


def test_the_export_lists_newest_numbers_first_with_the_withdrawal_shown(database):
    from lib import vouchers
    older = make_voucher(S.CONFIRMED, number="2600001")
    newer = make_voucher(S.ISSUED, number="2600009")
    make_voucher(S.ISSUED, number="2600005")
    vouchers.request_withdrawal(actor=older["enterprise"], number=older["number"], reason="换", now=NOW)
    export = queries.voucher_export_rows(COMMISSION)
    assert export["number"].tolist() == [newer["number"], "2600005", older["number"]]
    assert export["status_label"].tolist()[-1] == "已确认（撤回申请待审核）"


def test_my_vouchers_show_a_pending_withdrawal_in_the_status(database):
    from lib import vouchers
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="换", now=NOW)
    (mine,) = queries.enterprise_vouchers(v["enterprise"], now=NOW)
    assert (mine.status_label, mine.next_step) == ("已确认（撤回申请待审核）", "撤回申请待审核，请等待经信委审核")
