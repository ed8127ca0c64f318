"""The login gate: streamlit-authenticator's form and cookie, with every check made in lib.auth."""
from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from lib import auth, clock, config, production, sessions
from lib.actors import Actor
from lib.errors import AuthError, DomainError
from lib.labels import DEMO_ENVIRONMENT, PLATFORM_TITLE

COOKIE_NAME = "njfwq_auth"
LOGIN_FIELDS = {"Form name": "用户登录", "Username": "账户名", "Password": "密码", "Login": "登录"}
_ACCOUNT = "account"
TOKEN = "session_token"  # the server-side session this browser session belongs to
_SET_COOKIE = "set_cookie_pending"
FRESH_LOGIN = "fresh_login"
_LOGGED_OUT = "logged_out"
LOGGED_OUT_MESSAGE = "您已安全退出。"


def _credential_entry(account: auth.Account) -> dict:
    # The authenticator keeps users in a dict; we add only the user who just proved who they are,
    # so nothing scales with the number of accounts and no password hash sits in memory.
    return {"name": account.display_name, "email": None, "password": "", "roles": [str(account.role)],
            "failed_login_attempts": 0, "logged_in": False}


@st.cache_resource(ttl=300, show_spinner=False)
def startup_problems() -> list[str]:
    """Why this production install must not serve anyone (checked once per process every 5 minutes)."""
    return production.problems(show_error_details=st.get_option("client.showErrorDetails"))


def refuse_unsafe_start() -> None:
    if problems := startup_problems():
        st.error("生产环境配置不安全，平台拒绝启动：\n\n" + "\n".join(f"- {p}" for p in problems))
        st.stop()


def title_line() -> str:
    """The platform's name, and 演示环境 beside it unless this is production."""
    return PLATFORM_TITLE + ("" if config.is_production() else f" :orange-badge[{DEMO_ENVIRONMENT}]")


def client_address() -> str | None:
    """The browser's address as the server sees it (for the per-client login throttle)."""
    try:
        address = st.context.ip_address
        if config.trusted_proxy():  # behind nginx every request comes from the proxy: take the address it saw
            address = st.context.headers.get("X-Forwarded-For", "").split(",")[-1].strip() or address
    except Exception:  # noqa: BLE001 - no request context (AppTest)
        return None
    return address if isinstance(address, str) and address else None


def _https() -> bool:
    url = getattr(st.context, "url", "") or ""
    return url.startswith("https://") or st.context.headers.get("X-Forwarded-Proto", "") == "https"


def build_authenticator() -> stauth.Authenticate:
    """One Authenticate per script run (its cookie component has fixed widget keys). Its cookie carries
    the server-side session's token, and the session decides who is logged in."""
    lifetime_days = config.session_max_hours() / 24
    authenticator = stauth.Authenticate({"usernames": {}}, COOKIE_NAME, config.cookie_key(), lifetime_days,
                                        auto_hash=False, login_sleep_time=0)
    model = authenticator.authentication_controller.authentication_model
    cookies = authenticator.cookie_controller
    cookie_model = cookies.cookie_model
    original_get_cookie = cookies.get_cookie
    refused: list[bool] = []  # get_cookie runs more than once a run; the delete component only once

    def check_credentials(username: str, password: str) -> bool:
        # Replaces the dict comparison: lock first, then bcrypt, counting failures in the database.
        if not password:
            raise AuthError("请输入密码")
        login = auth.verify_login(username, password, client=client_address())  # raises AuthError to show
        _remember(login)
        model.credentials["usernames"][login.username] = _credential_entry(login)
        st.session_state[FRESH_LOGIN] = True
        return True

    def get_cookie() -> dict | None:
        token = original_get_cookie()
        if not token:
            return None
        account = auth.session_account(token.get("sid"))
        if account is None:  # no such session: logged out, revoked, idle, expired, or the account is over
            if not refused:
                refused.append(True)
                cookies.delete_cookie()
            return None
        model.credentials["usernames"][account.username] = _credential_entry(account)
        st.session_state[_ACCOUNT] = account
        st.session_state[TOKEN] = token["sid"]
        return token

    def set_cookie() -> None:
        # The library's cookie, with the session's token in it, `secure` over HTTPS and never sent cross-site.
        expires = datetime.now() + timedelta(days=lifetime_days)
        cookie_model.exp_date = expires.timestamp()
        value = jwt.encode({"username": st.session_state["username"], "sid": st.session_state.get(TOKEN),
                            "exp_date": cookie_model.exp_date}, cookie_model.cookie_key, algorithm="HS256")
        cookie_model.cookie_manager.set(COOKIE_NAME, value, expires_at=expires, secure=_https(), same_site="strict")

    model.check_credentials = check_credentials
    cookies.get_cookie = get_cookie
    cookie_model.set_cookie = set_cookie
    return authenticator


def _remember(login: auth.Login) -> None:
    st.session_state[_ACCOUNT] = login
    st.session_state[TOKEN] = login.token
    st.session_state[_SET_COOKIE] = True


