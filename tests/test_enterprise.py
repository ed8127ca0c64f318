"""Enterprise side of lib: size class, own profile, my vouchers, the catalogue, the voucher PDF."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lib import db, documents, enterprises, products, queries, vouchers
from lib.errors import PermissionDenied, TransitionRefused, ValidationError
from lib.models import History
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, NOW, enterprise_actor, make_product, make_provider, make_voucher, provider_actor
from tests.test_vouchers import own_profile


def test_an_enterprise_updates_only_its_own_profile(database):
    v = make_voucher(S.ACTIVATED)
    actor = v["enterprise"]
    assert enterprises.update_profile(actor=actor, data=own_profile(v, contact="周敏"), now=NOW)
    assert enterprises.enterprise_profile(actor)["contact"] == "周敏"
    with pytest.raises(ValidationError, match="邮箱：邮箱格式不正确"):
        enterprises.update_profile(actor=actor, data=own_profile(v, email="x@"), now=NOW)
    with pytest.raises(PermissionDenied):
        enterprises.update_profile(actor=v["provider"], data=own_profile(v), now=NOW)
    other = make_voucher(S.ACTIVATED)
    for field in ("credit_code", "name"):  # taking another company's identity, or changing one's own
        with pytest.raises(ValidationError, match="发券后不能自行修改，如需更正请联系经信委"):
            taken = own_profile(other, **{field: own_profile(v)[field]})
            enterprises.update_profile(actor=other["enterprise"], data=taken, now=NOW)


def test_only_the_commission_changes_an_enterprises_credit_code_with_a_history_row(database):
    v = make_voucher(S.ACTIVATED)
    new_code = own_profile(make_voucher(S.ISSUED))["credit_code"]
    with pytest.raises(ValidationError, match="已被其他企业使用"):
        enterprises.admin_update(actor=COMMISSION, enterprise_id=v["enterprise_id"],
                                 data={**own_profile(v), "credit_code": new_code}, now=NOW)
    fixed = "91320000134763391X"
    assert enterprises.admin_update(actor=COMMISSION, enterprise_id=v["enterprise_id"],
                                    data={**own_profile(v), "credit_code": fixed}, now=NOW)
    assert enterprises.enterprise_profile(v["enterprise"])["credit_code"] == fixed
    with db.read_session() as s:
        row = s.scalars(select(History).order_by(History.id.desc())).first()
    assert (row.action, row.username, row.changes["credit_code"][1]) == ("update_enterprise", COMMISSION.username,
                                                                         fixed)


def test_my_vouchers_say_the_deadline_and_the_next_step(database):
    fresh = make_voucher(S.ISSUED, expires_at=NOW + timedelta(days=9, hours=3))
    (mine,) = queries.enterprise_vouchers(fresh["enterprise"], now=NOW)
    assert (mine.days_left, mine.next_step) == (10, "请在10天内完善企业信息并激活")
    waiting = make_voucher(S.PENDING_CONFIRM)
    (mine,) = queries.enterprise_vouchers(waiting["enterprise"], now=NOW)
    assert mine.next_step == "等待服务商确认" and mine.provider_name and mine.product_name
    vouchers.request_withdrawal(actor=waiting["enterprise"], number=waiting["number"], reason="换", now=NOW)
    (mine,) = queries.enterprise_vouchers(waiting["enterprise"], now=NOW)
    assert mine.next_step == "撤回申请待审核，请等待经信委审核"
    late = make_voucher(S.ISSUED, expires_at=NOW - timedelta(days=1))
    vouchers.expire(now=NOW)
    (mine,) = queries.enterprise_vouchers(late["enterprise"], now=NOW)
    assert mine.next_step == "已过期，如需延期请联系南京市经济和信息化委员会"


def test_the_catalogue_offers_only_approved_products_of_active_providers(database):
    active = make_provider("南京甲软件有限公司")
    on_sale = make_product(active, price="8000")
    make_product(active, status="pending")
    make_product(make_provider("南京乙暂停公司", status="suspended"))
    result = products.offered_products()
    rows, total = result.rows, result.total
    assert total == 1 and rows["id"].tolist() == [on_sale]
    assert rows["payable"].tolist() == [Decimal("0.00")]  # 8000 < 10000: nothing to pay
    assert products.offered_products(search="甲软件").total == 1
    assert products.offered_products(search="乙暂停").total == 0
    assert products.offered_products(category="信息安全").total == 0


needs_font = pytest.mark.skipif(documents.chinese_font() is None, reason="需要 fonts-noto-cjk（.ci/run 会安装）")


@needs_font
def test_the_voucher_pdf_embeds_a_chinese_font_once_delivered(database):
    v = make_voucher(S.DELIVERED)
    pdf = documents.voucher_pdf(v["enterprise"], v["number"])
    assert pdf.startswith(b"%PDF") and b"/FontFile" in pdf and len(pdf) > 5000
    with pytest.raises(PermissionDenied, match="无权查看该服务券"):
        documents.voucher_pdf(enterprise_actor(make_voucher(S.ISSUED)["enterprise_id"]), v["number"])
    early = make_voucher(S.CONFIRMED)
    with pytest.raises(TransitionRefused, match="服务交付后才能打印服务券"):
        documents.voucher_pdf(early["enterprise"], early["number"])


@needs_font
def test_the_pdf_is_also_available_to_the_bound_provider(database):
    v = make_voucher(S.EVALUATED)
    assert documents.voucher_pdf(provider_actor(v["provider_id"]), v["number"]).startswith(b"%PDF")
