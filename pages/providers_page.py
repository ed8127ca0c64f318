"""服务商管理: add, edit, suspend/resume providers and their logins; a suspended provider's live vouchers."""
import streamlit as st

from lib import auth, providers
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.widgets import (
    attempt,
    edit_form,
    editable_list,
    export_button,
    field_note,
    form_buttons,
    form_summary,
    keep,
    keypad,
    page_header,
)

FORM = "provider_form"
COLUMNS = {"name": "服务商名称", "credit_code": "统一社会信用代码", "contact": "联系人", "phone": "公司电话",
           "address": "公司地址", "status_label": "状态", "products": "上架产品", "live": "办理中服务券",
           "username": "登录账户"}
actor = current_actor()
page_header("服务商管理")
if notice := st.session_state.pop("provider_login", None):
    st.info(f"服务商登录账户名：{notice[0]}　一次性密码：{notice[1]}（仅显示这一次，请转交服务商；首次登录须修改密码）")
search = st.text_input("服务商名称", placeholder="输入名称中的字查找", key="prov_search")
frame = providers.all_providers(actor, search)


def _remember_login(made: tuple[int, str | None, str | None]) -> None:
    _, username, password = made
    if username:  # the login is optional: a provider added without one shows no password
        st.session_state["provider_login"] = (username, password)


def provider_form(row=None) -> None:
    def field(where, name: str, label: str, limit: int, kind: str | None = None) -> None:
        """One text field and, under it, what its last submit was refused for."""
        with where, (keypad(kind, name) if kind else st.container()):
            data[name] = st.text_input(label, value=(getattr(row, name) or "") if row is not None else "",
                                       max_chars=limit)
            field_note(FORM, label)

    data: dict = {}
    with edit_form("provider_edit", "服务商", row):
        c1, c2 = st.columns(2)
        field(c1, "name", "服务商名称", 100)
        field(c2, "credit_code", "统一社会信用代码", 18)
        c1, c2, c3 = st.columns(3)
        field(c1, "contact", "联系人", 40)
        field(c2, "phone", "公司电话", 40, "tel")
        field(c3, "fax", "公司传真", 40, "tel")
        c1, c2 = st.columns(2)
        field(c1, "address", "公司地址", 200)
        field(c2, "website", "公司网站", 200)
        username = st.text_input("登录账户名（可留空，稍后在用户管理中创建）", max_chars=40) if row is None else None
        form_summary(FORM)
        if row is None:
            form_buttons(FORM, lambda: providers.create_provider(actor=actor, data=data, username=username or None),
                         "服务商已新增。", on_done=_remember_login, fields=FORM)
        else:
            form_buttons(FORM, lambda: providers.update_provider(actor=actor, provider_id=row.id, data=data),
                         "服务商信息已修改。", fields=FORM)


if editable_list(FORM, provider_form, frame, "新增服务商"):
    card_table(frame[list(COLUMNS)].rename(columns=COLUMNS), key="providers", title="服务商名称",
               phones=("公司电话",))
    export_button(frame, COLUMNS, title="服务商列表", filters={"服务商名称": search})
    names = dict(zip(frame["id"], frame["name"], strict=True))
    chosen = st.selectbox("选择服务商进行操作", list(names), format_func=names.get, index=None, placeholder="请选择",
                          key="prov_chosen")
    if chosen is not None:
        row = next(frame[frame["id"] == chosen].itertuples())
        c1, c2, c3 = st.columns([1, 1, 4])
        if c1.button("修改"):
            st.session_state[FORM] = int(row.id)
            st.rerun()
        if row.username and c2.button("重置登录密码"):
            attempt(lambda: auth.reset_password(actor=actor, username=row.username),
                    on_done=keep("provider_login", lambda password: (row.username, password)))
        if st.session_state.get(FORM) == int(row.id):
            provider_form(row)
        with st.form(f"status_{row.id}"):
            if not row.suspended:
                reason = st.text_input("暂停原因", max_chars=500)
                if st.form_submit_button("暂停服务商"):
                    attempt(lambda: providers.set_status(actor=actor, provider_id=int(row.id), suspended=True,
                                                         reason=reason),
                            f"“{row.name}”已暂停：产品不再向企业展示，账户不能登录。")
            else:
                st.caption("该服务商已暂停。")
                if st.form_submit_button("恢复服务商"):
                    attempt(lambda: providers.set_status(actor=actor, provider_id=int(row.id), suspended=False),
                            f"“{row.name}”已恢复。")
        live = providers.live_vouchers(actor, int(row.id))
        st.markdown(f"**办理中的服务券（{len(live)}张）**" + ("　服务商已暂停，请逐一处理（撤回、作废或延期）。"
                                                       if row.suspended and len(live) else ""))
        if not live.empty:
            named = live.rename(columns={"number": "服务券号", "enterprise_name": "企业名称", "status_label": "状态"})
            card_table(named[["服务券号", "企业名称", "状态"]], key="provider_live", title="服务券号",
                       voucher="服务券号")
