"""Accounts: lockout counted in the database, password rules, one-time passwords, session checks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lib import auth, db
from lib.actors import Actor
from lib.errors import AuthError, DomainError, PermissionDenied, ValidationError
from lib.labels import Role
from lib.models import Provider, User
from tests.builders import COMMISSION, NOW, make_provider, make_user


def user(username: str) -> User:
    with db.read_session() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_login_with_the_right_password_and_any_case_of_username(database):
    make_user("officer1", password="Passw0rd!")
    account = auth.verify_login("  OFFICER1 ", "Passw0rd!", now=NOW)
    assert (account.username, account.role) == ("officer1", Role.COMMISSION)


def test_unknown_user_and_wrong_password_get_the_same_message(database):
    make_user("officer1")
    with pytest.raises(AuthError, match="^账户名或密码错误$"):
        auth.verify_login("nobody", "x", now=NOW)
    with pytest.raises(AuthError, match="账户名或密码错误（再错4次将锁定15分钟）"):
        auth.verify_login("officer1", "wrong", now=NOW)


def test_five_wrong_passwords_lock_the_account_for_15_minutes(database):
    make_user("officer1", password="Passw0rd!")
    for _ in range(4):
        with pytest.raises(AuthError, match="账户名或密码错误"):
            auth.verify_login("officer1", "wrong", now=NOW)
    with pytest.raises(AuthError, match="^账户已锁定，请15分钟后再试$"):
        auth.verify_login("officer1", "wrong", now=NOW)
    assert user("officer1").locked_until == NOW + timedelta(minutes=15)
    # Locked: even the right password is refused, and the lock is checked before comparing.
    with pytest.raises(AuthError, match="账户已锁定"):
        auth.verify_login("officer1", "Passw0rd!", now=NOW + timedelta(minutes=14))
    assert auth.verify_login("officer1", "Passw0rd!", now=NOW + timedelta(minutes=15, seconds=1)).username == "officer1"
    assert user("officer1").failed_logins == 0 and user("officer1").locked_until is None


def test_a_correct_login_resets_the_counter(database):
    make_user("officer1", password="Passw0rd!")
    for _ in range(4):
        with pytest.raises(AuthError):
            auth.verify_login("officer1", "wrong", now=NOW)
    auth.verify_login("officer1", "Passw0rd!", now=NOW)
    with pytest.raises(AuthError, match="再错4次"):
        auth.verify_login("officer1", "wrong", now=NOW)


def test_disabled_users_and_suspended_providers_cannot_log_in(database):
    make_user("officer1", password="Passw0rd!")
    make_user("officer2")
    auth.set_active(actor=COMMISSION, username="officer1", active=False)
    with pytest.raises(AuthError, match="账户已停用"):
        auth.verify_login("officer1", "Passw0rd!", now=NOW)
    provider = make_provider()
    make_user("staff1", role=Role.PROVIDER, password="Passw0rd!", provider_id=provider)
    with db.transaction() as s:
        s.get(Provider, provider).status = "suspended"
    with pytest.raises(AuthError, match="服务商已暂停"):
        auth.verify_login("staff1", "Passw0rd!", now=NOW)
    assert auth.account_of(user("staff1").id) is None


@pytest.mark.parametrize("password,reason", [("Ab1", "至少8位"), ("abcdefgh", "必须同时包含字母和数字"),
                                             ("12345678", "必须同时包含字母和数字"), ("a1" * 40, "不能超过72个字节")])
def test_password_rules(password, reason):
    with pytest.raises(ValidationError, match=f"新密码：{reason}"):
        auth.check_password_rules(password)


def test_change_password_needs_the_old_one_and_the_rules(database):
    make_user("officer1", password="Passw0rd!")
    with pytest.raises(ValidationError, match="原密码：不正确"):
        auth.change_password("officer1", "nope", "NewPass123", now=NOW)
    with pytest.raises(ValidationError, match="必须同时包含字母和数字"):
        auth.change_password("officer1", "Passw0rd!", "onlyletters", now=NOW)
    with pytest.raises(ValidationError, match="不能与原密码相同"):
        auth.change_password("officer1", "Passw0rd!", "Passw0rd!", now=NOW)
    auth.change_password("officer1", "Passw0rd!", "NewPass123", now=NOW)
    assert auth.verify_login("officer1", "NewPass123", now=NOW).username == "officer1"
    with pytest.raises(AuthError):
        auth.verify_login("officer1", "Passw0rd!", now=NOW)


def test_a_one_time_password_forces_a_change_and_unlocks(database):
    make_user("officer1", password="Passw0rd!")
    for _ in range(5):
        with pytest.raises(AuthError):
            auth.verify_login("officer1", "wrong", now=NOW)
    one_time = auth.reset_password(actor=COMMISSION, username="officer1", now=NOW)
    account = auth.verify_login("officer1", one_time, now=NOW)
    assert account.must_change_password
    changed = auth.change_password("officer1", one_time, "Fresh2026pw", now=NOW + timedelta(minutes=1))
    assert not changed.must_change_password


def test_only_the_commission_manages_accounts(database):
    provider = make_provider()
    staff = Actor(user_id=None, username="x", role=Role.PROVIDER, provider_id=provider)
    with pytest.raises(PermissionDenied):
        auth.reset_password(actor=staff, username="anyone")
    with pytest.raises(PermissionDenied):
        auth.create_user(actor=staff, username="newone", display_name="x", role=Role.COMMISSION)


def test_usernames_are_stored_lower_case_and_unique(database):
    account, password = auth.create_user(actor=COMMISSION, username="NewOfficer", display_name="新同事",
                                         role=Role.COMMISSION)
    assert account.username == "newofficer" and account.must_change_password and len(password) == 12
    with pytest.raises(DomainError, match="已存在"):
        auth.create_user(actor=COMMISSION, username="newofficer", display_name="重复", role=Role.COMMISSION)
    with pytest.raises(ValidationError, match="所属服务商：不能为空"):
        auth.create_user(actor=COMMISSION, username="staff9", display_name="x", role=Role.PROVIDER)
