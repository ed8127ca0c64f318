"""企业信息: review and complete the enterprise profile; submitting it activates a 待激活 voucher."""
from datetime import date

import streamlit as st

from lib import clock, drafts, enterprises, queries, sizes, vouchers
from lib.labels import ENTERPRISE_FIELDS as F
from lib.labels import ENTERPRISE_SIZES, money_field_labels
from lib.workflow import Action
from ui.auth_gate import current_actor
from ui.widgets import (
    answer,
    attempt,
    field_note,
    form_summary,
    keypad,
    opened_version,
    page_header,
    required_marks,
)

FORM = drafts.PROFILE
actor = current_actor()
profile = enterprises.enterprise_profile(actor)
waiting = [v for v in queries.enterprise_vouchers(actor) if Action.ACTIVATE in v.actions]
page_header("企业信息")
if waiting:
    st.info(f"服务券{waiting[0].number}待激活：请核对并完善以下全部信息后提交，提交即激活服务券"
            f"（剩余{waiting[0].days_left}天）。")
money = money_field_labels(profile["year"])
FIELDS = ["credit_code", "name", "region", "legal_rep", "founded_on", "address", "contact", "phone", "qq", "email",
          *money, "employees", "size", "difficulty", "remark"]


def as_typed(field: str, value: object) -> object:
    """A saved value as its widget holds it: text for text fields (amounts without trailing zeros)."""
    if field in ("region", "size", "founded_on"):
        return value
    if value is None:
        return ""
    return f"{value.normalize():f}" if field in money else str(value)


def forget_draft() -> None:
    """After a submit (whose transaction deleted the draft) or 放弃草稿: the form reopens from the saved profile."""
    for key in [k for k in st.session_state if str(k).startswith("pf_")]:
        del st.session_state[key]


def restorable(field: str, value: object) -> bool:
    """A draft's value the form can show again: not the identity (only the commission changes it, maybe since
    the draft was kept) and, for a choice, still one of the options."""
    options = {"region": regions, "size": ENTERPRISE_SIZES}
    return (field in saved and field not in enterprises.IDENTITY_FIELDS
            and (field not in options or value is None or value in options[field]))


regions = queries.regions()["name"].tolist()
saved = {field: as_typed(field, profile.get(field)) for field in FIELDS}
if "pf_legal_rep" not in st.session_state:  # the form opens (again): the saved profile, then any draft over it
    draft = drafts.load(actor, FORM)
    opening = saved | ({k: v for k, v in draft.values.items() if restorable(k, v)} if draft else {})
    for field, value in opening.items():
        st.session_state[f"pf_{field}"] = value
    st.session_state["pf_draft"] = draft.values if draft else None
    st.session_state["pf_draft_at"] = draft.saved_at if draft else None
if st.session_state.get("pf_draft_at"):
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.info(f"已恢复您{clock.fmt_datetime(st.session_state['pf_draft_at'])}填写但尚未提交的内容。")
    if right.button("放弃草稿"):
        drafts.discard(actor=actor, form=FORM)
        forget_draft()
        st.rerun()
required_marks([f"pf_{field}" for field in enterprises.PROFILE_REQUIRED])
st.caption("带 * 的为必填项；填写内容会自动保存为草稿，提交后清除。")


def text(field: str, where=st, **kw) -> str:
    return where.text_input(F.get(field, field), key=f"pf_{field}", **kw)


def note(label: str, where=st) -> None:
    field_note(FORM, label, where)


IDENTITY_HELP = "发券时登记，企业不能自行修改；如需更正请联系经信委"
version = opened_version(FORM, "enterprise", profile["version"])
c1, c2 = st.columns(2)
data = {"credit_code": text("credit_code", c1, max_chars=18, disabled=True, help=IDENTITY_HELP),
        "name": text("name", c2, max_chars=100, disabled=True, help=IDENTITY_HELP)}
