"""Demo data, synthetic data and the command line, run as a user would run them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from lib import auth, cli, clock, db, queries, seed, vouchers
from lib.actors import Actor
from lib.labels import Role
from lib.models import Evaluation, ServiceRecord, User, Voucher, Withdrawal
from lib.workflow import VoucherStatus as S

ROOT = Path(__file__).resolve().parent.parent


def test_demo_data_reproduces_the_manual_and_is_idempotent(database):
    assert seed.seed_demo() is True
    assert seed.seed_demo() is False
    langkun = auth.verify_login("langkun", seed.DEMO_PASSWORD).actor()
    rows = queries.voucher_page(langkun).rows
    assert rows[["number", "enterprise_name", "region", "status_label"]].values.tolist() == [
        ["1700009", "测试1212", "玄武区", "已交付"], ["1700008", "测试11", "江宁区", "已确认"]]
    detail = queries.voucher_detail(langkun, "1700008")
    assert (detail.enterprise["phone"], detail.enterprise["qq"], detail.enterprise["email"]) == ("14444444444", "12345",
                                                                                                 "12@qq.com")
    assert detail.product["name"] == "“由你飞”运营管控平台-企业版" and detail.product["contact"] == "谢晓江"
    with db.read_session() as s:
        statuses = set(s.scalars(select(Voucher.status).distinct()))
        assert statuses == {str(x) for x in S}  # every status has data for the charts
        assert s.scalar(select(func.count()).select_from(User)) == 5


def test_every_demo_account_logs_in_and_sees_its_vouchers(database):
    seed.seed_demo()
    year = clock.utcnow().year % 100
    expected = {"admin": None, "langkun": "1700008", "provider2": "1700010", "qy1700008": "1700008",
                f"qy{year:02d}00001": f"{year:02d}00001"}
    for username, number in expected.items():
        actor = auth.verify_login(username, seed.DEMO_PASSWORD).actor()
        page = queries.voucher_page(actor, queries.VoucherFilters(number=number or ""))
        assert page.total >= 1, username
    fresh = queries.voucher_detail(auth.verify_login(f"qy{year:02d}00001", seed.DEMO_PASSWORD).actor(),
                                   f"{year:02d}00001")
    assert fresh.status == S.ISSUED


def test_synthetic_data_has_realistic_proportions(database):
    assert seed.seed_synthetic(3000, seed=5, progress=False) == 3000
    with db.read_session() as s:
        counts = dict(s.execute(select(Voucher.status, func.count()).group_by(Voucher.status)).all())
        records = s.scalar(select(func.count()).select_from(ServiceRecord))
        evaluations = s.scalar(select(func.count()).select_from(Evaluation))
        unbound_late = s.scalar(select(func.count()).where(Voucher.status.in_(["confirmed", "delivered", "evaluated"]),
                                                           Voucher.provider_id.is_(None)))
    assert set(counts) == {str(x) for x in S}
    assert counts["settled"] > counts["issued"]
    assert evaluations == counts["evaluated"] + counts["settled"]
    assert records >= counts["delivered"] + counts["evaluated"] + counts["settled"]
    assert unbound_late == 0


def test_every_generated_withdrawal_flag_has_a_request_the_commission_can_decide(database):
    seed.seed_synthetic(2000, seed=3, progress=False)
    with db.read_session() as s:
        flagged = s.scalars(select(Voucher.number).where(Voucher.withdrawal_pending.is_(True))).all()
        requests = s.scalar(select(func.count()).select_from(Withdrawal).where(Withdrawal.status == "pending"))
    assert flagged and requests == len(flagged)
    officer = Actor(user_id=None, username="officer", role=Role.COMMISSION)
    vouchers.decide_withdrawal(actor=officer, number=flagged[0], approve=True)
    assert queries.voucher_detail(officer, flagged[0]).status == S.ACTIVATED


def test_cli_refuses_bad_arguments_with_a_non_zero_exit(sqlite_db, capsys):
    for argv in (["seed", "--vouchers", "0"], ["seed", "--vouchers", "abc"], ["nonsense"], []):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = exc.code
        assert code != 0, argv


def test_cli_reset_password_prints_a_working_one_time_password(sqlite_db, capsys):
    seed.seed_demo()
    assert cli.main(["reset-password", "langkun"]) == 0
    password = capsys.readouterr().out.strip().split("：")[-1]
    assert auth.verify_login("langkun", password).must_change_password
    assert cli.main(["reset-password", "ghost"]) == 2
    assert "账户“ghost”不存在" in capsys.readouterr().err


def test_cli_runs_as_a_module_against_a_fresh_file(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "BCRYPT_ROUNDS": "4"}
    run = subprocess.run([sys.executable, "-m", "lib.cli", "seed-demo"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and "演示数据已写入" in run.stdout
    run = subprocess.run([sys.executable, "-m", "lib.cli", "expire"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and "已过期服务券" in run.stdout


def test_after_the_demo_new_providers_products_and_engineers_get_fresh_ids(database):
    # On PostgreSQL the demo's bulk inserts used explicit ids: the sequences must continue after them,
    # or 服务商管理 → 新增服务商 fails on the first try.
    from tests.builders import make_engineer, make_product, make_provider
    seed.seed_demo()
    provider = make_provider()
    assert make_product(provider) and make_engineer(provider)
