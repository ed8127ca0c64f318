"""产品审核 at its edges: what each decision stores and logs, the exact refusal for each product status,
and 'what changed' as the reviewer reads it (category names, blanks, the latest edit only)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lib import db, products, review
from lib.errors import NotFound, PermissionDenied, ValidationError
from lib.models import History, Product
from tests.builders import COMMISSION, NOW, history_count, make_product, make_provider, provider_actor, rows


def product(product_id: int) -> Product:
    with db.read_session() as s:
        return s.get(Product, product_id)


def last_history() -> History:
    with db.read_session() as s:
        return s.scalars(select(History).order_by(History.id.desc())).first()


@pytest.mark.parametrize("approve,reason,status,action", [
    (True, None, "on_sale", "approve_product"), (True, "资料齐全", "on_sale", "approve_product"),
    (False, "资质不全", "rejected", "reject_product"),
])
def test_a_decision_is_stored_and_logged(database, approve, reason, status, action):
    pid = make_product(make_provider(), status="pending")
    name = product(pid).name
    review.decide(actor=COMMISSION, product_id=pid, approve=approve, reason=reason, now=NOW)
    stored = product(pid)
    assert (stored.status, stored.review_note, stored.updated_at) == (status, reason, NOW)
    h = last_history()
    assert (h.username, h.action, h.at, h.changes) == ("officer", action, NOW,
                                                       {"product_id": pid, "name": name, "reason": reason})


@pytest.mark.parametrize("status,label", [("on_sale", "已上架"), ("off_sale", "已下架"), ("rejected", "未通过")])
def test_only_a_pending_product_can_be_decided(database, status, label):
    pid = make_product(make_provider(), status=status)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        review.decide(actor=COMMISSION, product_id=pid, approve=True, now=NOW)
    assert err.value.message == f"产品状态：该产品当前为“{label}”，不在待审核中"
    assert product(pid).status == status and history_count() == before


def test_unknown_products_are_reported(database):
    with pytest.raises(NotFound, match="^产品不存在$"):
        review.decide(actor=COMMISSION, product_id=999999, approve=True, now=NOW)
    with pytest.raises(NotFound, match="^产品不存在$"):
        review.set_on_sale(actor=COMMISSION, product_id=999999, on_sale=False, reason="x", now=NOW)


def test_off_sale_and_back_are_stored_and_logged(database):
    pid = make_product(make_provider(), status="on_sale")
    review.set_on_sale(actor=COMMISSION, product_id=pid, on_sale=False, reason="投诉较多", now=NOW)
    assert (product(pid).status, product(pid).review_note, product(pid).updated_at) == ("off_sale", "投诉较多", NOW)
    h = last_history()
    assert (h.action, h.at, h.changes) == ("take_off_sale", NOW,
                                           {"product_id": pid, "status": ["on_sale", "off_sale"], "reason": "投诉较多"})
    later = NOW + timedelta(days=1)
    review.set_on_sale(actor=COMMISSION, product_id=pid, on_sale=True, now=later)
    assert (product(pid).status, product(pid).review_note, product(pid).updated_at) == ("on_sale", None, later)
    h = last_history()
    assert (h.action, h.at, h.changes) == ("put_on_sale", later,
                                           {"product_id": pid, "status": ["off_sale", "on_sale"], "reason": None})


@pytest.mark.parametrize("status,on_sale,message", [
    ("on_sale", True, "产品状态：该产品已是“已上架”"), ("off_sale", False, "产品状态：该产品已是“已下架”"),
    ("pending", True, "产品状态：只有已下架的产品可以重新上架；待审核的产品请先审核"),
    ("rejected", True, "产品状态：只有已下架的产品可以重新上架；待审核的产品请先审核"),
])
def test_refused_status_changes_say_why_and_change_nothing(database, status, on_sale, message):
    pid = make_product(make_provider(), status=status)
    before = history_count()
    with pytest.raises(ValidationError) as err:
        review.set_on_sale(actor=COMMISSION, product_id=pid, on_sale=on_sale, reason="原因", now=NOW)
    assert err.value.message == message
    assert product(pid).status == status and history_count() == before


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_the_commission_may_take_any_product_off_sale(database, status):
    pid = make_product(make_provider(), status=status)
    review.set_on_sale(actor=COMMISSION, product_id=pid, on_sale=False, reason="服务商退出", now=NOW)
    assert product(pid).status == "off_sale"


def test_what_changed_reads_as_the_reviewer_needs_it(database):
    provider = make_provider()
    actor = provider_actor(provider)
    base = {"name": "巡检平台", "category": "信息安全", "price": "9000", "problems": "防护"}
    pid = products.create_product(actor=actor, data=base, now=NOW)
    other = products.create_product(actor=actor, data={**base, "name": "巡检平台二"}, now=NOW)
    assert review.last_change(COMMISSION, pid) == []  # a new product: nothing to compare
    products.update_product(actor=actor, product_id=pid, data={**base, "price": "9500", "target": "制造业"}, now=NOW)
    assert review.last_change(COMMISSION, pid) == [("价格（元）", "9000.00", "9500.00"), ("适用对象", "", "制造业")]
    products.update_product(actor=actor, product_id=pid, data={**base, "price": "9500", "category": "财务管理软件",
                                                              "target": ""}, now=NOW)
    assert review.last_change(COMMISSION, pid) == [("类别", "信息安全", "财务管理软件"), ("适用对象", "制造业", "")]
    assert review.last_change(COMMISSION, other) == []  # another product's edits are not this one's


def test_the_product_list_by_status(database):
    provider = make_provider("甲服务商")
    waiting = make_product(provider, status="pending")
    selling = make_product(provider, status="on_sale")
    frame = review.products_in(COMMISSION, "pending")
    assert frame["id"].tolist() == [waiting] and frame["status_label"].tolist() == ["待审核"]
    everything = review.products_in(COMMISSION, None)
    assert set(everything["id"]) == {waiting, selling}
    assert set(everything["status_label"]) == {"待审核", "已上架"} and set(everything["provider_name"]) == {"甲服务商"}


def test_the_review_queue_shows_every_field_oldest_request_first(database):
    provider = make_provider("甲服务商")
    actor = provider_actor(provider)
    first = products.create_product(actor=actor, data={"name": "巡检平台", "category": "信息安全", "price": "9000",
                                                      "target": "制造业", "problems": "防护", "cases": "某厂"}, now=NOW)
    second = products.create_product(actor=actor,
                                     data={"name": "记账软件", "category": "财务管理软件", "price": "5000.5",
                                                             "problems": "记账"},
                                    now=NOW - timedelta(days=1))
    queue = review.products_in(COMMISSION, "pending")
    assert rows(queue.drop(columns=["updated_at"])) == [
        [second, "记账软件", "甲服务商", "active", "财务管理软件", Decimal("5000.50"), None, "记账", None, "pending",
         None,
         "待审核"],
        [first, "巡检平台", "甲服务商", "active", "信息安全", Decimal("9000.00"), "制造业", "防护", "某厂", "pending",
         None, "待审核"],
    ]
    assert queue["updated_at"].tolist() == [NOW - timedelta(days=1), NOW]
    third = products.create_product(actor=actor, data={"name": "第三个", "category": "信息安全", "price": "1",
                                                      "problems": "x"}, now=NOW)
    # same time: in order of entry
    assert review.products_in(COMMISSION, "pending")["id"].tolist() == [second, first, third]


def test_what_changed_stays_the_latest_edit_after_other_actions(database):
    provider = make_provider()
    actor = provider_actor(provider)
    base = {"name": "巡检平台", "category": "信息安全", "price": "9000", "problems": "防护"}
    pid = products.create_product(actor=actor, data=base, now=NOW)
    products.update_product(actor=actor, product_id=pid, data={**base, "price": "9500"}, now=NOW)
    review.set_on_sale(actor=COMMISSION, product_id=pid, on_sale=False, reason="暂停", now=NOW)
    assert review.last_change(COMMISSION, pid) == [("价格（元）", "9000.00", "9500.00")]


def test_the_product_lists_show_the_review_note_and_default_to_the_queue(database):
    waiting = make_product(make_provider(), status="pending")
    rejected = make_product(make_provider(), status="pending")
    review.decide(actor=COMMISSION, product_id=rejected, approve=False, reason="资质不全", now=NOW)
    assert review.products_in(COMMISSION)["id"].tolist() == [waiting]  # the queue: 待审核 only
    everything = review.products_in(COMMISSION, None).set_index("id")
    assert everything.loc[rejected, ["status", "status_label", "review_note"]].tolist() == ["rejected", "未通过",
                                                                                            "资质不全"]


@pytest.mark.parametrize("who", ["provider", "enterprise"])
def test_the_refusal_says_who_may_review(database, who):
    from tests.builders import make_voucher
    v = make_voucher()
    pid = make_product(make_provider(), status="pending")
    with pytest.raises(PermissionDenied) as err:
        review.decide(actor=v[who], product_id=pid, approve=True, now=NOW)
    assert err.value.message == "只有经信委可以审核产品"
    with pytest.raises(PermissionDenied) as err:
        review.set_on_sale(actor=v[who], product_id=pid, on_sale=False, reason="x", now=NOW)
    assert err.value.message == "只有经信委可以上架或下架产品"


def test_review_notes_hold_500_characters(database):
    pid = make_product(make_provider(), status="pending")
    with pytest.raises(ValidationError) as err:
        review.decide(actor=COMMISSION, product_id=pid, approve=False, reason="意" * 501, now=NOW)
    assert err.value.message == "审核意见：不能超过500个字（当前501个字）"
    with pytest.raises(ValidationError) as err:
        review.set_on_sale(actor=COMMISSION, product_id=pid, on_sale=False, reason="意" * 501, now=NOW)
    assert err.value.message == "原因：不能超过500个字（当前501个字）"
    review.decide(actor=COMMISSION, product_id=pid, approve=False, reason="意" * 500, now=NOW)
    assert product(pid).review_note == "意" * 500
