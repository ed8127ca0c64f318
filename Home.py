"""Entry point: page config, login gate, and the navigation of the user's role."""
import html
from functools import partial

import streamlit as st

from lib.labels import COPYRIGHT, PLATFORM_TITLE, ROLE_LABELS
from ui import auth_gate, nav, todo_views

st.set_page_config(page_title=PLATFORM_TITLE, page_icon="🎫", layout="wide")
# Streamlit leaves 6rem above the content for the top navigation; half of it is plenty here.
# Voucher numbers in lists are tertiary buttons: make them read as links. Streamlit's English input
# hints ("Press Enter to apply") are hidden: every word a user sees is Chinese.
st.html("<style>[data-testid=stMainBlockContainer]{padding-top:3rem}"
        "[data-testid=stMain] button[kind=tertiary] p{color:#1f5fa8;text-decoration:underline;font-size:1rem}"
        "[data-testid=InputInstructions]{display:none}</style>")

auth_gate.refuse_unsafe_start()
authenticator = auth_gate.build_authenticator()
account = auth_gate.current_account(authenticator)

if account is None:
    show_login = partial(auth_gate.login_form, authenticator)
    pages = [st.Page(show_login, title="登录", url_path="login", default=True)]
    # Every app path is served by the login form while logged out, so /page?voucher=… survives login.
    pages += [st.Page(show_login, title="登录", url_path=url, visibility="hidden") for url in nav.all_urls()]
    st.navigation(pages, position="hidden").run()
    st.caption(COPYRIGHT)
    st.stop()

items = nav.MENUS[account.role]
waiting = {}
if account.must_change_password:
    items = [nav.CHANGE_PASSWORD, nav.LOGOUT]
else:
    waiting = todo_views.badges(account.actor())
pages = []
for index, item in enumerate(items):
    target = partial(auth_gate.logout_page, authenticator) if item is nav.LOGOUT else item.path
    pages.append(st.Page(target, title=todo_views.menu_title(item.title, waiting.get(item.url, 0)), url_path=item.url,
                         default=index == 0))
current = st.navigation(pages, position="top")
if st.session_state.pop(auth_gate.FRESH_LOGIN, False) and current.url_path == nav.LOGOUT.url:
    st.switch_page(pages[0])  # logging in again from the 退出 page must not log out at once
auth_gate.issue_pending_cookie(authenticator)

left, right = st.columns([3, 2], vertical_alignment="bottom")
left.markdown(f"#### {auth_gate.title_line()}")
# The name is typed by users (an enterprise names itself): escape it before it goes into HTML.
right.markdown(f"<div style='text-align:right'>{html.escape(account.display_name)}"
               f"（{ROLE_LABELS[account.role]}）</div>",
               unsafe_allow_html=True)
if account.must_change_password:
    st.warning("首次登录或密码已被重置，请先修改密码。")
current.run()
st.divider()
st.caption(COPYRIGHT)
