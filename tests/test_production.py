"""Production mode: APP_ENV=production never seeds the demo and refuses to start with a known password,
a missing or short cookie key, or tracebacks shown to users. Without APP_ENV the demo stays as it is."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib import auth, cli, production, seed
from lib.labels import Role
from tests.apptest import HOME, texts
from tests.builders import COMMISSION

GOOD_KEY = "k" * 48


@pytest.fixture
def prod(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("COOKIE_KEY", GOOD_KEY)
    monkeypatch.setenv("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "none")


def test_a_clean_production_install_may_start(database, prod):
    assert production.problems(show_error_details="none") == []
    assert cli.main(["check"]) == 0


@pytest.mark.parametrize("key,problem", [
    (None, "未设置 COOKIE_KEY（环境变量或 .streamlit/secrets.toml 的 [auth] cookie_key）"),
    ("short-key", "COOKIE_KEY 太短：至少32字节，当前9字节"),
    ("钥" * 10, "COOKIE_KEY 太短：至少32字节，当前30字节"),
])
def test_production_refuses_a_missing_or_short_cookie_key(database, prod, monkeypatch, key, problem):
    monkeypatch.delenv("COOKIE_KEY")
    monkeypatch.setattr("lib.config._secrets", lambda: {})
    if key:
        monkeypatch.setenv("COOKIE_KEY", key)
    assert production.problems(show_error_details="none") == [problem]


@pytest.mark.parametrize("value", ["full", "stacktrace", True, "true"])
def test_production_refuses_to_show_tracebacks(database, prod, value):
    [problem] = production.problems(show_error_details=value)
    assert problem.startswith("client.showErrorDetails") and problem.endswith("请设为 none")


def test_production_never_seeds_the_demo_and_refuses_demo_passwords(database, prod, capsys):
    assert cli.main(["seed-demo"]) == 2
    assert "生产环境（APP_ENV=production）不写入演示数据" in capsys.readouterr().err
    assert seed.is_empty()
    # a database that was a demo once (seeded before APP_ENV was set) cannot go live as it is
    seed.seed_demo()
    [problem] = production.problems(show_error_details="none")
    year = auth.clock.utcnow().year % 100
    assert problem == ("以下账户仍在使用演示密码，请先重置或停用：admin、langkun、provider2、qy1700008、"
                       f"qy{year:02d}00001")
    assert cli.main(["check"]) == 1
    for username in ("admin", "langkun", "provider2", "qy1700008"):
        auth.reset_password(actor=COMMISSION, username=username)
    auth.set_active(actor=COMMISSION, username=f"qy{year:02d}00001", active=False)
    assert production.problems(show_error_details="none") == []


def test_the_first_commission_account_comes_from_the_command_line(database, prod, capsys):
    assert cli.main(["create-user", "--role", "commission", "--username", "zhangwei", "--name", "张伟",
                     "--password", ""]) == 0
    out = capsys.readouterr().out
    password = out.split("一次性密码：")[1].strip()
    assert len(password) == 12
    login = auth.verify_login("zhangwei", password)
    assert login.role == Role.COMMISSION and login.must_change_password


@pytest.mark.page
@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_app_refuses_to_serve_a_production_install_with_problems(demo, prod, monkeypatch):
    monkeypatch.delenv("COOKIE_KEY")
    monkeypatch.setattr("lib.config._secrets", lambda: {})
    at = AppTest.from_file(HOME, default_timeout=20).run()
    at.run()
    body = texts(at)
    assert "生产环境配置不安全，平台拒绝启动" in body and "未设置 COOKIE_KEY" in body and "admin" in body
    assert not at.text_input  # no login form


@pytest.mark.page
@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_demo_says_so_on_the_login_page_and_in_every_header(demo):
    from tests.apptest import logged_in
    at = AppTest.from_file(HOME, default_timeout=20).run()
    assert ":orange-badge[演示环境]" in texts(at)
    for username in ("admin", "langkun", "qy1700008"):
        assert ":orange-badge[演示环境]" in texts(logged_in(username))
