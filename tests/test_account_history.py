"""Account changes as 操作日志 shows them, and the password rules at their edges (8 characters, 72 bytes,
letters of either case with digits)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lib import auth, db
from lib.errors import AuthError, DomainError, NotFound, PermissionDenied, ValidationError
from lib.labels import Role
from lib.models import History, User
from tests.builders import COMMISSION, NOW, history_count, make_provider, make_user


def last_history(action: str | None = None) -> History:
    with db.read_session() as s:
        query = select(History).order_by(History.id.desc())
        return s.scalars(query.where(History.action == action) if action else query).first()


def user(username: str) -> User:
    with db.read_session() as s:
        return s.scalars(select(User).where(User.username == username)).one()


@pytest.mark.parametrize("call,action", [
    (lambda a: auth.set_locked(actor=a, username="officer1", locked=True, now=NOW), "lock_user"),
    (lambda a: auth.set_locked(actor=a, username="officer1", locked=False, now=NOW), "unlock_user"),
    (lambda a: auth.set_active(actor=a, username="officer1", active=False, now=NOW), "disable_user"),
    (lambda a: auth.set_active(actor=a, username="officer1", active=True, now=NOW), "enable_user"),
    (lambda a: auth.reset_password(actor=a, username="officer1", now=NOW), "reset_password"),
])
def test_each_account_change_is_logged_with_who_and_when(database, call, action):
    admin = make_user("admin1").actor()
    make_user("officer1")
    before = history_count()
    call(admin)
    h = last_history()
    assert (h.user_id, h.username, h.role, h.action, h.at, h.changes, h.voucher_id) == (
        admin.user_id, "admin1", "commission", action, NOW, {"username": "officer1"}, None)
    assert history_count() == before + 1


def test_a_reset_gives_a_working_one_time_password_and_clears_the_lock(database):
    admin = make_user("admin1").actor()
    make_user("officer1")
    with db.transaction() as s:
        u = s.scalars(select(User).where(User.username == "officer1")).one()
        u.failed_logins, u.locked_until = 4, NOW + timedelta(minutes=10)
    password = auth.reset_password(actor=admin, username=" OFFICER1 ", now=NOW)
    assert len(password) == 12 and any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
    u = user("officer1")
    assert (u.must_change_password, u.password_changed_at, u.failed_logins, u.locked_until) == (True, NOW, 0, None)
    account = auth.verify_login("officer1", password, now=NOW + timedelta(seconds=1))
    assert account.must_change_password


def test_unknown_accounts_are_named_in_the_refusal(database):
    admin = make_user("admin1").actor()
    for call in (lambda: auth.reset_password(actor=admin, username="ghost", now=NOW),
                 lambda: auth.set_locked(actor=admin, username="ghost", locked=True, now=NOW),
                 lambda: auth.set_active(actor=admin, username="ghost", active=False, now=NOW)):
        with pytest.raises(NotFound) as err:
            call()
        assert err.value.message == "账户“ghost”不存在"


def test_an_officer_may_enable_and_unlock_their_own_account(database):
    admin = make_user("admin1").actor()
    auth.set_active(actor=admin, username="admin1", active=True, now=NOW)
    auth.set_locked(actor=admin, username="admin1", locked=False, now=NOW)
    assert (user("admin1").active, user("admin1").locked_until) == (True, None)
    with pytest.raises(DomainError) as err:
        auth.set_locked(actor=admin, username="admin1", locked=True, now=NOW)
    assert err.value.message == "不能锁定自己的账户"
    with pytest.raises(DomainError) as err:
        auth.set_active(actor=admin, username="admin1", active=False, now=NOW)
    assert err.value.message == "不能停用自己的账户"


def test_a_lock_by_the_commission_lasts_until_unlocked(database):
    admin = make_user("admin1").actor()
    make_user("officer1")
    auth.set_locked(actor=admin, username="officer1", locked=True, now=NOW)
    assert user("officer1").locked_until == NOW + timedelta(days=36500)


def test_a_password_change_is_logged_as_the_user(database):
    account = make_user("officer1", password="Passw0rd!")
    before = history_count()
    changed = auth.change_password("officer1", "Passw0rd!", "NewPassw0rd", now=NOW)
    assert (changed.must_change_password, changed.password_changed_at) == (False, NOW)
    h = last_history()
    assert (h.user_id, h.username, h.action, h.at, h.changes) == (
        account.id, "officer1", "change_password", NOW, {"username": "officer1"})
    assert history_count() == before + 1
    assert auth.verify_login("officer1", "NewPassw0rd", now=NOW).username == "officer1"


@pytest.mark.parametrize("old,new,message", [
    ("wrong", "NewPassw0rd", "原密码：不正确"), ("", "NewPassw0rd", "原密码：不正确"),
    ("Passw0rd!", "Passw0rd!", "新密码：不能与原密码相同"), ("Passw0rd!", "short1", "新密码：至少8位"),
])
def test_a_refused_password_change_changes_nothing(database, old, new, message):
    make_user("officer1", password="Passw0rd!")
    before = (user("officer1").password_hash, history_count())
    with pytest.raises(ValidationError) as err:
        auth.change_password("officer1", old, new, now=NOW)
    assert err.value.message == message
    assert (user("officer1").password_hash, history_count()) == before
    with pytest.raises(NotFound, match="^账户不存在$"):
        auth.change_password("ghost", old, new, now=NOW)


@pytest.mark.parametrize("password", ["kqmzrwt1", "KQMZRWT1", "vvvvvvv3", "8364917x", "密码密码密码ab12",
                                      "a1" + "x" * 70, "pass word 2026"])
def test_passwords_that_meet_the_rules(password):
    auth.check_password_rules(password)  # 8 characters, at most 72 bytes, a letter of either case and a digit


@pytest.mark.parametrize("password,message", [
    ("abcdef1", "新密码：至少8位"), ("abcdefgh", "新密码：必须同时包含字母和数字"),
    (" Kqmzrwt1", "新密码：不能以空格开头或结尾"), ("Kqmzrwt1 ", "新密码：不能以空格开头或结尾"),
    # common passwords: from zxcvbn's leaked-password list, and the ones the demo uses
    ("password1", "新密码：过于常见，容易被猜中，请换一个"), ("1qaz2wsx", "新密码：过于常见，容易被猜中，请换一个"),
    ("P@ssw0rd", "新密码：过于常见，容易被猜中，请换一个"), ("Demo@2026", "新密码：过于常见，容易被猜中，请换一个"),
    ("WoAiNi1314", "新密码：过于常见，容易被猜中，请换一个"),
    ("12345678", "新密码：必须同时包含字母和数字"),
    ("a1" + "x" * 71, "新密码：不能超过72个字节"), ("密码" * 12 + "a1", "新密码：不能超过72个字节"),
    # 74 bytes in UTF-8
])
def test_passwords_that_break_a_rule(password, message):
    with pytest.raises(ValidationError) as err:
        auth.check_password_rules(password)
    assert err.value.message == message


def test_a_new_account_with_a_password_of_its_own(database):
    admin = make_user("admin1").actor()
    provider = make_provider()
    account, password = auth.create_user(actor=admin, username="Fw01", display_name=" 服务商员工 ", role=Role.PROVIDER,
                                         password="Passw0rd!", provider_id=provider, enterprise_id=12345, now=NOW)
    assert (account.username, account.display_name, account.role, account.provider_id, account.enterprise_id,
            account.must_change_password, password) == ("fw01", "服务商员工", Role.PROVIDER, provider, None, True,
                                                        "Passw0rd!")
    h = last_history()
    assert (h.user_id, h.action, h.at, h.changes) == (admin.user_id, "create_user", NOW,
                                                      {"username": "fw01", "role": "provider"})
    with pytest.raises(ValidationError) as err:
        auth.create_user(actor=admin, username="fw02", display_name="x", role=Role.COMMISSION, password="short",
                         now=NOW)
    assert err.value.message == "密码：至少8位"


@pytest.mark.parametrize("kw,message", [
    ({"username": "ab"}, "账户名：应为3到40位小写字母、数字、下划线、点或横线"),
    ({"username": "张三"}, "账户名：应为3到40位小写字母、数字、下划线、点或横线"),
    ({"role": "system"}, "角色：选项无效"), ({"role": Role.PROVIDER}, "所属服务商：不能为空"),
    ({"role": Role.ENTERPRISE}, "所属企业：不能为空"), ({"display_name": "  "}, "名称：不能为空"),
    ({"username": "admin1"}, "账户名“admin1”已存在"),
])
def test_bad_new_accounts_are_refused(database, kw, message):
    admin = make_user("admin1").actor()
    before = history_count()
    with pytest.raises(DomainError) as err:
        auth.create_user(actor=admin, **{"username": "new.user", "display_name": "新用户", "role": Role.COMMISSION,
                                         "password": None, **kw}, now=NOW)
    assert err.value.message == message and history_count() == before


def test_the_system_may_create_accounts_but_no_provider_may(database):
    from lib.actors import Actor
    account, password = auth.create_user(actor=Actor.system(), username="seeded", display_name="预置",
                                         role="commission",
                                         now=NOW)
    assert account.must_change_password and len(password) == 12
    with pytest.raises(PermissionDenied) as err:
        auth.create_user(actor=Actor(user_id=None, username="p", role=Role.PROVIDER, provider_id=1),
                         username="x_user", display_name="x", role="commission", now=NOW)
    assert err.value.message == "只有经信委可以管理账户"


def test_the_user_list_by_role_then_name_with_each_state(database):
    admin = make_user("admin1")
    make_user("zeta", role=Role.COMMISSION)
    provider = make_provider()
    make_user("fw.one", role=Role.PROVIDER, provider_id=provider)
    with db.transaction() as s:
        z = s.scalars(select(User).where(User.username == "zeta")).one()
        z.failed_logins, z.locked_until, z.active = 2, NOW + timedelta(days=1), False
    frame = auth.accounts(COMMISSION)
    assert list(frame.columns) == ["username", "display_name", "role", "active", "must_change_password",
                                   "failed_logins", "locked_until", "created_at", "locked"]
    assert frame[["username", "display_name", "role", "active", "must_change_password",
                  "failed_logins"]].values.tolist() == [
        ["admin1", "admin1", "commission", True, False, 0], ["zeta", "zeta", "commission", False, False, 2],
        ["fw.one", "fw.one", "provider", True, False, 0]]
    assert frame["created_at"].tolist() == [admin.password_changed_at] * 3
    assert auth.accounts(COMMISSION, role="provider")["username"].tolist() == ["fw.one"]
    assert auth.accounts(COMMISSION, search="ET")["username"].tolist() == ["zeta"]  # name contains, any case
    assert auth.accounts(COMMISSION, search="_")["username"].tolist() == []  # a LIKE wildcard is taken literally
    assert auth.accounts(COMMISSION, search="fw.")["username"].tolist() == ["fw.one"]


def test_a_lock_counts_while_it_lasts(database):
    make_user("officer1")
    with db.transaction() as s:
        s.scalars(select(User).where(User.username == "officer1")).one().locked_until = NOW  # long past by now
    assert auth.accounts(COMMISSION)["locked"].tolist() == [False]
    assert auth.account_of(user("officer1").id) is not None


def test_a_password_change_ends_every_other_session_and_keeps_this_browser_logged_in(database):
    make_user("officer1", password="Passw0rd!")
    elsewhere = auth.verify_login("officer1", "Passw0rd!")
    here = auth.verify_login("officer1", "Passw0rd!")
    changed = auth.change_password("officer1", "Passw0rd!", "NewPassw0rd")
    assert auth.session_account(elsewhere.token) is None and auth.session_account(here.token) is None
    assert auth.session_account(changed.token).username == "officer1"


def test_the_user_list_shows_at_most_500_accounts(database):
    from lib.models import User as U
    with db.transaction() as s:
        for i in range(501):
            s.add(U(username=f"bulk{i:03d}", display_name="批量", role="commission", password_hash="x", active=True,
                    must_change_password=False, failed_logins=0, password_changed_at=NOW, created_at=NOW))
    assert len(auth.accounts(COMMISSION)) == 500


def test_each_wrong_password_says_how_many_tries_are_left(database):
    make_user("officer1", password="Passw0rd!")
    messages = []
    for _ in range(5):
        with pytest.raises(AuthError) as err:
            auth.verify_login("officer1", "wrong", now=NOW)
        messages.append(err.value.message)
    assert messages == ["账户名或密码错误（再错4次将锁定15分钟）", "账户名或密码错误（再错3次将锁定15分钟）",
                        "账户名或密码错误（再错2次将锁定15分钟）", "账户名或密码错误（再错1次将锁定15分钟）",
                        "账户已锁定，请15分钟后再试"]
    u = user("officer1")
    assert (u.failed_logins, u.locked_until) == (0, NOW + timedelta(minutes=15))
    h = last_history("lock_account")
    assert (h.username, h.role, h.action, h.at, h.changes) == ("system", "system", "lock_account", NOW,
                                                                {"username": "officer1"})
    failed = last_history()  # and the attempt that locked it, as every refused login
    assert (failed.action, failed.changes) == ("login_failed", {"username": "officer1",
                                                                "reason": "账户已锁定，请15分钟后再试"})


def test_the_lock_ends_exactly_after_15_minutes_and_the_count_starts_afresh(database):
    make_user("officer1", password="Passw0rd!")
    with db.transaction() as s:
        u = s.scalars(select(User).where(User.username == "officer1")).one()
        u.locked_until, u.failed_logins = NOW + timedelta(minutes=15), 0
    with pytest.raises(AuthError, match="^账户已锁定，请15分钟后再试$"):
        auth.verify_login("officer1", "Passw0rd!", now=NOW + timedelta(minutes=14, seconds=59))
    with pytest.raises(AuthError) as err:
        auth.verify_login("officer1", "wrong", now=NOW + timedelta(minutes=15))  # the lock is over at its end
    assert err.value.message == "账户名或密码错误（再错4次将锁定15分钟）"
    assert (user("officer1").failed_logins, user("officer1").locked_until) == (1, None)


def test_a_successful_login_returns_the_account(database):
    provider = make_provider()
    made = make_user("staff1", role=Role.PROVIDER, password="Passw0rd!", provider_id=provider)
    account = auth.verify_login(" Staff1 ", "Passw0rd!", now=NOW)
    assert account.id == made.id and len(account.token) >= 40  # and a server-side session to go with it
    assert (account.username, account.role, account.provider_id, account.enterprise_id,
            account.must_change_password) == (
        "staff1", Role.PROVIDER, provider, None, False)
    actor = account.actor()
    assert (actor.user_id, actor.username, actor.role, actor.provider_id, actor.display_name) == (
        made.id, "staff1", Role.PROVIDER, provider, "staff1")


def test_unknown_users_and_empty_passwords(database):
    make_user("officer1", password="Passw0rd!")
    for name, password in (("ghost", "Passw0rd!"), ("officer1", ""), ("officer1", None), ("", "")):
        with pytest.raises(AuthError) as err:
            auth.verify_login(name, password, now=NOW)
        assert err.value.message.startswith("账户名或密码错误")
    with pytest.raises(AuthError):  # longer than bcrypt's 72 bytes: refused, not an error page
        auth.verify_login("officer1", "Passw0rd!" + "x" * 80, now=NOW)


def test_a_one_time_password_is_12_letters_and_digits_with_both(database):
    for _ in range(20):
        password = auth.generate_one_time_password()
        assert len(password) == 12 and password.isalnum() and password.isascii()
        assert any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
    assert len({auth.generate_one_time_password() for _ in range(20)}) == 20


def test_an_enterprise_login_acts_for_its_enterprise(database):
    from tests.builders import make_enterprise
    ent = make_enterprise()
    account, _ = auth.create_user(actor=make_user("admin1").actor(), username="qy01", display_name="企业甲",
                                  role=Role.ENTERPRISE, enterprise_id=ent, password="Passw0rd!", now=NOW)
    actor = account.actor()
    assert (actor.role, actor.enterprise_id, actor.provider_id, actor.display_name) == (Role.ENTERPRISE, ent, None,
                                                                                        "企业甲")


def test_the_user_list_orders_names_within_a_role_and_finds_display_names(database):
    admin = make_user("admin1").actor()
    for username, name in (("zeta", "张三"), ("alpha", "李四")):
        auth.create_user(actor=admin, username=username, display_name=name, role=Role.COMMISSION, password="Passw0rd!",
                         now=NOW)
    assert auth.accounts(COMMISSION)["username"].tolist() == ["admin1", "alpha", "zeta"]
    assert auth.accounts(COMMISSION, search="张")["username"].tolist() == ["zeta"]  # by the name shown, not the login


def test_a_one_time_password_needs_a_letter_and_a_digit(monkeypatch):
    """The generator draws until a candidate has both; feed it candidates that lack one, then good ones."""
    candidates = iter("ABCDEFGHIJKL" + "123456789012" + "ABCDEFGHIJK1" + "abcdefghijk1")
    monkeypatch.setattr(auth.secrets, "choice", lambda alphabet: next(candidates))
    assert auth.generate_one_time_password() == "ABCDEFGHIJK1"  # letters only and digits only were drawn again
    assert auth.generate_one_time_password() == "abcdefghijk1"


def test_one_time_passwords_are_hashed_at_bcrypt_cost_4():
    hashed = auth.one_time_hash("Abc123def456")
    assert hashed.startswith("$2b$04$") and auth._matches("Abc123def456", hashed)


def test_new_accounts_start_clean_and_keep_only_their_own_company(database):
    admin = make_user("admin1").actor()
    account, _ = auth.create_user(actor=admin, username="officer9", display_name="经信委九", role=Role.COMMISSION,
                                  provider_id=make_provider(), password="Passw0rd!", now=NOW)
    stored = user("officer9")
    assert (stored.provider_id, stored.enterprise_id, stored.failed_logins, stored.locked_until, stored.active,
            stored.password_changed_at, stored.created_at) == (None, None, 0, None, True, NOW, NOW)
    with pytest.raises(DomainError) as err:
        auth.create_user(actor=admin, username="officer9", display_name="重复", role=Role.COMMISSION, now=NOW)
    assert (err.value.field, err.value.message) == ("账户名", "账户名“officer9”已存在")
    with pytest.raises(ValidationError) as err:
        auth.create_user(actor=admin, username="officer10", display_name=None, role=Role.COMMISSION, now=NOW)
    assert err.value.message == "名称：不能为空"