def login_form(authenticator: stauth.Authenticate) -> None:
    """The login page (also served at every other path while logged out, so deep links survive)."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        # one line at any width (15 characters): the size follows the screen
        st.markdown(f"<h2 style='text-align:center;white-space:nowrap;font-size:clamp(1.1rem,4.4vw,1.9rem)'>"
                    f"{PLATFORM_TITLE}</h2>", unsafe_allow_html=True)
        if not config.is_production():
            st.markdown(f":orange-badge[{DEMO_ENVIRONMENT}]", text_alignment="center")
        if st.session_state.get(_LOGGED_OUT):
            # A new login starts a new browser session (a full page load): nothing of the old session
            # survives, and the cookie component works as on a first visit.
            st.success(LOGGED_OUT_MESSAGE)
            st.markdown("<a href='/' target='_self'>重新登录</a>", unsafe_allow_html=True)
            return
        try:
            with st.container(key="login_box"):  # Home.py's CSS draws its 登录 in the primary colour
                authenticator.login(location="main", fields=LOGIN_FIELDS, key="login")
        except DomainError as exc:
            st.session_state["authentication_status"] = False
            st.error(exc.message)
            return
        status = st.session_state.get("authentication_status")
        if status:
            st.rerun()  # draw the app in a clean run; the cookie is set there (see current_account)
        elif status is False and st.session_state.get(_ACCOUNT) is None:
            st.error(auth.BAD_CREDENTIALS)
        st.caption("账户由平台预置，忘记账户名或密码请联系经信委重置。")


def current_account(authenticator: stauth.Authenticate) -> auth.Account | None:
    """Log in from the cookie if there is one; then check the server-side session on every run
    (退出 elsewhere, idle timeout, lifetime, disabled, locked, suspended or a password change end it)."""
    if not st.session_state.get("authentication_status"):
        authenticator.login(location="unrendered")
    if not st.session_state.get("authentication_status"):
        return None
    account = auth.session_account(st.session_state.get(TOKEN))
    if account is None:
        end_session(authenticator)
        st.warning("登录已失效（超时未操作、已在别处退出、账户停用或锁定、密码已修改），请重新登录。")
        st.stop()
    st.session_state[_ACCOUNT] = account
    return account


def issue_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """Write the login cookie owed since the last login or password change. Call it only once the
    run is sure to finish (after any st.switch_page), or the cookie component never reaches the browser."""
    if st.session_state.pop(_SET_COOKIE, False):
        authenticator.cookie_controller.set_cookie()


PASSWORD_CHANGED = "password_changed_at"
GO_HOME = "go_home"


def password_changed(login: auth.Login) -> None:
    """After a password change every old session is over: this browser continues in the new one. The
    time is kept so the confirmation stays (the new cookie reruns the page at once), and a user who had
    to change a one-time password goes on to the first page of the role."""
    forced = bool(getattr(st.session_state.get(_ACCOUNT), "must_change_password", False))
    _remember(login)
    st.session_state[PASSWORD_CHANGED] = (clock.fmt_datetime(clock.utcnow()), forced, clock.utcnow())
    if forced:
        st.session_state[GO_HOME] = True  # Home.py, once the full menu is back


def password_notice(*, welcome: bool) -> None:
    """The lasting confirmation of a password change: on 修改密码 (`welcome` False), or once on the first
    page after a forced change."""
    changed = st.session_state.get(PASSWORD_CHANGED)
    if not changed:
        return
    at, forced, when = changed
    if welcome and forced and clock.utcnow() - when < timedelta(minutes=1):  # not once: the cookie reruns
        st.success(f"密码已于{at}修改，欢迎使用。下次登录请使用新密码。")
    elif not welcome:
        st.success(f"密码已于{at}修改。下次登录请使用新密码。")


def current_actor() -> Actor:
    """The actor of the logged-in user (Home.py has already run the gate)."""
    account: auth.Account | None = st.session_state.get(_ACCOUNT)
    if account is None:
        st.stop()
    return account.actor()


def end_session(authenticator: stauth.Authenticate) -> None:
    account = st.session_state.get(_ACCOUNT)
    if account is not None:
        sessions.logout(st.session_state.get(TOKEN), account.actor())
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    else:
        authenticator.cookie_controller.delete_cookie()
    for key in (_ACCOUNT, TOKEN, _SET_COOKIE, FRESH_LOGIN):
        st.session_state.pop(key, None)


def logout_page(authenticator: stauth.Authenticate) -> None:
    end_session(authenticator)
    st.session_state[_LOGGED_OUT] = True  # the login form that follows says so
    st.success(LOGGED_OUT_MESSAGE)
    st.markdown("<a href='/' target='_self'>重新登录</a>", unsafe_allow_html=True)
    # st.stop, not st.rerun: the cookie-delete component must reach the browser (upstream issue #203).
    st.stop()
