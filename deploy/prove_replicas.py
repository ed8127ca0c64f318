"""Proof, without Docker, that the platform runs as several replicas behind nginx on one PostgreSQL (issue 14).

Starts two Streamlit replicas on a fresh PostgreSQL database and Debian's nginx in front of them with the
configuration of deploy/ (sticky route cookie, WebSocket upgrade), then in headless Chromium:
1. logs in through the balancer twice, in two browsers that land on different replicas;
2. in the second, reads 服务券统计;
3. in the first, uploads a 批量发放 Excel file and issues its vouchers (a write);
4. in the second, reloads 服务券统计 and finds the new vouchers counted: caches key on versions kept in the
   database, never on one process's memory;
and checks in nginx's log that every request of a browser (page, WebSocket, upload) went to one replica.

Usage: python deploy/prove_replicas.py   (needs nginx, /usr/bin/chromium and PostgreSQL; PROOF_PG_URL to change)
Prints what it saw; exits 1 if any step fails.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from deploy import local  # noqa: E402
from lib.issuing import COLUMNS  # noqa: E402
from lib.seed import credit_code_for  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, login, menu, settle  # noqa: E402

ADMIN_URL = os.environ.get("PROOF_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE = "replicas_proof"
PORTS = (8611, 8612)
BALANCER = 8610


def fresh_database() -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def batch_file(rows: int) -> bytes:
    book = Workbook()
    book.active.append(list(COLUMNS))
    for i in range(rows):
        book.active.append([credit_code_for(770000 + i), f"南京多实例验证企业{i}有限公司", "江宁区", "小型", "张三",
                            "南京市江宁区某路1号", "李四", "13912345678", f"proof{i}@example.com"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def issued_figure(page) -> int:
    metric = page.locator("[data-testid=stMetric]").filter(has_text="发放").first
    return int(re.sub(r"\D", "", metric.locator("[data-testid=stMetricValue]").inner_text()))


def browser_on_other_replica(browser, url: str, taken: str):
    for _ in range(30):  # each new browser gets a random route cookie: try until one lands elsewhere
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        replica = page.goto(url).headers.get("x-replica")
        if replica != taken:
            return context, page, replica
        context.close()
    raise SystemExit("30 个浏览器都落在同一实例上：粘性会话的哈希没有分散")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="replicas_"))
    database_url = fresh_database()
    env = {**os.environ, "DATABASE_URL": database_url, "COOKIE_KEY": "replica-proof-key-" + "x" * 32,
           "BCRYPT_ROUNDS": "4", "TRUSTED_PROXY": "1"}
    subprocess.run([sys.executable, "-m", "lib.cli", "seed-demo"], cwd=ROOT, env=env, check=True)
    logs = [(workdir / f"replica{port}.log").open("wb") for port in PORTS]
    replicas = [local.start_app(port, env, log) for port, log in zip(PORTS, logs, strict=True)]
    nginx = None
    try:
        for port, proc in zip(PORTS, replicas, strict=True):
            local.wait_healthy(f"http://127.0.0.1:{port}", proc=proc)
        nginx = local.start_nginx(workdir, list(PORTS), BALANCER)
        return prove(f"http://127.0.0.1:{BALANCER}/", workdir)
    finally:
        local.stop(nginx, *replicas)


def prove(url: str, workdir: Path) -> int:
    failures = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        first = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        writer = first.new_page()
        replica_a = writer.goto(url).headers.get("x-replica")
        settle(writer)
        login(writer, "admin")
        print(f"1. 第一个浏览器经 nginx 登录成功，落在实例 {replica_a}")
        _, reader, replica_b = browser_on_other_replica(browser, url, replica_a)
        settle(reader)
        login(reader, "admin")
        print(f"   第二个浏览器经 nginx 登录成功，落在实例 {replica_b}")
        menu(reader, "服务券统计")
        before = issued_figure(reader)
        print(f"2. 实例 {replica_b} 的服务券统计：发放 {before:,} 张")
        writer.get_by_role("tab", name="批量发放").click()
        settle(writer)
        path = workdir / "batch.xlsx"
        path.write_bytes(batch_file(3))
        writer.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
        settle(writer)
        writer.get_by_text("检查通过：共3家企业").wait_for()
        writer.get_by_role("button", name="发放全部3张").click()
        settle(writer)
        writer.get_by_text("已发放3张服务券").wait_for()
        print(f"3. 在实例 {replica_a} 上传 Excel 并发放 3 张服务券")
        reader.reload()
        settle(reader)
        after = issued_figure(reader)
        print(f"4. 刷新实例 {replica_b} 的服务券统计：发放 {after:,} 张")
        if after != before + 3:
            failures.append(f"另一实例的统计没有更新：{before} → {after}")
        browser.close()
    routes: dict[str, set[str]] = {}
    uploads, streams = set(), set()
    for line in (workdir / "access.log").read_text().splitlines():
        route, upstream, _method, uri = line.split(" ", 3)
        if route != "-" and upstream != "-":
            routes.setdefault(route, set()).add(upstream)
        uploads |= {upstream} if "/_stcore/upload_file" in uri else set()
        streams |= {upstream} if uri.endswith("/_stcore/stream") else set()
    split = {r: u for r, u in routes.items() if len(u) > 1}
    print(f"5. nginx 日志：{len(routes)} 个浏览器路由，WebSocket 到过 {sorted(streams)}，上传到 {sorted(uploads)}")
    if split:
        failures.append(f"同一浏览器的请求分到了不同实例：{split}")
    if uploads != {replica_a}:
        failures.append(f"上传没有落在写入的实例：{uploads}")
    if streams != {replica_a, replica_b}:
        failures.append(f"WebSocket 没有分布在两个实例：{streams}")
    for failure in failures:
        print("失败：" + failure)
    print("两个实例经 nginx 协同工作：通过" if not failures else "未通过")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
