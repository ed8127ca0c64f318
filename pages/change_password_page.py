"""修改密码: old password, new password twice; rules enforced in lib.auth."""
import streamlit as st

from lib import auth
from ui.auth_gate import client_address, current_actor, password_changed, password_notice
from ui.widgets import attempt

actor = current_actor()
st.subheader("修改密码")
st.caption("新密码至少8位，必须同时包含字母和数字。")
password_notice(welcome=False)
with st.form("change_password", clear_on_submit=True):  # a changed password does not stay on the screen
    old = st.text_input("原密码", type="password")
    new = st.text_input("新密码", type="password")
    again = st.text_input("确认新密码", type="password")
    submitted = st.form_submit_button("确定", type="primary")
if submitted:
    if new != again:
        st.error("确认新密码：两次输入的新密码不一致")
    else:
        attempt(lambda: auth.change_password(actor.username, old, new, client=client_address()),
                on_done=password_changed)
