"""Entry point: page config, login gate, and the navigation of the user's role."""
import html
from functools import partial

import streamlit as st

from lib import stats
from lib.labels import COPYRIGHT, PLATFORM_TITLE, ROLE_LABELS
from ui import auth_gate, cards, nav, todo_views, voucher_views, widgets

st.set_page_config(page_title=PLATFORM_TITLE, page_icon="🎫", layout="wide")
# Streamlit leaves 6rem above the content for the top navigation; half of it is plenty here.
# Voucher numbers in lists are tertiary buttons: make them read as links. Streamlit's English input
# hints ("Press Enter to apply") are hidden: every word a user sees is Chinese.
st.html("<style>[data-testid=stMainBlockContainer]{padding-top:3rem}"
        "[data-testid=stMain] button[kind=tertiary] p{color:#1f5fa8;text-decoration:underline;font-size:1rem}"
        "[data-testid=InputInstructions]{display:none}"
        # More of Streamlit's English: the table toolbar (Download as CSV, Search, Fullscreen; our 导出Excel
        # replaces it) is hidden, the keyboard skip link and the phone's menu button speak Chinese.
        "[data-testid=stElementToolbar]{display:none}"
        ".st-key-login_box [data-testid=stFormSubmitButton] button{background:#1f5fa8;border-color:#1f5fa8;"
        "color:#fff}"
        "@media (max-width:640px){.st-key-page_title h4{font-size:1.05rem;white-space:nowrap}}"
        "[data-testid=stSkipToContent]{font-size:0}[data-testid=stSkipToContent]::after{content:'跳到主要内容';"
        "font-size:1rem}"
        "[data-testid=stExpandSidebarButton]::after{content:'菜单';font-size:1rem;margin-left:.25rem}"
        # An empty date field's segments read 年-月-日, not yyyy-mm-dd.
        "[data-testid=stDateInputField] [role=spinbutton][data-placeholder=true]{font-size:0}"
        "[data-testid=stDateInputField] [data-placeholder=true]::after{font-size:.875rem;opacity:.6}"
        "[data-testid=stDateInputField] [data-placeholder=true][data-type=year]::after{content:'年'}"
        "[data-testid=stDateInputField] [data-placeholder=true][data-type=month]::after{content:'月'}"
        "[data-testid=stDateInputField] [data-placeholder=true][data-type=day]::after{content:'日'}"
        # Phones (Streamlit stacks columns below 640 px): the voucher list becomes cards, see ui.voucher_views._rows.
        ".phone-only{display:none}"
        "@media (max-width:640px){.st-key-voucher_list_head{display:none}"
        ".st-key-voucher_list [data-testid=stHorizontalBlock]{border:1px solid rgba(49,51,63,.2);"
        "border-radius:.5rem;padding:.25rem .75rem .5rem;margin-bottom:.5rem;gap:0}"
        ".st-key-voucher_list [data-testid=stHorizontalBlock]>[data-testid=stColumn]:nth-child(n+3){display:none}"
        ".phone-only{display:block;color:#555;font-size:.9rem}}" + cards.CSS + voucher_views.ROW_CSS + "</style>")

st.html(widgets.KEYPAD_JS, unsafe_allow_javascript=True)

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

# One reading of the tables' versions (what every cached statistic is keyed on) serves the whole run.
with stats.one_reading():
    items = nav.MENUS[account.role]
    waiting = {}
    if account.must_change_password:
        items = [nav.CHANGE_PASSWORD, nav.LOGOUT]
    else:
        waiting = todo_views.badges(account.actor())
    pages = []
    for index, item in enumerate(items):
        target = partial(auth_gate.logout_page, authenticator) if item is nav.LOGOUT else item.path
        # The first page is served at “/”; its own path goes to a hidden alias below.
        pages.append(st.Page(target, title=todo_views.menu_title(item.title, waiting.get(item.url, 0)),
                             url_path=f"{item.url}_home" if index == 0 else item.url, default=index == 0))
    # The first page lives at “/”; its own path (/vouchers, a bookmark) opens it too instead of Streamlit's English
    # “Page not found”.
    pages.append(st.Page(partial(st.switch_page, pages[0]), title=pages[0].title, url_path=items[0].url,
                         visibility="hidden"))
    current = st.navigation(pages, position="top")
    if st.session_state.pop(auth_gate.FRESH_LOGIN, False) and current.url_path == nav.LOGOUT.url:
        st.switch_page(pages[0])  # logging in again from the 退出 page must not log out at once
    if not account.must_change_password and st.session_state.pop(auth_gate.GO_HOME, False):
        st.switch_page(pages[0])  # a one-time password just changed: on to the work
    auth_gate.issue_pending_cookie(authenticator)

    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.container(key="page_title").markdown(f"#### {auth_gate.title_line()}")
    # The name is typed by users (an enterprise names itself): escape it before it goes into HTML.
    right.markdown(f"<div style='text-align:right'>{html.escape(account.display_name)}"
                   f"（{ROLE_LABELS[account.role]}）</div>",
                   unsafe_allow_html=True)
    if account.must_change_password:
        st.warning("首次登录或密码已被重置，请先修改密码。")
    auth_gate.password_notice(welcome=True)
    current.run()
st.divider()
st.caption(COPYRIGHT)
