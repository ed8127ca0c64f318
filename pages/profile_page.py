"""企业信息: review and complete the enterprise profile; submitting it activates a 待激活 voucher."""
from datetime import date

import streamlit as st

from lib import enterprises, queries, sizes, vouchers
from lib.labels import ENTERPRISE_FIELDS as F
from lib.labels import ENTERPRISE_SIZES, money_field_labels
from lib.workflow import Action
from ui.auth_gate import current_actor
from ui.widgets import attempt, field_note, form_summary, opened_version, page_header

FORM = "profile"
actor = current_actor()
profile = enterprises.enterprise_profile(actor)
waiting = [v for v in queries.enterprise_vouchers(actor) if Action.ACTIVATE in v.actions]
page_header("企业信息")
if waiting:
    st.info(f"服务券{waiting[0].number}待激活：请核对并完善以下全部信息后提交，提交即激活服务券"
            f"（剩余{waiting[0].days_left}天）。")


def text(field: str, **kw) -> str:
    value = profile.get(field)
    return st.text_input(F.get(field, field), value="" if value is None else str(value), key=f"pf_{field}", **kw)


def note(label: str, where=st) -> None:
    field_note(FORM, label, where)


IDENTITY_HELP = "发券时登记，企业不能自行修改；如需更正请联系经信委"
regions = queries.regions()["name"].tolist()
version = opened_version(FORM, "enterprise", profile["version"])
c1, c2 = st.columns(2)
with c1:
    data = {"credit_code": text("credit_code", max_chars=18, disabled=True, help=IDENTITY_HELP)}
with c2:
    data["name"] = text("name", max_chars=100, disabled=True, help=IDENTITY_HELP)
c1, c2, c3 = st.columns(3)
data["region"] = c1.selectbox(F["region"], regions, index=regions.index(profile["region"]), key="pf_region")
data["legal_rep"] = c2.text_input(F["legal_rep"], value=profile["legal_rep"] or "", key="pf_legal_rep", max_chars=40)
note(F["legal_rep"], c2)
data["founded_on"] = c3.date_input(F["founded_on"], value=profile["founded_on"], format="YYYY-MM-DD",
                                   min_value=date(1900, 1, 1), key="pf_founded_on")
note(F["founded_on"], c3)
data["address"] = st.text_input(F["address"], value=profile["address"] or "", key="pf_address", max_chars=200)
note(F["address"])
c1, c2, c3, c4 = st.columns(4)
data["contact"] = c1.text_input(F["contact"], value=profile["contact"] or "", key="pf_contact", max_chars=40)
note(F["contact"], c1)
data["phone"] = c2.text_input(F["phone"], value=profile["phone"] or "", key="pf_phone", max_chars=40,
                              help="手机或带区号的固定电话，如 139 1234 5678、025-8456 7890")
note(F["phone"], c2)
data["qq"] = c3.text_input(F["qq"], value=profile["qq"] or "", key="pf_qq", max_chars=12)
note(F["qq"], c3)
data["email"] = c4.text_input(F["email"], value=profile["email"] or "", key="pf_email", max_chars=100)
note(F["email"], c4)

st.markdown("##### 经营情况（单位：万元）")
money = money_field_labels(profile["year"])
cols = st.columns(3)
for index, (field, label) in enumerate(money.items()):
    value = profile.get(field)
    data[field] = cols[index % 3].text_input(label, value="" if value is None else f"{value.normalize():f}",
                                             key=f"pf_{field}")
    note(label, cols[index % 3])
c1, c2, c3 = st.columns(3)
data["employees"] = c1.text_input(F["employees"],
                                  value="" if profile["employees"] is None else str(profile["employees"]),
                                  key="pf_employees", help="人")
note(F["employees"], c1)
industry = c2.selectbox("所属行业（用于测算企业规模）", sizes.INDUSTRIES, index=sizes.INDUSTRIES.index("工业"),
                        key="pf_industry")
assets = c2.text_input(sizes.MEASURES["assets"] + "，用于测算企业规模", key="pf_assets") \
    if "assets" in sizes.measures_for(industry) else None
suggestion = sizes.suggest_size(industry, employees=data["employees"] or None, revenue=data["revenue_prev"] or None,
                                assets=assets or None)
# The suggestion fills 企业规模 while the enterprise has not chosen one; a choice is never overwritten.
st.session_state.setdefault("pf_size", profile["size"])
if st.session_state["pf_size"] is None and suggestion:
    st.session_state["pf_size"] = suggestion
data["size"] = c3.selectbox(F["size"], ENTERPRISE_SIZES, placeholder="请选择", key="pf_size")
note(F["size"], c3)
if suggestion:
    c3.caption(f"按工信部联企业〔2011〕300号测算为：{suggestion}企业，可按实际情况修改")
data["difficulty"] = st.text_area(F["difficulty"], value=profile["difficulty"] or "", key="pf_difficulty",
                                  max_chars=500)
data["remark"] = st.text_area(F["remark"], value=profile["remark"] or "", key="pf_remark", max_chars=500)

note(F["difficulty"])
note(F["remark"])

form_summary(FORM)
if waiting:
    if st.button(f"提交并激活服务券{waiting[0].number}", type="primary"):
        attempt(lambda: vouchers.activate(actor=actor, number=waiting[0].number, profile=data),
                f"服务券{waiting[0].number}已激活，请在30天内选择服务商和产品。", close=FORM, fields=FORM)
elif st.button("保存", type="primary"):
    attempt(lambda: enterprises.update_profile(actor=actor, data=data, version=version), "企业信息已保存。",
            close=FORM, fields=FORM)
