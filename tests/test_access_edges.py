"""Who may see and change what, at the edges: accounts without a company, exports, locks, the
commission-only services. Every refusal also checks that nothing was written."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lib import auth, db, enterprises, products, queries, review
from lib.actors import Actor
from lib.errors import PermissionDenied, ValidationError
from lib.labels import Role
from lib.models import Enterprise, Product, User
from lib.queries import VoucherFilters
from lib.workflow import VoucherStatus as S
from lib.workflow import owns
from tests.builders import (
    COMMISSION,
    NOW,
    enterprise_actor,
    history_count,
    make_enterprise,
    make_product,
    make_provider,
    make_user,
    make_voucher,
    provider_actor,
)

ORPHAN_PROVIDER = Actor(user_id=None, username="orphan", role=Role.PROVIDER, provider_id=None)
ORPHAN_ENTERPRISE = Actor(user_id=None, username="orphan2", role=Role.ENTERPRISE, enterprise_id=None)


# ---------------------------------------------------------------- a login without a company sees nothing

def test_a_provider_login_without_a_company_does_not_own_unbound_vouchers(database):
    unbound = make_voucher(S.ACTIVATED)  # provider_id is NULL, like the orphan's
    row = queries.voucher_detail(COMMISSION, unbound["number"])
    assert row.provider_id is None
    assert not owns(row, ORPHAN_PROVIDER)
    with pytest.raises(PermissionDenied, match="^无权查看该服务券$"):
        queries.voucher_detail(ORPHAN_PROVIDER, unbound["number"])
    with pytest.raises(PermissionDenied, match="^无权查看该服务券$"):
        queries.voucher_history(ORPHAN_PROVIDER, unbound["number"])


@pytest.mark.parametrize("orphan", [ORPHAN_PROVIDER, ORPHAN_ENTERPRISE], ids=["provider", "enterprise"])
def test_a_login_without_a_company_gets_an_empty_list_and_export(database, orphan):
    make_voucher(S.ISSUED)
    make_voucher(S.ACTIVATED)
    make_voucher(S.CONFIRMED)
    assert queries.voucher_page(COMMISSION).total == 3
    page = queries.voucher_page(orphan)
    assert (page.total, len(page.rows)) == (0, 0)
    assert len(queries.voucher_export_rows(orphan)) == 0
    assert queries.enterprise_vouchers(orphan) == []


def test_the_excel_export_holds_only_the_providers_own_vouchers(database):
    mine = make_provider()
    a = make_voucher(S.CONFIRMED, provider_id=mine)
    b = make_voucher(S.DELIVERED, provider_id=mine)
    other = make_voucher(S.CONFIRMED)
    make_voucher(S.ISSUED)
    rows = queries.voucher_export_rows(provider_actor(mine))
    assert sorted(rows["number"]) == sorted([a["number"], b["number"]])
    assert sorted(queries.voucher_export_rows(enterprise_actor(other["enterprise_id"]))["number"]) == [other["number"]]
    assert len(queries.voucher_export_rows(COMMISSION)) == 4
    # the filters apply to the export exactly as to the list
    assert queries.voucher_export_rows(provider_actor(mine), VoucherFilters(status=S.DELIVERED))["number"].tolist() == [
        b["number"]]


# ---------------------------------------------------------------- accounts

def user(username: str) -> User:
    with db.read_session() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_a_session_ends_while_the_account_is_locked_and_resumes_after(database):
    make_user("officer1")
    assert auth.account_of(user("officer1").id) is not None
    with db.transaction() as s:
        s.scalars(select(User).where(User.username == "officer1")).one().locked_until = NOW + timedelta(days=3650)
    assert auth.account_of(user("officer1").id) is None
    with db.transaction() as s:
        s.scalars(select(User).where(User.username == "officer1")).one().locked_until = NOW - timedelta(days=3650)
    assert auth.account_of(user("officer1").id).username == "officer1"  # a lock that has run out no longer counts


def test_locking_and_unlocking_are_stored(database):
    admin = make_user("admin1")
    make_user("officer1")
    with db.transaction() as s:
        s.scalars(select(User).where(User.username == "officer1")).one().failed_logins = 3
    auth.set_locked(actor=admin.actor(), username="officer1", locked=True, now=NOW)
    locked = user("officer1")
    assert locked.locked_until >= NOW + timedelta(days=365 * 99) and locked.failed_logins == 0
    assert auth.account_of(user("officer1").id) is None
    assert auth.accounts(COMMISSION, search="officer1")["locked"].tolist() == [True]
    auth.set_locked(actor=admin.actor(), username="officer1", locked=False, now=NOW)
    assert user("officer1").locked_until is None and auth.account_of(user("officer1").id) is not None
    assert auth.accounts(COMMISSION, search="officer1")["locked"].tolist() == [False]


def test_nobody_locks_or_disables_their_own_account(database):
    admin = make_user("admin1")
    before = history_count()
    with pytest.raises(Exception, match="不能锁定自己的账户"):
        auth.set_locked(actor=admin.actor(), username="admin1", locked=True, now=NOW)
    with pytest.raises(Exception, match="不能停用自己的账户"):
        auth.set_active(actor=admin.actor(), username="admin1", active=False, now=NOW)
    assert (user("admin1").locked_until, user("admin1").active, history_count()) == (None, True, before)


@pytest.mark.parametrize("who", ["provider", "enterprise"])
def test_only_the_commission_locks_disables_resets_or_creates_accounts(database, who):
    make_user("officer1")
    v = make_voucher(S.CONFIRMED)
    actor = v[who]
    before = history_count()
    for call in (lambda: auth.set_locked(actor=actor, username="officer1", locked=True, now=NOW),
                 lambda: auth.set_active(actor=actor, username="officer1", active=False, now=NOW),
                 lambda: auth.reset_password(actor=actor, username="officer1", now=NOW),
                 lambda: auth.create_user(actor=actor, username="intruder", display_name="x", role=Role.COMMISSION,
                                          password="Passw0rd!1", now=NOW)):
        with pytest.raises(PermissionDenied, match="^只有经信委可以管理账户$"):
            call()
    officer = user("officer1")
    assert (officer.locked_until, officer.active, officer.must_change_password) == (None, True, False)
    with db.read_session() as s:
        assert s.scalar(select(User.id).where(User.username == "intruder")) is None
    assert history_count() == before


# ---------------------------------------------------------------- commission-only services

def test_only_the_commission_corrects_an_enterprise(database):
    ent = make_enterprise("南京原名有限公司")
    v = make_voucher(S.CONFIRMED, enterprise_id=ent)
    before = history_count()
    for actor in (v["provider"], v["enterprise"]):
        with pytest.raises(PermissionDenied, match="^只有经信委可以修改企业信息$"):
            enterprises.admin_update(actor=actor, enterprise_id=ent, data={"name": "南京新名有限公司"}, now=NOW)
    with db.read_session() as s:
        assert s.get(Enterprise, ent).name == "南京原名有限公司"
    assert history_count() == before


def test_a_rejected_product_is_never_on_sale(database):
    provider = make_provider()
    product = make_product(provider, status="pending")
    before = history_count()
    with pytest.raises(ValidationError, match="^审核意见：不通过时必填$"):
        review.decide(actor=COMMISSION, product_id=product, approve=False, reason=" ", now=NOW)
    assert history_count() == before
    review.decide(actor=COMMISSION, product_id=product, approve=False, reason="资质不全", now=NOW)
    with db.read_session() as s:
        p = s.get(Product, product)
        assert (p.status, p.review_note, p.updated_at) == ("rejected", "资质不全", NOW)
    assert product not in set(review.products_in(COMMISSION, "on_sale")["id"])
    result = products.offered_products()
    offered, total = result.rows, result.total
    assert product not in set(offered["id"]) and total == 0
    with pytest.raises(ValidationError, match="只有已下架的产品可以重新上架"):
        review.set_on_sale(actor=COMMISSION, product_id=product, on_sale=True, now=NOW)
    with db.read_session() as s:
        assert s.get(Product, product).status == "rejected"


def test_taking_a_product_off_sale_and_back_is_stored(database):
    product = make_product(make_provider(), status="on_sale")
    with pytest.raises(ValidationError, match="^原因：下架时必填$"):
        review.set_on_sale(actor=COMMISSION, product_id=product, on_sale=False, now=NOW)
    review.set_on_sale(actor=COMMISSION, product_id=product, on_sale=False, reason="投诉较多", now=NOW)
    with db.read_session() as s:
        assert (s.get(Product, product).status, s.get(Product, product).review_note) == ("off_sale", "投诉较多")
    with pytest.raises(ValidationError, match="该产品已是“已下架”"):
        review.set_on_sale(actor=COMMISSION, product_id=product, on_sale=False, reason="再次", now=NOW)
    review.set_on_sale(actor=COMMISSION, product_id=product, on_sale=True, now=NOW)
    with db.read_session() as s:
        assert s.get(Product, product).status == "on_sale"


@pytest.mark.parametrize("who", ["provider", "enterprise"])
def test_only_the_commission_reviews_products(database, who):
    v = make_voucher(S.CONFIRMED)
    product = make_product(v["provider_id"], status="pending")
    for call in (lambda: review.decide(actor=v[who], product_id=product, approve=True, now=NOW),
                 lambda: review.set_on_sale(actor=v[who], product_id=product, on_sale=False, reason="x", now=NOW)):
        with pytest.raises(PermissionDenied):
            call()
    with db.read_session() as s:
        assert s.get(Product, product).status == "pending"


def test_the_export_row_of_a_settled_voucher(database):
    from datetime import timedelta as td
    from decimal import Decimal

    from tests.builders import TODAY, make_enterprise, rows
    provider = make_provider("朗坤")
    v = make_voucher(S.SETTLED, provider_id=provider, enterprise_id=make_enterprise("测试11", "江宁区"))
    [row] = rows(queries.voucher_export_rows(COMMISSION).drop(columns=["credit_code", "product_name", "issued_at"]))
    assert row == [v["number"], "测试11", "江宁区", "settled", False, "朗坤", Decimal("10000.00"), Decimal("19800.00"),
                   TODAY - td(days=16), TODAY - td(days=5), TODAY - td(days=1), "已兑付"]
    full = queries.voucher_export_rows(COMMISSION).iloc[0]
    assert full["issued_at"] == NOW - td(days=20) and full["product_name"].startswith("产品")
    assert len(full["credit_code"]) == 18
    assert list(queries.VOUCHER_EXPORT_COLUMNS) == ["number", "enterprise_name", "credit_code", "region",
                                                    "status_label",
                                                    "provider_name", "product_name", "face_value", "price", "issued_at",
                                                    "contract_date", "delivered_on", "settled_on"]
