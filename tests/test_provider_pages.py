"""AppTest page tests of the provider workspace (manual §1–5) as `langkun` on the demo database."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lib import clock, db
from lib.models import Product, Provider, ServiceRecord, Voucher
from lib.seed import LANGKUN
from lib.workflow import VoucherStatus as S
from tests.apptest import button_labels, click, logged_in, texts
from tests.builders import make_enterprise, make_voucher, voucher_row
from ui.voucher_detail import LOCKED_NOTE

pytestmark = [pytest.mark.page, pytest.mark.usefixtures("fresh_streamlit_caches")]


def langkun_id() -> int:
    with db.read_session() as s:
        return s.scalar(select(Provider.id).where(Provider.name == LANGKUN))


def widget(items, label):
    matches = [w for w in items if w.label == label]
    assert matches, f"没有“{label}”"
    return matches[0]


def search(at, **fields):
    labels = {"number": "服务券号", "name": "企业名称"}
    for key, value in fields.items():
        if key in labels:
            widget(at.text_input, labels[key]).input(value)
        else:
            widget(at.selectbox, {"region": "区域", "status": "状态"}[key]).set_value(value)
    return click(at, "搜索")


def listed(at) -> list[str]:
    return [b.label for b in at.button if b.label.isdigit() and len(b.label) == 7]


def test_search_by_number_finds_exactly_that_voucher(demo):
    at = search(logged_in("langkun"), number="1700008")
    assert listed(at) == ["1700008"]
    assert "测试11" in texts(at) and "江宁区" in texts(at) and "测试1212" not in texts(at)
    assert "第1到第1条 共1条" in texts(at)
    assert at.query_params["number"] == "1700008"


def test_multi_condition_search_and_the_empty_state(demo):
    at = search(logged_in("langkun"), name="测试", region="江宁区")
    assert listed(at) == ["1700008"]
    at = search(logged_in("langkun"), status="已交付")
    assert listed(at) == ["1700009"]
    at = search(logged_in("langkun"), number="9999")
    assert listed(at) == [] and "没有记录!" in texts(at) and "第1页 共0页" in texts(at)


def test_filters_and_page_come_back_from_the_url(demo):
    at = logged_in("langkun", name="测试", region="玄武区")
    assert listed(at) == ["1700009"]
    assert widget(at.text_input, "企业名称").value == "测试"


def test_twenty_rows_a_page_with_the_manuals_counters(demo):
    for _ in range(45):
        make_voucher(S.CONFIRMED, provider_id=langkun_id())
    at = logged_in("langkun")
    assert len(listed(at)) == 20
    assert "第1页 共3页" in texts(at) and "第1到第20条 共47条" in texts(at)
    at = click(at, "下一页")
    assert "第2页 共3页" in texts(at) and "第21到第40条 共47条" in texts(at)
    at = click(at, "末页")
    assert len(listed(at)) == 7 and "第41到第47条 共47条" in texts(at)
    assert at.query_params["page"] == "3"


# Buttons each status offers the bound provider (DESIGN.md §2, manual §3–4).
OFFERED = {
    S.PENDING_CONFIRM: {"确认购买", "无法提供"},
    S.CONFIRMED: {"合同签订"},
    S.DELIVERED: {"添加服务信息", "编辑交付记录", "修改"},
    S.EVALUATED: set(),
    S.SETTLED: set(),
    S.VOIDED: set(),
}
ALL_ACTIONS = {"确认购买", "无法提供", "合同签订", "添加服务信息", "编辑交付记录", "修改"}


@pytest.mark.parametrize("status", list(OFFERED))
def test_the_detail_offers_only_the_actions_of_its_status(demo, status):
    v = make_voucher(status, provider_id=langkun_id())
    at = logged_in("langkun", voucher=v["number"])
    assert not at.exception
    assert set(button_labels(at)) & ALL_ACTIONS == OFFERED[status]
    body = texts(at)
    assert f"服务券号：{v['number']}" in body and "办理记录" in body
    # the enterprise's details fold away while the provider has a next step to take
    (info,) = [e for e in at.expander if e.label == "企业信息"]
    assert "联系人" in "".join(str(m.value) for m in info.markdown)
    assert info.proto.expanded is not bool(OFFERED[status] - {"修改"})
    if status in (S.EVALUATED, S.SETTLED):
        assert LOCKED_NOTE in body and "评价信息" in body


def test_confirm_purchase_from_the_detail(demo):
    v = make_voucher(S.PENDING_CONFIRM, provider_id=langkun_id())
    at = logged_in("langkun", voucher=v["number"])
    widget(at.text_input, "备注（可选）").input("已电话联系企业")
    at = click(at, "确认购买")
    assert "已确认购买。" in texts(at)
    assert voucher_row(v["number"]).status == S.CONFIRMED
    assert "合同签订" in button_labels(at)


def test_declining_without_a_reason_is_refused_at_the_form(demo):
    v = make_voucher(S.PENDING_CONFIRM, provider_id=langkun_id())
    at = click(logged_in("langkun", voucher=v["number"]), "无法提供")
    assert "无法提供的原因：不能为空" in [e.value for e in at.error]
    assert voucher_row(v["number"]).status == S.PENDING_CONFIRM


def test_sign_the_contract_then_add_and_edit_a_service_record(demo):
    today = clock.local_date()
    at = logged_in("langkun", voucher="1700008")
    widget(at.date_input, "合同签订日期").set_value(today)
    at = click(at, "合同签订")
    assert "合同签订日期已保存。" in texts(at)
    at = click(at, "添加服务信息")
    assert "添加服务记录" in texts(at)
    engineer = widget(at.selectbox, "服务工程师")
    assert engineer.placeholder == "请选择服务工程师" and engineer.value is None
    assert engineer.options == ["张伟（实施工程师）", "李娜（售后工程师）"]  # 王强 has left
    engineer.select_index(0)
    widget(at.date_input, "日期").set_value(today)
    widget(at.text_area, "服务描述").input("上门部署系统并培训")
    widget(at.text_input, "备注").input("客户满意")
    at = click(at, "确定")
    assert "服务信息已添加。" in texts(at)
    assert f"张伟 在 {today.isoformat()} 提供了服务" in texts(at)
    at = click(at, "修改")
    widget(at.text_area, "服务描述").input("上门部署系统并培训两名操作员")
    at = click(at, "确定")
    assert "服务信息已修改。" in texts(at) and "服务描述：上门部署系统并培训两名操作员" in texts(at)


def test_an_empty_service_form_is_refused_and_nothing_is_saved(demo):
    at = click(logged_in("langkun", voucher="1700009"), "添加服务信息")
    at = click(at, "确定")
    assert [e.value for e in at.error] == ["服务工程师：请选择服务工程师"]
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(ServiceRecord).join(Voucher)
                        .where(Voucher.number == "1700009")) == 1


def test_record_the_delivery(demo):
    today = clock.local_date()
    at = logged_in("langkun", voucher="1700008")
    widget(at.date_input, "合同签订日期").set_value(today)
    at = click(click(at, "合同签订"), "编辑交付记录")
    widget(at.date_input, "交付日期").set_value(today)
    widget(at.text_area, "交付内容").input("平台上线，交付操作手册")
    at = click(at, "确定")
    assert "交付记录已保存。" in texts(at) and "**服务券状态**：已交付" in texts(at)


def test_add_a_product_which_then_waits_for_review(demo):
    at = logged_in("langkun")
    at.switch_page("pages/products_page.py").run()
    at = click(at, "新增产品")
    widget(at.text_input, "服务产品名称").input("朗坤云OA")
    widget(at.selectbox, "类别").set_value("办公自动化（OA）/协同办公")
    widget(at.text_input, "价格（元）").input("abc")
    widget(at.text_area, "解决问题").input("审批、公文、协同")
    at = click(at, "确定")
    assert [e.value for e in at.error] == ["价格（元）：请输入数字金额"]
    widget(at.text_input, "价格（元）").input("16800")
    at = click(at, "确定")
    assert "产品已提交，等待经信委审核。" in texts(at)
    with db.read_session() as s:
        assert s.scalar(select(Product.status).where(Product.name == "朗坤云OA")) == "pending"


def test_an_empty_product_form_names_every_missing_field_under_it(demo):
    at = logged_in("langkun")
    at.switch_page("pages/products_page.py").run()
    at = click(at, "新增产品")
    widget(at.text_input, "价格（元）").input("-3")
    at = click(at, "确定")
    assert [e.value for e in at.error] == ["有4项需要修改，已在各项下方标出：服务产品名称、类别、价格（元）、解决问题"]
    assert [m.value for m in at.markdown if m.value.startswith(":red[")] == [
        ":red[不能为空]", ":red[请选择]", ":red[不能小于0]", ":red[不能为空]"]
    assert widget(at.text_input, "价格（元）").value == "-3"  # the form stays open with what was typed


def test_add_an_engineer_and_mark_one_as_left(demo):
    at = logged_in("langkun")
    at.switch_page("pages/engineers_page.py").run()
    at = click(at, "新增人员")
    widget(at.text_input, "姓名").input("陈工")
    widget(at.text_input, "手机").input("1390000")
    at = click(at, "确定")
    assert [e.value for e in at.error] == ["手机：请输入11位手机号码（如139 1234 5678）"]
    widget(at.text_input, "手机").input("13900000099")
    at = click(at, "确定")
    assert "人员已添加。" in texts(at)
    at = click(at, "离职")
    assert "已标记为离职。" in texts(at)


def test_another_providers_voucher_is_refused_by_deep_link(demo):
    other = make_voucher(S.CONFIRMED, enterprise_id=make_enterprise("别家企业"))
    at = logged_in("langkun", voucher=other["number"])
    assert [e.value for e in at.error] == ["无权查看该服务券"] and "别家企业" not in texts(at)
