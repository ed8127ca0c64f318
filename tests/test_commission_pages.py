"""AppTest page tests of the commission console on the demo database."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lib import db
from lib.models import Product, User, Withdrawal
from lib.seed import credit_code_for
from lib.workflow import VoucherStatus as S
from tests.apptest import click, logged_in, open_tab, texts
from tests.builders import account, make_voucher, voucher_row
from tests.test_provider_pages import widget

pytestmark = [pytest.mark.page, pytest.mark.usefixtures("fresh_streamlit_caches")]


def page(name: str, **query):
    at = logged_in("admin", **query)
    return at.switch_page(f"pages/{name}_page.py").run()


def test_the_voucher_list_has_a_provider_filter_and_the_issue_tabs(demo):
    at = logged_in("admin")
    assert [t.label for t in at.tabs] == ["服务券列表", "发放", "批量发放", "批次设置"]
    assert "统一社会信用代码" not in [t.label for t in at.text_input]  # only the open tab is drawn
    widget(at.selectbox, "服务商").set_value("朗坤智慧科技股份有限公司")
    at = click(at, "搜索")
    assert sorted(b.label for b in at.button if b.label.isdigit()) == ["1700008", "1700009"]


def test_issue_one_voucher_and_see_the_one_time_password_once(demo):
    at = open_tab(logged_in("admin"), "voucher_tabs", "发放")
    assert "服务券号" not in [t.label for t in at.text_input]  # the list's search is not drawn meanwhile
    widget(at.text_input, "统一社会信用代码").input(credit_code_for(515151))
    widget(at.text_input, "企业名称").input("南京新发企业有限公司")
    widget(at.selectbox, "所属区").set_value("鼓楼区")
    at = click(at, "发放")
    assert "已发放服务券" in texts(at) and "一次性密码：" in texts(at)
    at.run()
    assert "一次性密码：" not in texts(at)  # shown once only


def test_batch_settings_refuse_bad_input(demo):
    at = open_tab(logged_in("admin"), "voucher_tabs", "批次设置")
    widget(at.text_input, "面额（元）").input("-1")
    at = click(at, "保存批次")
    assert [e.value for e in at.error] == ["面额（元）：不能小于0"]


def test_approve_a_withdrawal(demo):
    v = make_voucher(S.CONFIRMED, withdrawal_pending=False)
    from lib import vouchers
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="换服务商")
    at = page("withdrawals")
    assert "撤回原因：换服务商" in texts(at)
    at = click(at, "批准", nth=-1)  # the newest request is listed last
    assert f"已批准服务券{v['number']}的撤回。" in texts(at)
    assert voucher_row(v["number"]).status == S.ACTIVATED


def test_settle_from_the_settlement_page(demo):
    v = make_voucher(S.EVALUATED)
    at = page("settlements")
    widget(at.multiselect, "选择要兑付的服务券（仅材料齐全的可选）").set_value([v["number"]])
    at = click(at, "兑付")
    assert "已兑付1张服务券。" in texts(at)
    assert voucher_row(v["number"]).status == S.SETTLED


def test_voucher_numbers_in_the_commissions_tables_open_the_voucher(demo):
    at = page("settlements")
    waiting, settled = (frame.value for frame in at.dataframe)
    assert waiting["服务券号"].str.fullmatch(r"/\?voucher=\d+").all() and len(waiting)
    assert settled["服务券号"].str.fullmatch(r"/\?voucher=\d+").all() and len(settled)
    at = page("withdrawals")
    assert any("](/?voucher=" in m.value for m in at.markdown)


def test_approve_a_product(demo):
    from lib import products
    actor = account("langkun").actor()
    products.create_product(actor=actor,
                            data={"name": "朗坤新品", "category": "信息安全", "price": "9000", "problems": "防护"})
    at = page("product_review")
    assert "朗坤新品" in texts(at) and "新增产品" in texts(at)
    at = click(at, "审核通过")
    assert "“朗坤新品”已上架。" in texts(at)
    with db.read_session() as s:
        assert s.scalar(select(Product.status).where(Product.name == "朗坤新品")) == "on_sale"


def test_void_and_extend_from_the_detail(demo):
    v = make_voucher(S.EXPIRED)
    at = logged_in("admin", voucher=v["number"])
    widget(at.text_input, "延期原因").input("企业出差")
    at = click(at, "延期")
    assert "已延期15天。" in texts(at) and voucher_row(v["number"]).status == S.ISSUED
    at = click(at, "作废")
    assert [e.value for e in at.error] == ["作废原因：不能为空"]
    widget(at.text_input, "作废原因").input("企业注销")
    at = click(at, "作废")
    assert "服务券已作废。" in texts(at) and voucher_row(v["number"]).status == S.VOIDED


def account_row(username: str) -> User:
    with db.read_session() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_users_reset_a_password_and_lock(demo):
    from lib import auth
    at = page("users")
    widget(at.selectbox, "选择账户").set_value("langkun")
    at = click(at.run(), "重置密码")
    assert "账户langkun的一次性密码" in texts(at)
    password = texts(at).split("一次性密码：")[1][:12]
    assert auth.verify_login("langkun", password).must_change_password  # the password shown is the one stored
    widget(at.selectbox, "选择账户").set_value("langkun")
    at = click(at.run(), "锁定")
    assert "账户langkun已锁定。" in texts(at)
    assert account_row("langkun").locked_until is not None and account("langkun") is None
    widget(at.selectbox, "选择账户").set_value("langkun")
    at = click(at.run(), "解锁")
    assert "账户langkun已解锁。" in texts(at)
    assert account_row("langkun").locked_until is None and account("langkun") is not None


def test_disable_and_enable_an_account(demo):
    at = page("users")
    widget(at.selectbox, "选择账户").set_value("provider2")
    at = click(at.run(), "停用")
    assert "账户provider2已停用。" in texts(at) and account_row("provider2").active is False
    widget(at.selectbox, "选择账户").set_value("provider2")
    at = click(at.run(), "启用")
    assert "账户provider2已启用。" in texts(at) and account_row("provider2").active is True


def pending_withdrawal() -> dict:
    from lib import vouchers
    v = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=v["enterprise"], number=v["number"], reason="换服务商")
    return v


def withdrawal_statuses(voucher_id: int) -> list[str]:
    with db.read_session() as s:
        return s.scalars(select(Withdrawal.status).where(Withdrawal.voucher_id == voucher_id)).all()


def test_reject_a_withdrawal_needs_a_reason_and_keeps_the_voucher(demo):
    v = pending_withdrawal()
    at = page("withdrawals")
    at = click(at, "驳回", nth=-1)  # the newest request is listed last
    assert [e.value for e in at.error] == ["审核意见：驳回时必填"]
    assert voucher_row(v["number"]).withdrawal_pending and withdrawal_statuses(v["id"]) == ["pending"]
    [t for t in at.text_input if t.label == "审核意见（驳回时必填）"][-1].input("理由不充分")
    at = click(at, "驳回", nth=-1)
    assert f"已驳回服务券{v['number']}的撤回。" in texts(at)
    row = voucher_row(v["number"])
    assert (row.status, row.withdrawal_pending, row.provider_id) == (S.CONFIRMED, False, v["provider_id"])
    assert withdrawal_statuses(v["id"]) == ["rejected"]


def test_reject_a_product_and_take_one_off_sale(demo):
    from lib import products
    actor = account("langkun").actor()
    products.create_product(actor=actor, data={"name": "朗坤待审产品", "category": "信息安全", "price": "9000",
                                              "problems": "防护"})
    at = page("product_review")
    at = click(at, "不通过")
    assert [e.value for e in at.error] == ["审核意见：不通过时必填"]
    assert product_status("朗坤待审产品") == "pending"
    widget(at.text_input, "审核意见（不通过时必填）").input("资质不全")
    at = click(at, "不通过")
    assert "“朗坤待审产品”审核不通过。" in texts(at) and product_status("朗坤待审产品") == "rejected"
    on_sale = "“由你飞”运营管控平台-企业版"
    with db.read_session() as s:
        product_id = s.scalar(select(Product.id).where(Product.name == on_sale))
    widget(at.selectbox, "产品").set_value(product_id)
    at = click(at, "下架")
    assert [e.value for e in at.error] == ["原因：下架时必填"] and product_status(on_sale) == "on_sale"
    widget(at.selectbox, "产品").set_value(product_id)
    widget(at.text_input, "原因（下架时必填）").input("投诉较多")
    at = click(at, "下架")
    assert "已下架。" in texts(at) and product_status(on_sale) == "off_sale"


def product_status(name: str) -> str:
    with db.read_session() as s:
        return s.scalar(select(Product.status).where(Product.name == name))


def test_the_audit_log_shows_actions_in_chinese(demo):
    at = page("audit_log")
    assert not at.exception and "第1页" in texts(at)


@pytest.mark.parametrize("name", ["enterprises", "providers", "product_review", "withdrawals", "settlements", "users",
                                  "audit_log"])
def test_every_commission_page_renders(demo, name):
    at = page(name)
    assert not at.exception


def test_the_batch_tab_offers_the_template(demo):
    at = open_tab(logged_in("admin"), "voucher_tabs", "批量发放")
    assert "下载Excel模板" in [d.proto.label for d in at.get("download_button")]


def test_a_provider_or_region_added_shows_in_the_filters_at_the_next_run(demo):
    """The filters' option lists are kept between runs, but only until their table is written to."""
    from lib import providers
    from lib.models import Region
    admin = account("admin").actor()
    at = logged_in("admin")
    stats_page = logged_in("admin")
    stats_page.switch_page("pages/voucher_stats_page.py").run()

    def options(app, label: str) -> list[str]:
        return next(s for s in app.selectbox if s.label == label).options

    assert "南京后来服务商" not in options(at, "服务商") and "南京后来服务商" not in options(stats_page, "服务商")
    providers.create_provider(actor=admin, data={"name": "南京后来服务商", "credit_code": credit_code_for(77, "320104"),
                                                 "phone": "025-84561234", "contact": "赵六"})
    with db.transaction() as session:
        session.add(Region(name="测试新设区", kind="devzone", sort_order=99, active=True))
    at.run()
    stats_page.run()
    assert "南京后来服务商" in options(at, "服务商") and "南京后来服务商" in options(stats_page, "服务商")
    assert "测试新设区" in options(at, "区域") and "测试新设区" in options(stats_page, "区域")
