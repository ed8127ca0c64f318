"""Load benchmark (issue 14): USERS concurrent users on one app server, speaking Streamlit's own WebSocket protocol
(the BackMsg/ForwardMsg protobufs the browser sends and receives), from a second process on localhost.

Each user logs in through the real login form (its widgets, by their labels), then works for DURATION seconds
with a think time between pages: the commission reads lists, 服务券统计, 评价统计 and 风险预警; providers read their
lists and vouchers; WRITERS providers add a service record through the voucher's form each time. A page's time is
from the rerun request to the script's end. Afterwards every record written must be in the database.

Usage: python benchmarks/load.py DATABASE_URL [--url URL] [--users 50] [--writers 5] [--duration 120] [--replicas 1]
       [--think 1-3]  (seconds between one person's clicks)
It adds its own accounts to the database if missing (one per simulated person), and without --url starts the app
on it and stops it afterwards: one process, or --replicas processes behind nginx with deploy/'s configuration
(one per core of the server: a Streamlit process runs its scripts on one core). Prints and writes numbers (its
section of docs/benchmarks.md); asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from benchmarks.report import DOC, write_section  # noqa: E402
from deploy import local  # noqa: E402
from lib import clock, db  # noqa: E402
from lib.models import ServiceRecord, User, Voucher  # noqa: E402
from lib.workflow import VoucherStatus as S  # noqa: E402

APP_PORT = 8620
WARM_UP = 60  # seconds: the p95 is also given for the pages after these

PASSWORD = os.environ.get("LOAD_PASSWORD", "Load@Bench2026")
FINISHED = {ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
            ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR}
COMMISSION_PAGES = ["服务券", "服务券统计", "评价统计", "风险预警", "服务商管理", "兑付管理"]
PROVIDER_PAGES = ["服务券", "服务券统计", "评价统计"]


@dataclass
class Run:
    elements: list = field(default_factory=list)  # (kind, proto) in the order drawn
    exception: str | None = None


class Session:
    """One browser tab's worth of Streamlit session, without the browser."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.pages: dict[str, str] = {}  # page name -> page_script_hash
        self.page_hash = ""
        self.query = ""
        self.last = Run()

    async def connect(self) -> None:
        ws_url = self.url.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.url, max_size=2**26)

    async def rerun(self, widgets: list | None = None, *, page: str | None = None, query: str | None = None) -> float:
        """Ask for a run (widget values, another page or query string) and wait for its end; returns seconds."""
        if page is not None:
            self.page_hash = self.pages[page]
        if query is not None:
            self.query = query
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = self.page_hash
        for state in widgets or []:
            msg.rerun_script.widget_states.widgets.append(state)
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        self.last = await self._until_finished()
        return time.perf_counter() - started

    async def _until_finished(self) -> Run:
        run = Run()
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=60))
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                # menu names without their waiting count (撤回审核（4） is 撤回审核)
                self.pages = {re.sub(r"（\d+）$", "", p.page_name): p.page_script_hash
                              for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                run.elements.append((which, getattr(element, which)))
                if which == "exception":
                    run.exception = element.exception.message
            elif kind == "script_finished":
                if fwd.script_finished in FINISHED:
                    return run
                run = Run()  # an early end for a rerun: the next run draws the page again

    def find(self, kind: str, label: str):
        found = [proto for k, proto in self.last.elements if k == kind and proto.label == label]
        if not found:  # what the page drew instead, for the report
            buttons = [p.label for k, p in self.last.elements if k == "button"]
            raise LookupError(f"页面上没有{kind}“{label}”（按钮：{buttons[:12]}）：{self.text()[:300]}")
        return found[0]

    def text(self) -> str:
        """What the page says (markdown, captions, alerts), without the style sheets the app injects."""
        bodies = [getattr(p, "body", "") for _, p in self.last.elements]
        return " ".join(b for b in bodies if b and not b.startswith(("<style", "<script")))

    async def login(self, username: str) -> None:
        await self.rerun()
        states = [self._string(self.find("text_input", "账户名").id, username),
                  self._string(self.find("text_input", "密码").id, PASSWORD),
                  self._trigger(self.find("button", "登录").id)]
        await self.rerun(states)
        if "修改密码" not in self.pages:
            raise RuntimeError(f"{username} 未能登录：{self.text()[:200]}")

    @staticmethod
    def _string(widget_id: str, value: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        return WidgetState(id=widget_id, string_value=value)

    @staticmethod
    def _trigger(widget_id: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        return WidgetState(id=widget_id, trigger_value=True)

    async def add_service_record(self, number: str, text: str) -> float:
        """Open the voucher, 添加服务信息, fill the form and 确定: the seconds of the saving run."""
        if self.page_hash != self.pages["服务券"]:
            await self.rerun(page="服务券", query="")
        await self.rerun(query=f"voucher={number}")  # as the voucher's link does (a page change drops the query)
        await self.rerun([self._trigger(self.find("button", "添加服务信息").id)])
        engineer = self.find("selectbox", "服务工程师")
        states = [self._string(engineer.id, engineer.options[0]), self._date(self.find("date_input", "日期").id),
                  self._string(self.find("text_area", "服务描述").id, text),
                  self._trigger(self.find("button", "确定").id)]
        seconds = await self.rerun(states)
        if "服务信息已添加" not in self.text():
            raise RuntimeError("服务信息未保存：" + self.text()[:300])
        return seconds

    @staticmethod
    def _date(widget_id: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        state = WidgetState(id=widget_id)
        state.string_array_value.data.append(clock.local_date().strftime("%Y/%m/%d"))
        return state


@dataclass
class Tally:
    times: list = field(default_factory=list)
    finished: list = field(default_factory=list)  # when each page of `times` ended (time.time())
    names: list = field(default_factory=list)  # which page each of `times` was
    errors: list = field(default_factory=list)
    written: list = field(default_factory=list)


async def user(url: str, username: str, pages: list[str], tally: Tally, until: float, rng: random.Random,
               write_to: list[str] | None = None, think: tuple[float, float] = (1, 3)) -> None:
    session = Session(url)
    try:
        await asyncio.sleep(rng.uniform(0, 10))  # people arrive over the first seconds, not all at one instant
        await session.connect()
        await session.login(username)
        while time.time() < until:
            await asyncio.sleep(rng.uniform(*think))  # a person reads before the next click
            if write_to:
                text = f"压测服务记录 {username} {len(tally.written)} {rng.random():.6f}"
                tally.times.append(await session.add_service_record(rng.choice(write_to), text))
                tally.finished.append(time.time())
                tally.names.append("添加服务信息")
                tally.written.append(text)
            else:
                page = rng.choice(pages)
                tally.times.append(await session.rerun(page=page, query=""))
                tally.finished.append(time.time())
                tally.names.append(page)
                if session.last.exception:
                    tally.errors.append(f"{username} {page}: {session.last.exception}")
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        tally.errors.append(f"{username}: {type(exc).__name__}: {exc}")
    finally:
        if getattr(session, "ws", None):
            await session.ws.close()


def writable(provider_username: str) -> list[str]:
    with db.read_session() as s:
        provider_id = s.scalar(select(User.provider_id).where(User.username == provider_username))
        return list(s.scalars(select(Voucher.number).where(
            Voucher.provider_id == provider_id, Voucher.status.in_([str(S.CONFIRMED), str(S.DELIVERED)]),
            Voucher.contract_date.is_not(None), Voucher.withdrawal_pending.is_(False)).limit(20)))  # a voucher
        # whose withdrawal awaits the commission takes no records (the app offers no 添加服务信息 on it)


async def main_async(args) -> str:
    tally = Tally()
    people = accounts(args.users, args.writers)
    targets = writable(people[0][0]) if args.writers else []
    until = time.time() + args.duration
    pages = {"commission": COMMISSION_PAGES, "provider": PROVIDER_PAGES, "writer": []}
    tasks = [user(args.url, username, pages[kind], tally, until, random.Random(i),
                  targets if kind == "writer" else None, args.think) for i, (username, kind) in enumerate(people)]
    with db.read_session() as s:
        before = s.scalar(select(func.count()).select_from(ServiceRecord))
    started = time.time()
    await asyncio.gather(*tasks)
    elapsed = time.time() - started
    with db.read_session() as s:
        after = s.scalar(select(func.count()).select_from(ServiceRecord))
        saved = set(s.scalars(select(ServiceRecord.description).where(ServiceRecord.description.in_(tally.written))))
    times = sorted(tally.times)
    p95 = times[int(0.95 * (len(times) - 1))] if times else float("nan")
    # the same after the first minute: everyone has logged in and each statistic was computed once
    later = sorted(t for t, at in zip(tally.times, tally.finished, strict=True) if at - started >= WARM_UP)
    lines = [
        f"Load on {args.url} ({args.replicas} app process{'es behind nginx' if args.replicas > 1 else ''}), "
        f"{clock.local_date():%Y-%m-%d}: {args.users} users ({args.writers} writing service "
        f"records) for {args.duration} s, {args.think[0]:g}–{args.think[1]:g} s think time, over Streamlit's "
        "WebSocket protocol from a second "
        "process (the login form's widgets, then page reruns; no browser, so no second run from the cookie "
        "component).", "",
        f"- pages: {len(times):,} in {elapsed:.0f} s ({len(times) / elapsed:.1f}/s)",
        f"- page time: median {statistics.median(times) * 1000:,.0f} ms, p95 {p95 * 1000:,.0f} ms, "
        f"max {times[-1] * 1000:,.0f} ms" if times else "- no page finished",
        f"- after the first {WARM_UP} s (logins and first computations done): {len(later):,} pages, median "
        f"{statistics.median(later) * 1000:,.0f} ms, p95 {later[int(0.95 * (len(later) - 1))] * 1000:,.0f} ms"
        if later else f"- no page finished after the first {WARM_UP} s",
        *(f"- by page {when} (pages, median, p95): " + "; ".join(
            f"{name} {len(ts)}, {statistics.median(ts) * 1000:,.0f} ms, {_p95(ts) * 1000:,.0f} ms"
            for name, ts in sorted(_by_page(tally, started, later=later_on).items()))
          for when, later_on in (("in the first minute", False), ("after the first minute", True))),
        "- p95 by 20 s of the run (pages): " + "; ".join(
            f"{start}–{start + 20} s {_p95(ts) * 1000:,.0f} ms ({len(ts)})" for start, ts in _windows(tally, started)),
        f"- errors: {len(tally.errors)}" + "".join(f"\n  - {e}" for e in tally.errors[:10]),
        f"- service records written {len(tally.written)}, found in the database {len(saved)} "
        f"(table grew by {after - before})",
        "- target (p95 under 1 s, 0 errors, every record kept): "
        + ("**met**" if p95 < 1 and not tally.errors and len(saved) == len(tally.written) else "**missed**"), ""]
    return "\n".join(lines)


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(0.95 * (len(ordered) - 1))]


def _windows(tally: Tally, started: float, width: int = 20) -> list[tuple[int, list[float]]]:
    """The page times by the `width` seconds of the run in which each page ended: how long the start lasts."""
    out: dict[int, list[float]] = {}
    for t, at in zip(tally.times, tally.finished, strict=True):
        out.setdefault(int((at - started) // width) * width, []).append(t)
    return sorted(out.items())


def _by_page(tally: Tally, started: float, *, later: bool = True) -> dict[str, list[float]]:
    """Each page's times after the first WARM_UP seconds (or, not `later`, within them)."""
    out: dict[str, list[float]] = {}
    for t, at, name in zip(tally.times, tally.finished, tally.names, strict=True):
        if (at - started >= WARM_UP) == later:
            out.setdefault(name, []).append(t)
    return {name: sorted(ts) for name, ts in out.items()}


def accounts(users: int, writers: int) -> list[tuple[str, str]]:
    """One login per simulated person (an account is locked after five attempts running at once, as a guessing
    attack would be): (username, role) each, made here if missing, first-login change waived. Readers among
    the providers alternate between the two providers with the most vouchers open to service records; writers
    all belong to the first."""
    from lib import auth
    from lib.actors import Actor
    with db.read_session() as s:
        busiest = list(s.scalars(select(Voucher.provider_id).where(
            Voucher.status.in_([str(S.CONFIRMED), str(S.DELIVERED)]), Voucher.contract_date.is_not(None))
            .group_by(Voucher.provider_id).order_by(func.count().desc()).limit(2)))
    wanted = []
    for i in range(users):
        if i < writers:
            wanted.append((f"loadw{i}", "writer", busiest[0]))
        elif i % 2:
            wanted.append((f"loadc{i}", "commission", None))
        else:
            wanted.append((f"loadr{i}", "provider", busiest[i // 2 % len(busiest)]))
    for username, kind, provider_id in wanted:
        with db.read_session() as s:
            if s.scalar(select(User.id).where(User.username == username)):
                continue
        auth.create_user(actor=Actor.system(), username=username, display_name=username, password=PASSWORD,
                         role="commission" if kind == "commission" else "provider", provider_id=provider_id)
        with db.transaction() as s:
            s.scalars(select(User).where(User.username == username)).one().must_change_password = False
    return [(username, kind) for username, kind, _ in wanted]


def serve(database_url: str, replicas: int, workdir: Path) -> list[subprocess.Popen]:
    """`replicas` app servers on the database; with more than one, nginx in front of them on APP_PORT (deploy/'s
    configuration) spreads the sessions, as on a server that runs one replica per core."""
    env = {**os.environ, "DATABASE_URL": database_url, "COOKIE_KEY": "load-benchmark-key-" + "x" * 32}
    ports = [APP_PORT] if replicas == 1 else [APP_PORT + 1 + i for i in range(replicas)]
    procs = [local.start_app(port, env, (workdir / f"app{port}.log").open("wb")) for port in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            local.wait_healthy(f"http://127.0.0.1:{port}", proc=proc)
        if replicas > 1:
            procs.append(local.start_nginx(workdir, ports, APP_PORT))
    except TimeoutError:
        local.stop(*procs)
        raise SystemExit("应用未能启动：" + str(workdir)) from None
    return procs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--url")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--out", default=str(DOC))
    parser.add_argument("--replicas", type=int, default=1, help="app processes behind nginx on this server")
    parser.add_argument("--think", default="1-3", help="seconds between a person's clicks, MIN-MAX")
    args = parser.parse_args()
    args.think = tuple(float(x) for x in args.think.split("-"))
    db.use_database(args.database_url)
    servers = [] if args.url else serve(args.database_url, args.replicas, Path(tempfile.mkdtemp(prefix="load_")))
    args.url = args.url or f"http://127.0.0.1:{APP_PORT}"
    try:
        with db.read_session() as s:
            vouchers = s.scalar(select(func.count()).select_from(Voucher))
        report = asyncio.run(main_async(args)).replace("Load on", f"Load ({vouchers:,} vouchers) on", 1)
    finally:
        local.stop(*servers)
    print(report)
    processes = "one app process" if args.replicas == 1 else f"{args.replicas} app processes behind nginx"
    span, usual = f"{args.think[0]:g}-{args.think[1]:g}", args.think == (1, 3)
    key = f"load-{args.replicas}-{args.users}" + ("" if usual else f"-think{span}")
    heading = f"## {args.users} users on {processes}" + ("" if usual else f", {span} s between clicks")
    command = f"make load USERS={args.users} REPLICAS={args.replicas}" + ("" if usual else f" THINK={span}")
    write_section(key, f"{heading} (`{command}`)\n\n" + report, Path(args.out))


if __name__ == "__main__":
    main()
