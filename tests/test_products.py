"""产品管理 and 人员管理 services: own products and engineers only, review on every change."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from lib import db, engineers, products, queries, vouchers
from lib.errors import NotFound, PermissionDenied, TransitionRefused, ValidationError
from lib.models import Engineer, History, Product
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    TODAY,
    enterprise_actor,
    make_enterprise,
    make_provider,
    make_voucher,
    provider_actor,
)

GOOD_PRODUCT = {"name": "云ERP标准版", "category": "企业资源计划（ERP）/进销存", "price": "12800",
                "target": "制造业小微企业",
                "problems": "采购、库存、销售一体化", "cases": "南京某机械厂"}


def product(product_id: int) -> Product:
    with db.read_session() as s:
        return s.get(Product, product_id)


def test_a_new_product_waits_for_review(database):
    actor = provider_actor(make_provider())
    pid = products.create_product(actor=actor, data=GOOD_PRODUCT, now=NOW)
    p = product(pid)
    assert (p.status, p.price, p.provider_id) == ("pending", Decimal("12800.00"), actor.provider_id)
    listed = products.provider_products(actor)
    assert listed[["name", "status_label"]].values.tolist() == [["云ERP标准版", "待审核"]]


def test_editing_an_approved_product_sends_it_back_to_review_and_logs_what_changed(database):
    actor = provider_actor(make_provider())
    pid = products.create_product(actor=actor, data=GOOD_PRODUCT, now=NOW)
    with db.transaction() as s:
        s.get(Product, pid).status = "on_sale"
    assert products.update_product(actor=actor, product_id=pid, data={**GOOD_PRODUCT, "price": "13800"}, now=NOW)
    assert product(pid).status == "pending"
    with db.read_session() as s:
        last = s.scalars(select(History).where(History.action == "update_product")).one()
    assert last.changes["price"] == ["12800.00", "13800.00"] and last.changes["status"] == ["on_sale", "pending"]
    assert not products.update_product(actor=actor, product_id=pid, data={**GOOD_PRODUCT, "price": "13800"}, now=NOW)


def test_taking_a_product_off_sale_keeps_vouchers_that_chose_it(database):
    v = make_voucher(S.CONFIRMED)
    actor = v["provider"]
    products.take_off_sale(actor=actor, product_id=v["product_id"], now=NOW)
    assert product(v["product_id"]).status == "off_sale"
    assert queries.voucher_detail(actor, v["number"]).product["name"] == product(v["product_id"]).name
    with pytest.raises(ValidationError, match="已下架"):
        products.take_off_sale(actor=actor, product_id=v["product_id"], now=NOW)
    chooser = make_voucher(S.ACTIVATED)
    with pytest.raises(ValidationError, match="未上架"):
        vouchers.choose_product(actor=chooser["enterprise"], number=chooser["number"], product_id=v["product_id"],
                                now=NOW)


def test_a_provider_cannot_touch_another_providers_product(database):
    owner = provider_actor(make_provider())
    pid = products.create_product(actor=owner, data=GOOD_PRODUCT, now=NOW)
    other = provider_actor(make_provider())
    with pytest.raises(NotFound):
        products.update_product(actor=other, product_id=pid, data={**GOOD_PRODUCT, "price": "1"}, now=NOW)
    with pytest.raises(NotFound):
        products.take_off_sale(actor=other, product_id=pid, now=NOW)
    assert product(pid).price == Decimal("12800.00")
    with pytest.raises(PermissionDenied):
        products.create_product(actor=enterprise_actor(make_enterprise()), data=GOOD_PRODUCT, now=NOW)
    with pytest.raises(PermissionDenied):
        products.create_product(actor=COMMISSION, data=GOOD_PRODUCT, now=NOW)


@pytest.mark.parametrize("change,message", [
    ({"name": ""}, "服务产品名称：不能为空"),
    ({"category": "不存在的类别"}, "类别：选项无效"),
    ({"price": "0"}, "价格（元）：应大于0"),
    ({"price": "-5"}, "价格（元）：不能小于0"),
    ({"price": "abc"}, "价格（元）：请输入数字金额"),
    ({"problems": " "}, "解决问题：不能为空"),
    ({"cases": "例" * 2001}, "应用案例：不能超过2000个字（当前2001个字）"),
])
def test_bad_product_input_is_refused_and_nothing_saved(database, change, message):
    actor = provider_actor(make_provider())
    with pytest.raises(ValidationError) as err:
        products.create_product(actor=actor, data={**GOOD_PRODUCT, **change}, now=NOW)
    assert err.value.message == message
    assert products.provider_products(actor).empty


def test_every_wrong_field_of_a_product_engineer_or_provider_is_named_after_one_submit(database):
    from lib import providers
    from lib.errors import FormErrors
    actor = provider_actor(make_provider())
    with pytest.raises(FormErrors) as err:
        products.create_product(actor=actor, data={**GOOD_PRODUCT, "name": "", "category": "不存在的类别",
                                                   "price": "0"}, now=NOW)
    assert [e.message for e in err.value.errors] == ["服务产品名称：不能为空", "类别：选项无效", "价格（元）：应大于0"]
    assert err.value.message.startswith("有3项需要修改：服务产品名称：不能为空；")
    with pytest.raises(FormErrors) as err:
        engineers.add_engineer(actor=actor, data={"name": "", "mobile": "025-84567890"}, now=NOW)
    assert [e.field for e in err.value.errors] == ["姓名", "手机"]
    with pytest.raises(FormErrors) as err:
        providers.create_provider(actor=COMMISSION, data={"name": "", "credit_code": "123", "phone": "1",
                                                          "contact": ""}, now=NOW)
    assert [e.field for e in err.value.errors] == ["服务商名称", "统一社会信用代码", "公司电话", "联系人"]
    assert products.provider_products(actor).empty and engineers.provider_engineers(actor).empty


def test_duplicate_product_names_within_a_provider_are_refused(database):
    actor = provider_actor(make_provider())
    products.create_product(actor=actor, data=GOOD_PRODUCT, now=NOW)
    with pytest.raises(ValidationError, match="本公司已有同名产品"):
        products.create_product(actor=actor, data=GOOD_PRODUCT, now=NOW)
    products.create_product(actor=provider_actor(make_provider()), data=GOOD_PRODUCT, now=NOW)


def test_engineers_are_added_edited_and_leave_without_vanishing_from_records(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    actor = v["provider"]
    eid = engineers.add_engineer(actor=actor, data={"name": "赵工", "mobile": "13900001111", "title": "实施"}, now=NOW)
    assert eid in queries.engineer_options(actor)
    vouchers.add_service_record(actor=actor, number=v["number"], engineer_id=eid, service_date=TODAY,
                                description="上门实施", now=NOW)
    engineers.update_engineer(actor=actor, engineer_id=eid, data={"name": "赵工", "mobile": "13900001111",
                                                                  "title": "高级实施顾问"}, now=NOW)
    engineers.set_employed(actor=actor, engineer_id=eid, employed=False, now=NOW)
    assert eid not in queries.engineer_options(actor)
    assert eid in queries.engineer_options(actor, include=eid)
    assert [e.engineer_name for e in queries.voucher_detail(actor, v["number"]).services] == ["赵工"]
    with pytest.raises(ValidationError, match="已离职"):
        vouchers.add_service_record(actor=actor, number=v["number"], engineer_id=eid, service_date=TODAY,
                                    description="再次上门", now=NOW)
    staff = engineers.provider_engineers(actor)
    row = staff[staff["id"] == eid].iloc[0]
    assert (row["title"], bool(row["active"]), row["records"]) == ("高级实施顾问", False, 1)


@pytest.mark.parametrize("data,message", [
    ({"name": "", "mobile": "13900001111"}, "姓名：不能为空"),
    ({"name": "赵工", "mobile": "025-84567890"}, "手机：请输入11位手机号码"),
    ({"name": "赵工", "mobile": ""}, "手机：不能为空"),
])
def test_bad_engineer_input_is_refused(database, data, message):
    actor = provider_actor(make_provider())
    with pytest.raises(ValidationError, match=message):
        engineers.add_engineer(actor=actor, data=data, now=NOW)
    assert engineers.provider_engineers(actor).empty


def test_a_provider_cannot_manage_another_providers_engineer(database):
    owner = provider_actor(make_provider())
    eid = engineers.add_engineer(actor=owner, data={"name": "赵工", "mobile": "13900001111"}, now=NOW)
    intruder = provider_actor(make_provider())
    with pytest.raises(NotFound):
        engineers.set_employed(actor=intruder, engineer_id=eid, employed=False, now=NOW)
    with db.read_session() as s:
        assert s.get(Engineer, eid).active


def test_the_engineer_list_offered_for_a_record_is_the_providers_own(database):
    v = make_voucher(S.CONFIRMED, contract=True)
    foreign = engineers.add_engineer(actor=provider_actor(make_provider()),
                                     data={"name": "外人", "mobile": "13900002222"})
    assert foreign not in queries.engineer_options(v["provider"])
    with pytest.raises(ValidationError, match="不是本服务商的工程师"):
        vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=foreign, service_date=TODAY,
                                    description="伪造", now=NOW)


def test_an_evaluated_voucher_refuses_every_provider_edit(database):
    v = make_voucher(S.EVALUATED)
    for call in (
        lambda: vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                            service_date=TODAY, description="补录", now=NOW),
        lambda: vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=TODAY, content="改",
                                         now=NOW),
    ):
        with pytest.raises(TransitionRefused, match="已评价"):
            call()


def test_only_a_provider_account_with_its_provider_manages_products_and_engineers(database):
    from lib.actors import Actor
    from lib.labels import Role
    orphan = Actor(user_id=None, username="p0", role=Role.PROVIDER, provider_id=None)  # a login without a provider
    for actor in (orphan, COMMISSION, enterprise_actor(make_enterprise())):
        with pytest.raises(PermissionDenied) as err:
            products.create_product(actor=actor, data=GOOD_PRODUCT, now=NOW)
        assert err.value.message == "只有服务商可以管理本公司的产品"
        with pytest.raises(PermissionDenied) as err:
            engineers.add_engineer(actor=actor, data={"name": "张伟", "mobile": "13851700001"}, now=NOW)
        assert err.value.message == "只有服务商可以管理本公司的人员"


def test_every_edit_is_recorded_at_the_time_it_was_made(database):
    """An edit form saved writes one history row, stamped with the moment of the save."""
    from datetime import timedelta

    from sqlalchemy import select

    from lib import db, providers
    from lib.models import History
    from lib.seed import credit_code_for
    actor = provider_actor(make_provider())
    later = NOW + timedelta(hours=3)
    pid = products.create_product(actor=actor, data=GOOD_PRODUCT, now=NOW)
    products.update_product(actor=actor, product_id=pid, data={**GOOD_PRODUCT, "price": "9900"}, now=later)
    eid = engineers.add_engineer(actor=actor, data={"name": "张伟", "mobile": "13851700001"}, now=NOW)
    engineers.update_engineer(actor=actor, engineer_id=eid, data={"name": "张伟", "mobile": "13851700002"},
                              now=later + timedelta(minutes=1))
    providers.update_provider(actor=COMMISSION, provider_id=actor.provider_id,
                              data={"name": "南京改名信息服务有限公司", "credit_code": credit_code_for(7, "320000"),
                                    "phone": "025-83001234", "contact": "周明"}, now=later + timedelta(minutes=2))
    with db.read_session() as s:
        stamped = s.execute(select(History.action, History.at).where(History.action.in_(
            ["update_product", "update_engineer", "update_provider"])).order_by(History.id)).all()
    assert stamped == [("update_product", later), ("update_engineer", later + timedelta(minutes=1)),
                       ("update_provider", later + timedelta(minutes=2))]
