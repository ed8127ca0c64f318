"""企业管理: search, view and correct enterprises; create or reset an enterprise's login."""
import streamlit as st

from lib import auth, enterprises, queries
from lib.labels import ENTERPRISE_SIZES
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.widgets import attempt, export_button, keep, opened_version, page_header, pager, plain

FORM = "enterprise_form"
actor = current_actor()
page_header("企业管理")
if notice := st.session_state.pop("enterprise_login", None):
    st.info(f"企业登录账户名：{notice[0]}　一次性密码：{notice[1]}（仅显示这一次，请转交企业；首次登录须修改密码）")
regions = queries.regions()["name"].tolist()
c1, c2 = st.columns([2, 1])
search = c1.text_input("企业名称或统一社会信用代码", key="ent_search")
region = c2.selectbox("所属区", ["请选择", *regions], key="ent_region")
page = st.session_state.get("ent_page", 1)
result = enterprises.search_enterprises(actor, search=search, region=None if region == "请选择" else region, page=page)
rows, total = result.rows, result.total
if total == 0:
    st.markdown("没有记录!")
else:
    listed = {"name": "企业名称", "credit_code": "统一社会信用代码", "region": "所属区", "size": "企业规模",
              "contact": "联系人", "phone": "联系电话", "vouchers": "服务券", "username": "登录账户"}
    card_table(rows[list(listed)].rename(columns=listed), key="enterprises", title="企业名称", phones=("联系电话",))
COLUMNS = {"credit_code": "统一社会信用代码", "name": "企业名称", "region": "所属区", "size": "企业规模",
           "legal_rep": "法定代表人",
           "address": "地址", "contact": "联系人", "phone": "联系电话", "email": "邮箱", "vouchers": "服务券",
           "username": "登录账户"}
if total:
    export_button(lambda: enterprises.search_enterprises(actor, search=search,
                                                         region=None if region == "请选择" else region,
                                                         page_size=5000).rows,
                  COLUMNS, title="企业列表", label="导出Excel（最多5,000条）",
                  filters={"企业名称或代码": search, "所属区": "" if region == "请选择" else region})
pager("ent_page", result)
if total:
    names = dict(zip(rows["id"], rows["name"], strict=True))
    chosen = st.selectbox("选择企业", list(names), format_func=names.get, index=None, placeholder="请选择",
                          key="ent_chosen")
    if chosen is not None:
        row = next(rows[rows["id"] == chosen].itertuples())
        version = opened_version(FORM, row.id, int(row.version))
        with st.form(f"enterprise_{row.id}"):
            st.markdown(f"**修改企业：{plain(row.name)}**")
            c1, c2, c3 = st.columns(3)
            data = {"credit_code": c1.text_input("统一社会信用代码", value=row.credit_code, max_chars=18),
                    "name": c2.text_input("企业名称", value=row.name, max_chars=100),
                    "region": c3.selectbox("所属区", regions, index=regions.index(row.region))}
            c1, c2, c3 = st.columns(3)
            data["size"] = c1.selectbox("企业规模", ENTERPRISE_SIZES, placeholder="可留空",
                                        index=ENTERPRISE_SIZES.index(row.size) if row.size in ENTERPRISE_SIZES
                                        else None)
            data["legal_rep"] = c2.text_input("法定代表人", value=row.legal_rep or "", max_chars=40)
            data["contact"] = c3.text_input("联系人", value=row.contact or "", max_chars=40)
            c1, c2, c3 = st.columns(3)
            data["phone"] = c1.text_input("联系电话", value=row.phone or "", max_chars=40)
            data["email"] = c2.text_input("邮箱", value=row.email or "", max_chars=100)
            data["address"] = c3.text_input("地址", value=row.address or "", max_chars=200)
            if st.form_submit_button("保存", type="primary"):
                attempt(lambda: enterprises.admin_update(actor=actor, enterprise_id=int(row.id), data=data,
                                                         version=version), "企业信息已保存。", close=FORM)
        if row.username:
            if st.button(f"重置登录密码（{row.username}）"):
                attempt(lambda: auth.reset_password(actor=actor, username=row.username),
                        on_done=keep("enterprise_login", lambda password: (row.username, password)))
        else:
            with st.form(f"login_{row.id}"):
                username = st.text_input("新建登录账户名", value=f"qy{row.credit_code[-8:].lower()}", max_chars=40)
                if st.form_submit_button("创建登录账户"):
                    attempt(lambda: auth.create_user(actor=actor, username=username, display_name=row.name,
                                                     role="enterprise", enterprise_id=int(row.id)), "登录账户已创建。",
                            on_done=keep("enterprise_login", lambda made: (username.lower(), made[1])))
