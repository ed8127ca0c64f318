"""Command line: python -m lib.cli migrate | seed-demo | seed | create-user | reset-password | expire | check |
backup | restore."""
from __future__ import annotations

import argparse
import getpass
import sys
import time

from lib import auth, backup, config, db, derived, production, seed, vouchers
from lib.actors import Actor
from lib.errors import DomainError
from lib.labels import Role


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{value}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{value}")
    return number


def _streamlit_error_details() -> object:
    """client.showErrorDetails as `streamlit run` will read it: the environment, then .streamlit/config.toml."""
    import os
    import tomllib
    if "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS" in os.environ:
        return os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"]
    path = config.ROOT / ".streamlit" / "config.toml"
    settings = tomllib.loads(path.read_text()) if path.exists() else {}
    return settings.get("client", {}).get("showErrorDetails", "full")


def _check() -> int:
    if not config.is_production():
        print("演示环境（未设置 APP_ENV=production）：跳过生产环境检查")
        return 0
    found = production.problems(show_error_details=_streamlit_error_details())
    for problem in found:
        print(f"拒绝启动：{problem}", file=sys.stderr)
    if not found:
        print("生产环境检查通过")
    return 1 if found else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.cli",
                                     description="南京中小企业信息化服务券管理平台 命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="把数据库结构升级到最新版本")
    sub.add_parser("seed-demo", help="写入演示数据和演示账户（已有则跳过）")
    p = sub.add_parser("seed", help="生成大规模模拟数据（压测用）")
    p.add_argument("--vouchers", type=_positive, required=True, help="服务券数量，例如 1000000")
    p.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    p = sub.add_parser("create-user", help="创建账户")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True, help="显示名称")
    p.add_argument("--role", required=True, choices=[r.value for r in Role if r != Role.SYSTEM])
    p.add_argument("--provider-id", type=int)
    p.add_argument("--enterprise-id", type=int)
    p.add_argument("--password", help="不填则交互输入；留空则生成一次性密码")
    p = sub.add_parser("reset-password", help="重置密码并打印一次性密码")
    p.add_argument("username")
    sub.add_parser("expire", help="把超过期限的服务券标记为已过期")
    sub.add_parser("rebuild-summaries", help="从服务券等基础数据重新计算统计汇总表和风险预警")
    sub.add_parser("is-empty", help="数据库没有任何服务商时退出码为0（make run 用）")
    sub.add_parser("check", help="生产环境（APP_ENV=production）启动前检查；有问题时退出码为1")
    p = sub.add_parser("backup", help="在线备份整个数据库（SQLite：数据库文件；PostgreSQL：pg_dump 归档）")
    p.add_argument("file")
    p = sub.add_parser("restore", help="用备份替换整个数据库（请先停止应用）")
    p.add_argument("file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    operator = Actor(user_id=None, username="cli", role=Role.SYSTEM, display_name="命令行")
    try:
        if args.command not in ("migrate", "backup", "restore"):
            db.migrate()
        if args.command == "migrate":
            db.migrate()
            print("数据库已升级到最新版本")
        elif args.command == "seed-demo":
            if config.is_production():
                print("生产环境（APP_ENV=production）不写入演示数据", file=sys.stderr)
                return 2
            print("演示数据已写入" if seed.seed_demo() else "演示数据已存在，未重复写入")
        elif args.command == "seed":
            started = time.perf_counter()
            count = seed.seed_synthetic(args.vouchers, seed=args.seed, progress=not args.quiet)
            elapsed = time.perf_counter() - started
            print(f"已生成服务券 {count:,} 张，用时 {elapsed:.1f} 秒（{count / elapsed:,.0f} 张/秒）")
        elif args.command == "create-user":
            password = args.password
            if password is None and sys.stdin.isatty():
                password = getpass.getpass("密码（留空则生成一次性密码）：") or None
            account, password = auth.create_user(
                actor=operator, username=args.username, display_name=args.name, role=args.role, password=password,
                provider_id=args.provider_id, enterprise_id=args.enterprise_id)
            print(f"已创建账户 {account.username}（首次登录须修改密码）")
            if not args.password:
                print(f"一次性密码：{password}")
        elif args.command == "reset-password":
            print(f"一次性密码：{auth.reset_password(actor=operator, username=args.username)}")
        elif args.command == "rebuild-summaries":
            started = time.perf_counter()
            with db.get_engine().begin() as conn:
                rows, flags = derived.rebuild(conn)
            print(f"统计汇总表已重建：{rows:,} 行，风险预警 {flags:,} 条，用时 {time.perf_counter() - started:.1f} 秒")
        elif args.command == "expire":
            print(f"已过期服务券：{vouchers.expire()} 张")
        elif args.command == "is-empty":
            return 0 if seed.is_empty() else 1
        elif args.command == "check":
            return _check()
        elif args.command == "backup":
            print(f"已备份到 {backup.backup(args.file)}")
        elif args.command == "restore":
            backup.restore(args.file)
            print(f"已从 {args.file} 恢复")
    except DomainError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
