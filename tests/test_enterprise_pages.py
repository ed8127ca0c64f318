"""AppTest page tests of the enterprise portal on the demo database."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib import clock, queries
from lib.labels import CRITERIA
from lib.workflow import VoucherStatus as S
from tests.apptest import click, logged_in, texts
from tests.builders import account, make_voucher, voucher_row
from tests.test_provider_pages import widget

pytestmark = [pytest.mark.page, pytest.mark.usefixtures("fresh_streamlit_caches")]
YY = clock.utcnow().year % 100
NEW_USER = f"qy{YY:02d}00001"
NEW_NUMBER = f"{YY:02d}00001"


def enterprise_id(username: str) -> int:
    return account(username).enterprise_id


def fill_profile(at, **overrides):
    values = {"法定代表人": "王伟", "地址": "南京市栖霞区仙林大道1号", "联系人": "李娜", "联系电话": "13912345678",
              "邮箱": "li@example.com", f"{2000 + YY - 1}年总产值": "800", f"{2000 + YY}年预计总产值": "900",
              f"{2000 + YY - 1}年营业收入": "760", f"{2000 + YY}年预计营业收入": "850", f"{2000 + YY - 1}年利润": "60",
              f"{2000 + YY}年预计利润": "70", "从业人数": "45", **overrides}
    for label, value in values.items():
        widget(at.text_input, label).input(value)
    widget(at.date_input, "成立日期").set_value(date(2015, 6, 1))
    return at.run()


def test_my_vouchers_show_the_deadline_and_next_step(demo):
    at = logged_in(NEW_USER)
    body = texts(at)
    assert NEW_NUMBER in [b.label for b in at.button]
    assert "请在15天内完善企业信息并激活" in body and "待激活" in body and "剩余15天" in body


def test_activation_through_the_profile_with_a_size_suggestion(demo):
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    assert "服务券" + NEW_NUMBER + "待激活" in texts(at)
    at = fill_profile(at, 邮箱="not-an-email")
    assert widget(at.selectbox, "企业规模").value == "小型"  # 工业, 45 人, 760 万元
    assert "按工信部联企业〔2011〕300号测算为：小型企业" in texts(at)
    at = click(at, f"提交并激活服务券{NEW_NUMBER}")
    assert [e.value for e in at.error] == ["邮箱：邮箱格式不正确"]
    assert voucher_row(NEW_NUMBER).status == S.ISSUED
    widget(at.text_input, "邮箱").input("li@example.com")
    at = click(at, f"提交并激活服务券{NEW_NUMBER}")
    assert f"服务券{NEW_NUMBER}已激活" in texts(at)
    assert voucher_row(NEW_NUMBER).status == S.ACTIVATED


def test_one_submit_shows_every_wrong_field_under_that_field(demo):
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    at = fill_profile(at, 邮箱="not-an-email", 联系电话="12345", 法定代表人="", **{f"{2000 + YY - 1}年营业收入": "-5"})
    at = click(at, f"提交并激活服务券{NEW_NUMBER}")
    revenue = f"{2000 + YY - 1}年营业收入"
    # 企业规模 too: with a negative 营业收入 nothing is suggested, and nothing was chosen
    assert [e.value for e in at.error] == [
        f"有5项需要修改，已在各项下方标出：企业规模、法定代表人、联系电话、邮箱、{revenue}"]
    notes = [m.value for m in at.markdown if m.value.startswith(":red[")]
    phone = "号码无效，请输入手机号码或带区号的固定电话（如025&#45;8312 3456，分机写“转801”）"
    assert notes == [":red[不能为空]", f":red[{phone}]", ":red[邮箱格式不正确]", ":red[不能小于0]", ":red[请选择]"]
    assert voucher_row(NEW_NUMBER).status == S.ISSUED
    # the values typed stay, so fixing them is one more submit
    assert widget(at.text_input, "联系电话").value == "12345"
    for label, value in (("邮箱", "li@example.com"), ("联系电话", "025-83123456"), ("法定代表人", "王伟"),
                         (revenue, "-5.5")):
        widget(at.text_input, label).input(value)
    widget(at.selectbox, "企业规模").select("小型")
    at = click(at, f"提交并激活服务券{NEW_NUMBER}")
    assert [e.value for e in at.error] == [f"{revenue}：不能小于0"]
    widget(at.text_input, revenue).input("760")
    at = click(at, f"提交并激活服务券{NEW_NUMBER}")
    assert not at.error and voucher_row(NEW_NUMBER).status == S.ACTIVATED
    assert not [m.value for m in at.markdown if m.value.startswith(":red[")]


def test_an_industry_measured_by_assets_asks_for_them_before_it_suggests(demo):
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    at = fill_profile(at)
    widget(at.selectbox, "所属行业（用于测算企业规模）").select("建筑业")
    at = at.run()
    assert not any("测算为" in t for t in texts(at))  # 营业收入 760 万元, but 资产总额 not given yet
    widget(at.text_input, "资产总额（万元），用于测算企业规模").input("5000")
    at = at.run()
    assert "按工信部联企业〔2011〕300号测算为：小型企业" in texts(at)  # 760 < 6000 万元 营业收入: not 中型
    widget(at.selectbox, "所属行业（用于测算企业规模）").select("农、林、牧、渔业")
    at = at.run()
    assert "按工信部联企业〔2011〕300号测算为：中型企业" in texts(at)  # 营业收入 only: 760 ≥ 500 万元
    assert not [w for w in at.text_input if w.label.startswith("资产总额")]


def test_choose_a_product_from_the_catalogue(demo):
    make_voucher(S.ACTIVATED, enterprise_id=enterprise_id("qy1700008"), number="1799999",
                 expires_at=clock.utcnow() + timedelta(days=30))  # the page chooses at today's time, not NOW's
    at = logged_in("qy1700008")
    at.switch_page("pages/catalogue_page.py").run()
    widget(at.text_input, "搜索产品或服务商名称").input("朗坤")
    at = at.run()
    assert "“由你飞”运营管控平台-企业版" in texts(at) and "应付：9,800.00元" in texts(at)
    at = click(at, "选择")
    assert "确认用服务券1799999选择““由你飞”运营管控平台-企业版”" in texts(at)
    at = click(at, "确认选择")
    assert "请等待服务商确认" in texts(at)
    assert voucher_row("1799999").status == S.PENDING_CONFIRM


def test_the_catalogue_explains_why_nothing_can_be_chosen(demo):
    at = logged_in(NEW_USER)
    at.switch_page("pages/catalogue_page.py").run()
    assert "尚未激活" in texts(at)
    assert all(b.disabled for b in at.button if b.label == "选择")


def test_evaluate_a_delivered_voucher_once(demo):
    v = make_voucher(S.DELIVERED, enterprise_id=enterprise_id("qy1700008"))
    at = logged_in("qy1700008")
    at.switch_page("pages/evaluate_page.py").run()
    at = click(at, "提交评价")
    assert [e.value for e in at.error] == ["问题是否解决：请选择"]
    scores = [9, 9, 10, 14, 14, 13, 9, 14]  # 92
    for (_field, label, maximum), score in zip(CRITERIA, scores, strict=True):
        widget(at.number_input, f"{label}（满分{maximum}分）").set_value(score)
    at = at.run()
    assert [m.value for m in at.metric] == ["92 / 100", "优秀"]
    widget(at.radio, "问题是否解决").set_value("已解决")
    widget(at.multiselect, "实施信息化后对企业有哪些改善（必选，可多选）").set_value(["提高生产效率"])
    at = click(at, "提交评价")
    assert [e.value for e in at.error] == ["企业下一步信息化建设的重点：请至少选择一项"]
    widget(at.multiselect, "企业下一步信息化建设的重点（必选，可多选）").set_value(["电子商务"])
    at = click(at, "提交评价")
    assert "评价已提交：总分92（优秀）" in texts(at)
    assert voucher_row(v["number"]).status == S.EVALUATED
    assert "暂无待评价的服务券" in texts(at)


def test_a_score_above_its_maximum_is_said_in_chinese_and_the_total_names_what_it_leaves_out(demo):
    make_voucher(S.DELIVERED, enterprise_id=enterprise_id("qy1700008"))
    at = logged_in("qy1700008")
    at.switch_page("pages/evaluate_page.py").run()
    (_, first_label, first_max), (_, second_label, _) = CRITERIA[0], CRITERIA[1]
    assert "总分尚未计入：" + "、".join(label for _, label, _ in CRITERIA) + "（未打分或分数超出范围）" in texts(at)
    widget(at.number_input, f"{first_label}（满分{first_max}分）").set_value(99)
    for _field, label, maximum in CRITERIA[2:]:
        widget(at.number_input, f"{label}（满分{maximum}分）").set_value(maximum)
    at = at.run()
    assert f":red[应在0到{first_max}分之间]" in [m.value for m in at.markdown]
    counted = sum(maximum for _, _, maximum in CRITERIA[2:])
    assert [m.value for m in at.metric] == [f"{counted} / 100", "—"]
    assert f"总分尚未计入：{first_label}、{second_label}（未打分或分数超出范围）" in texts(at)
    widget(at.radio, "问题是否解决").set_value("已解决")
    at = click(at, "提交评价")  # refused by the service too, in Chinese
    assert any(f"{first_label}：应在0到{first_max}分之间" in e.value for e in at.error)


def test_withdraw_from_the_detail(demo):
    at = logged_in("qy1700008", voucher="1700008")
    at = click(at, "提交撤回申请")
    assert [e.value for e in at.error] == ["撤回原因：不能为空"]
    widget(at.text_area, "撤回原因").input("想更换服务商")
    at = click(at, "提交撤回申请")
    assert "撤回申请已提交" in texts(at) and "已确认（撤回申请待审核）" in texts(at)
    assert voucher_row("1700008").withdrawal_pending


def test_an_expired_voucher_says_when_and_whom_to_contact(demo):
    v = make_voucher(S.ISSUED, enterprise_id=enterprise_id("qy1700008"),
                     expires_at=clock.utcnow() - timedelta(days=2))
    at = logged_in("qy1700008", voucher=v["number"])
    body = texts(at)
    assert "已过期" in body and "未在期限内完成激活" in body and "请联系南京市经济和信息化委员会" in body


def test_the_detail_is_read_only_for_the_enterprise(demo):
    at = logged_in("qy1700008", voucher="1700008")
    labels = {b.label for b in at.button}
    assert not labels & {"确认购买", "合同签订", "添加服务信息", "编辑交付记录", "修改"}
    assert queries.voucher_detail(account("qy1700008").actor(), "1700008").product is not None


def test_the_pdf_button_appears_once_delivered(demo):
    make_voucher(S.DELIVERED, enterprise_id=enterprise_id("qy1700008"), number="1799998")
    at = logged_in("qy1700008", voucher="1799998")
    assert not at.exception
    from lib import documents
    if documents.chinese_font() is None:
        assert documents.NO_FONT in texts(at)
    else:
        assert [d.proto.label for d in at.get("download_button")] == ["打印服务券（PDF）"]


def test_a_half_filled_profile_survives_a_reload_until_it_is_submitted(demo):
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    assert not any("已恢复" in i.value for i in at.info)
    at = fill_profile(at, 邮箱="")
    at = logged_in(NEW_USER)  # F5: a new session of the same user
    at.switch_page("pages/profile_page.py").run()
    assert any("填写但尚未提交的内容" in i.value for i in at.info)
    assert widget(at.text_input, "法定代表人").value == "王伟"
    assert widget(at.date_input, "成立日期").value == date(2015, 6, 1)
    widget(at.text_input, "邮箱").input("li@example.com")
    at = click(at, f"提交并激活服务券{NEW_NUMBER}")
    assert voucher_row(NEW_NUMBER).status == S.ACTIVATED
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    assert not any("已恢复" in i.value for i in at.info)  # submitted: no draft left over


def test_a_draft_can_be_thrown_away(demo):
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    widget(at.text_input, "法定代表人").input("王伟")
    at.run()
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    assert widget(at.text_input, "法定代表人").value == "王伟"
    at = click(at, "放弃草稿")
    assert widget(at.text_input, "法定代表人").value == ""
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    assert not any("已恢复" in i.value for i in at.info) and widget(at.text_input, "法定代表人").value == ""


def test_a_draft_never_brings_back_a_stale_identity_or_a_region_that_is_gone(demo):
    from lib import drafts, enterprises
    actor = account(NEW_USER).actor()
    profile = enterprises.enterprise_profile(actor)
    drafts.save(actor=actor, form=drafts.PROFILE, values={"name": "旧名称有限公司", "region": "已撤销区",
                                                          "legal_rep": "王伟"})
    at = logged_in(NEW_USER)
    at.switch_page("pages/profile_page.py").run()
    assert not at.exception
    assert widget(at.text_input, "法定代表人").value == "王伟"
    assert widget(at.text_input, "企业名称").value == profile["name"]
    assert widget(at.selectbox, "所属区").value == profile["region"]