c1, c2, c3 = st.columns(3)
data["region"] = c1.selectbox(F["region"], regions, key="pf_region")
data["legal_rep"] = text("legal_rep", c2, max_chars=40)
note(F["legal_rep"], c2)
data["founded_on"] = c3.date_input(F["founded_on"], format="YYYY-MM-DD", min_value=date(1900, 1, 1),
                                   key="pf_founded_on")
note(F["founded_on"], c3)
data["address"] = text("address", max_chars=200)
note(F["address"])
c1, c2, c3, c4 = st.columns(4)
data["contact"] = text("contact", c1, max_chars=40)
note(F["contact"], c1)
with c2, keypad("tel", "phone"):
    data["phone"] = text("phone", max_chars=40, help="手机或带区号的固定电话，如 139 1234 5678、025-8456 7890")
    note(F["phone"])
with c3, keypad("numeric", "qq"):
    data["qq"] = text("qq", max_chars=12)
    note(F["qq"])
data["email"] = text("email", c4, max_chars=100)
note(F["email"], c4)

st.markdown("##### 经营情况（单位：万元）")
with keypad("decimal", "money"):
    cols = st.columns(3)
    for index, (field, label) in enumerate(money.items()):
        data[field] = cols[index % 3].text_input(label, key=f"pf_{field}")
        note(label, cols[index % 3])
c1, c2, c3 = st.columns(3)
with c1, keypad("numeric", "employees"):
    data["employees"] = text("employees", help="人")
    note(F["employees"])
industry = c2.selectbox("所属行业（用于测算企业规模）", sizes.INDUSTRIES, index=sizes.INDUSTRIES.index("工业"),
                        key="pf_industry")
with c2, keypad("decimal", "assets"):
    assets = st.text_input(sizes.MEASURES["assets"] + "，用于测算企业规模", key="pf_assets") \
        if "assets" in sizes.measures_for(industry) else None
suggestion = sizes.suggest_size(industry, employees=data["employees"] or None, revenue=data["revenue_prev"] or None,
                                assets=assets or None)
# The suggestion fills 企业规模 while the enterprise has not chosen one; a choice is never overwritten.
if st.session_state.get("pf_size") is None and suggestion:
    st.session_state["pf_size"] = suggestion
data["size"] = c3.selectbox(F["size"], ENTERPRISE_SIZES, placeholder="请选择", key="pf_size")
note(F["size"], c3)
if suggestion:
    c3.caption(f"按工信部联企业〔2011〕300号测算为：{suggestion}企业，可按实际情况修改")
data["difficulty"] = st.text_area(F["difficulty"], key="pf_difficulty", max_chars=500)
note(F["difficulty"])
data["remark"] = st.text_area(F["remark"], key="pf_remark", max_chars=500)
note(F["remark"])

# The draft: what differs from the saved profile is kept on the server at every change (a field is committed
# when the cursor leaves it), and dropped once the values equal the saved ones again.
typed = {field: data[field] for field in FIELDS}
if saved["size"] is None and data["size"] == suggestion:  # the suggestion alone is not a change
    saved["size"] = suggestion
if typed != st.session_state.get("pf_draft") and (typed != saved or st.session_state.get("pf_draft")):
    answer(lambda: drafts.save(actor=actor, form=FORM, values=typed) if typed != saved
           else drafts.discard(actor=actor, form=FORM))
    st.session_state["pf_draft"] = typed if typed != saved else None

form_summary(FORM)
if waiting:
    if st.button(f"提交并激活服务券{waiting[0].number}", type="primary"):
        attempt(lambda: vouchers.activate(actor=actor, number=waiting[0].number, profile=data),
                f"服务券{waiting[0].number}已激活，请在30天内选择服务商和产品。", close=FORM, fields=FORM,
                on_done=lambda _: forget_draft())
elif st.button("保存", type="primary"):
    attempt(lambda: enterprises.update_profile(actor=actor, data=data, version=version), "企业信息已保存。",
            close=FORM, fields=FORM, on_done=lambda _: forget_draft())
