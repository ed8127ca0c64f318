"""用户管理: accounts by role; reset a password (one-time, shown once), lock/unlock, disable/enable."""
import streamlit as st

from lib import auth, clock
from lib.labels import ROLE_LABELS, Role
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.widgets import attempt, export_button, keep, page_header

COLUMNS = {"username": "账户名", "display_name": "名称", "role_label": "角色", "state": "状态",
           "failed_logins": "连续错误次数",
           "created_at": "创建时间"}
actor = current_actor()
page_header("用户管理")
if notice := st.session_state.pop("user_password", None):
    st.info(f"账户{notice[0]}的一次性密码：{notice[1]}（仅显示这一次；该用户下次登录须修改密码）")
roles = {"全部": None, **{ROLE_LABELS[r]: str(r) for r in (Role.COMMISSION, Role.PROVIDER, Role.ENTERPRISE)}}
c1, c2 = st.columns([1, 2])
role = c1.selectbox("角色", list(roles), key="user_role")
search = c2.text_input("账户名或名称", key="user_search")
users = auth.accounts(actor, role=roles[role], search=search)
users["role_label"] = users["role"].map(lambda r: ROLE_LABELS[Role(r)])
users["state"] = ["已停用" if not active else "已锁定" if locked else "须改密码" if must else "正常"
                  for active, locked, must in zip(users["active"], users["locked"], users["must_change_password"],
                                                  strict=True)]
if users.empty:
    st.markdown("没有记录!")
else:
    shown = users[list(COLUMNS)].rename(columns=COLUMNS)
    card_table(shown.assign(**{"创建时间": users["created_at"].map(clock.fmt_datetime)}), key="users",
               title="账户名")
    st.caption("最多显示500个账户，请用角色和名称缩小范围。")
    export_button(users, COLUMNS, title="用户列表", filters={"角色": role, "账户名或名称": search})
    username = st.selectbox("选择账户", users["username"].tolist(), index=None, placeholder="请选择", key="user_chosen")
    if username:
        row = next(users[users["username"] == username].itertuples())
        c1, c2, c3, _ = st.columns([1, 1, 1, 3])
        if c1.button("重置密码"):
            attempt(lambda: auth.reset_password(actor=actor, username=username),
                    on_done=keep("user_password", lambda password: (username, password)))
        if c2.button("解锁" if row.locked else "锁定"):
            attempt(lambda: auth.set_locked(actor=actor, username=username, locked=not row.locked),
                    f"账户{username}已{'解锁' if row.locked else '锁定'}。")
        if c3.button("启用" if not row.active else "停用"):
            attempt(lambda: auth.set_active(actor=actor, username=username, active=not row.active),
                    f"账户{username}已{'启用' if not row.active else '停用'}。")
