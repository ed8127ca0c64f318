"""Synthetic data at scale (`seed --vouchers N`): providers with products and engineers, enterprises and
vouchers at every stage of the life cycle with their records, written with bulk inserts."""
from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, select, text

from lib import clock, db, derived
from lib.labels import CRITERIA, DISTRICTS, ENTERPRISE_SIZES, IMPROVEMENTS, NEXT_FOCUS, band
from lib.models import (
    Batch,
    Engineer,
    Enterprise,
    Evaluation,
    History,
    Product,
    ProductCategory,
    Provider,
    Region,
    ServiceRecord,
    Settlement,
    Voucher,
    Withdrawal,
)
from lib.seed.reference import (
    CHUNK,
    FACE_VALUE,
    bulk,
    credit_code_for,
    ensure_batch,
    fix_sequences,
    mobile,
    next_id,
    person,
    reserve,
    seed_reference,
)
from lib.workflow import HAPPY_PATH, TRANSITIONS, Action, ProductStatus, ProviderStatus, WithdrawalStatus
from lib.workflow import VoucherStatus as S

# Share of each status in generated data: most vouchers of a running programme are far along.
STATUS_WEIGHTS = {S.ISSUED: 5, S.ACTIVATED: 5, S.PENDING_CONFIRM: 5, S.CONFIRMED: 12, S.DELIVERED: 10,
                  S.EVALUATED: 25, S.SETTLED: 28, S.EXPIRED: 7, S.VOIDED: 3}

TRADE = ["智造", "科技", "精密", "电子", "机械", "新材料", "食品", "纺织", "物流", "医药", "包装", "环保", "软件",
         "建材"]
PREFIX = ["金陵", "钟山", "紫金", "秦淮", "石城", "江宁", "栖霞", "玄武", "雨花", "六合", "溧水", "高淳", "浦口",
          "仙林"]
SERVICE_TEXT = ["上门安装部署系统并完成基础数据初始化", "对企业操作人员进行系统使用培训", "调研业务流程并完成系统配置",
                "现场排查网络与权限问题", "完成历史数据迁移并核对", "回访使用情况并优化报表", "上线试运行现场支持"]
MODULES = ["采购管理", "库存管理", "销售管理", "财务核算", "生产排程", "质量追溯", "设备点检", "客户关系", "人事考勤",
           "移动审批", "电子发票", "仓储条码", "能耗监测", "网站建设", "网络安全", "数据备份", "视频会议", "报表分析"]
COPIED_SHARE = 0.003  # service records whose text was copied from another voucher's
Step = tuple[S | None, S, datetime, Action, dict | None]  # from, to, when, action, changes: one history row


def make_providers(conn: Connection, rng: random.Random, count: int, now: datetime, start_serial: int = 1) -> list[int]:
    """Providers, each with three products (every category used) and five engineers."""
    cats = conn.execute(select(ProductCategory.id, ProductCategory.name).order_by(ProductCategory.sort_order)).all()
    pid0 = next_id(conn, Provider.__table__)
    providers, products, engineers = [], [], []
    for i in range(count):
        pid = pid0 + i
        serial = start_serial + i
        providers.append({"id": pid, "name": f"南京{rng.choice(PREFIX)}{rng.choice(TRADE)}信息服务有限公司{serial:03d}",
                          "credit_code": credit_code_for(serial, "320000"),
                          "phone": f"025-8{rng.randrange(10**6, 10**7)}",
                          "fax": None, "contact": person(rng),
                          "address": f"南京市{rng.choice(DISTRICTS)}软件大道{serial}号",
                          "website": None, "status": ProviderStatus.ACTIVE, "created_at": now})
        for k in range(3):
            cat_id, cat_name = cats[(i * 3 + k) % len(cats)]
            short = cat_name.split("（")[0].split("/")[0]
            products.append({"provider_id": pid, "name": f"{rng.choice(PREFIX)}{short}解决方案V{k + 1}",
                             "category_id": cat_id,
                             "price": Decimal(rng.choice([8000, 12000, 15800, 19800, 26000, 38000])),
                             "target": "南京市中小企业", "problems": "业务流程线上化、数据统计分析",
                             "cases": "已服务本地企业多家",
                             "status": ProductStatus.ON_SALE, "review_note": None, "created_at": now,
                             "updated_at": None})
        for _k in range(5):
            engineers.append({"provider_id": pid, "name": person(rng), "mobile": mobile(rng),
                              "title": rng.choice(["实施工程师", "售后工程师", "项目经理", "技术顾问"]),
                              "active": True})
    bulk(conn, Provider.__table__, providers)
    bulk(conn, Product.__table__, products)
    bulk(conn, Engineer.__table__, engineers)
    # PostgreSQL: a provider, product or engineer added later through the app must not reuse these ids.
    fix_sequences(conn, [Provider.__table__, Product.__table__, Engineer.__table__])
    return [p["id"] for p in providers]


class Generator:
    """Builds enterprises, vouchers and their records in realistic proportions, with bulk inserts."""

    def __init__(self, conn: Connection, rng: random.Random, now: datetime, *, with_history: bool,
                 progress: Callable[[int, int], None] | None = None, provider_ids: list[int] | None = None) -> None:
        self.conn, self.rng, self.now, self.with_history, self.progress = conn, rng, now, with_history, progress
        self.copied: list[str] = []
        self.varied_texts = False  # the demo keeps its few texts (and so its exact data); `seed` varies them
        self.regions = list(conn.scalars(select(Region.id)))
        offers = select(Product.id, Product.provider_id, Product.price).where(Product.status == ProductStatus.ON_SALE)
        if provider_ids is not None:
            offers = offers.where(Product.provider_id.in_(provider_ids))
        self.offers = conn.execute(offers).all()
        self.engineers: dict[int, list[int]] = {}
        for eid, pid in conn.execute(select(Engineer.id, Engineer.provider_id).where(Engineer.active.is_(True))):
            self.engineers.setdefault(pid, []).append(eid)
        self.batches = {y: bid for bid, y in conn.execute(select(Batch.id, Batch.year))}
        self.statuses = list(STATUS_WEIGHTS)
        self.weights = list(STATUS_WEIGHTS.values())

    def _when(self, start: datetime, max_days: float) -> datetime:
        return min(self.now, start + timedelta(days=self.rng.uniform(0.05, max_days)))

    def run(self, count: int, years: list[int], ent_serial0: int) -> int:
        """Generate `count` vouchers spread over `years` (each batch holds at most 99,999)."""
        done = 0
        ids = {"enterprise": next_id(self.conn, Enterprise.__table__), "voucher": next_id(self.conn, Voucher.__table__)}
        for year in years:
            if done >= count:
                break
            batch_id = self.batches.get(year) or ensure_batch(self.conn, year)
            room = 99_999 - (self.conn.scalar(select(Batch.next_serial).where(Batch.id == batch_id)) - 1)
            share = min(room, count - done, -(-count // len(years)) if year != years[-1] else count - done)
            if share <= 0:
                continue
            serial = reserve(self.conn, batch_id, share)
            for chunk_start in range(0, share, CHUNK):
                n = min(CHUNK, share - chunk_start)
                self._chunk(n, year, year == years[-1], batch_id, serial + chunk_start, ent_serial0 + done, ids)
                done += n
                if self.progress:
                    self.progress(done, count)
        fix_sequences(self.conn, [Enterprise.__table__, Voucher.__table__, ServiceRecord.__table__,
                                  Evaluation.__table__, Settlement.__table__, History.__table__, Withdrawal.__table__])
        return done

    def _issued(self, status: S, year: int, latest_year: bool) -> tuple[S, datetime]:
        """When the voucher was issued; a 待激活/已激活 voucher of an earlier year has expired meanwhile."""
        rng, now = self.rng, self.now
        year_start = datetime(year, 1, 1, tzinfo=UTC)
        year_end = min(now, datetime(year, 12, 31, 12, tzinfo=UTC))
        span = max(1.0, (year_end - year_start).total_seconds() / 86400 - 60)
        if latest_year and status in (S.ISSUED, S.ACTIVATED):
            return status, now - timedelta(days=rng.uniform(0.1, 12))
        if status in (S.ISSUED, S.ACTIVATED):
            status = S.EXPIRED
        return status, year_start + timedelta(days=rng.uniform(0, span))

    def _chunk(self, n: int, year: int, latest_year: bool, batch_id: int, serial: int, ent_serial: int,
               ids: dict[str, int]) -> None:
        rows: dict[str, list] = {"enterprises": [], "vouchers": [], "services": [], "evals": [], "settles": [],
                                 "history": [], "withdrawals": []}
        for k in range(n):
            status, issued = self._issued(self.rng.choices(self.statuses, self.weights)[0], year, latest_year)
            rows["enterprises"].append(self._enterprise(ids["enterprise"], ent_serial + k, issued, status))
            voucher, extra = self._voucher(ids["voucher"], f"{year % 100:02d}{serial + k:05d}", batch_id,
                                           ids["enterprise"], status, issued)
            rows["vouchers"].append(voucher)
            for key, more in extra.items():
                rows[key] += more
            ids["enterprise"] += 1
            ids["voucher"] += 1
        for key, table in [("enterprises", Enterprise), ("vouchers", Voucher), ("services", ServiceRecord),
                           ("evals", Evaluation), ("settles", Settlement), ("withdrawals", Withdrawal)]:
            bulk(self.conn, table.__table__, rows[key])
        if self.with_history:
            bulk(self.conn, History.__table__, rows["history"])

    def _enterprise(self, eid: int, serial: int, issued: datetime, status: S) -> dict:
        rng = self.rng
        complete = status != S.ISSUED and not (status == S.EXPIRED and rng.random() < 0.5)
        employees = rng.choice([8, 15, 30, 60, 120, 250, 480])
        revenue = Decimal(rng.randrange(50, 20000))
        row = {"id": eid, "credit_code": credit_code_for(serial),
               "name": f"南京{rng.choice(PREFIX)}{rng.choice(TRADE)}有限公司{serial}",
               "region_id": rng.choice(self.regions), "created_at": issued, "updated_at": None,
               "size": None, "legal_rep": None, "address": None, "founded_on": None, "contact": None, "phone": None,
               "qq": None, "email": None, "employees": None, "difficulty": None, "remark": None,
               "output_prev": None, "output_plan": None, "revenue_prev": None, "revenue_plan": None,
               "profit_prev": None, "profit_plan": None}
        if complete:
            row.update(size="微型" if employees < 20 else "小型" if employees < 100 else "中型" if employees < 300
                       else rng.choice(ENTERPRISE_SIZES[:2]),
                       legal_rep=person(rng), address=f"南京市某路{rng.randrange(1, 999)}号",
                       founded_on=date(rng.randrange(1995, 2024), rng.randrange(1, 13), rng.randrange(1, 28)),
                       contact=person(rng), phone=mobile(rng), qq=str(rng.randrange(10**5, 10**10)),
                       email=f"contact{serial}@example.com", employees=employees,
                       output_prev=revenue * Decimal("1.1"), output_plan=revenue * Decimal("1.2"), revenue_prev=revenue,
                       revenue_plan=revenue * Decimal("1.1"), profit_prev=revenue / 10, profit_plan=revenue / 9,
                       difficulty=rng.choice(["信息化基础薄弱", "缺少专业人才", "管理流程不规范", None]))
            for k in ("output_prev", "output_plan", "revenue_plan", "profit_prev", "profit_plan"):
                row[k] = row[k].quantize(Decimal("0.01"))
        return row

    def _voucher(self, vid: int, number: str, batch_id: int, ent_id: int, status: S,
                 issued: datetime) -> tuple[dict, dict]:
        """One voucher walked along the happy path to `status` (or to where it expired or was voided)."""
        extra: dict[str, list] = {"services": [], "evals": [], "settles": [], "history": [], "withdrawals": []}
        v = {"id": vid, "number": number, "batch_id": batch_id, "enterprise_id": ent_id, "face_value": FACE_VALUE,
             "status": str(status), "provider_id": None, "product_id": None, "price": None, "issued_at": issued,
             "activated_at": None, "chosen_at": None, "confirmed_at": None, "confirm_remark": None,
             "contract_date": None, "delivered_on": None, "delivery_content": None, "evaluated_at": None,
             "settled_on": None, "settled_amount": None, "expires_at": None, "expired_from": None,
             "withdrawal_pending": False, "withdrawal_reason": None, "void_reason": None, "updated_at": issued}
        steps: list[Step] = [(None, S.ISSUED, issued, Action.ISSUE, None)]
        reached = status
        if status == S.EXPIRED:
            reached = self.rng.choice([S.ISSUED, S.ACTIVATED])
            v["expired_from"] = str(reached)
        elif status == S.VOIDED:
            reached = self.rng.choice(HAPPY_PATH[:5])
        level = HAPPY_PATH.index(reached)
        stages = [self._activate, self._choose, self._confirm, self._deliver, self._evaluate, self._settle]
        t = issued
        for stage in stages[:level]:
            t = stage(v, t, level, steps, extra)
        t = self._close(v, status, reached, t, steps)
        if status in (S.PENDING_CONFIRM, S.CONFIRMED) and self.rng.random() < 0.08:
            v["withdrawal_pending"] = True
            v["withdrawal_reason"] = "企业需求变更"
            extra["withdrawals"].append({"voucher_id": vid, "provider_id": v["provider_id"], "reason": "企业需求变更",
                                         "requested_by": None, "requested_at": self._when(t, 5),
                                         "status": WithdrawalStatus.PENDING, "decided_by": None, "decided_at": None,
                                         "decision_reason": None})
        v["updated_at"] = steps[-1][2]
        if self.with_history:
            extra["history"] = [{"at": at, "user_id": None, "username": "模拟数据",
                                 "role": str(min(TRANSITIONS[action].roles)),
                                 "voucher_id": vid, "action": str(action), "from_status": str(old) if old else None,
                                 "to_status": str(new), "changes": changes} for old, new, at, action, changes in steps]
        return v, extra

    def _activate(self, v: dict, t: datetime, level: int, steps: list[Step], extra: dict) -> datetime:
        t = v["activated_at"] = self._when(t, 10)
        steps.append((S.ISSUED, S.ACTIVATED, t, Action.ACTIVATE, None))
        return t

    def _choose(self, v: dict, t: datetime, level: int, steps: list[Step], extra: dict) -> datetime:
        pid_product, provider_id, price = self.rng.choice(self.offers)
        t = v["chosen_at"] = self._when(t, 20)
        v.update(provider_id=provider_id, product_id=pid_product, price=price)
        steps.append((S.ACTIVATED, S.PENDING_CONFIRM, t, Action.CHOOSE_PRODUCT, None))
        return t

    def _confirm(self, v: dict, t: datetime, level: int, steps: list[Step], extra: dict) -> datetime:
        """确认购买, then (always once delivered, often before) the contract and on-site service records."""
        rng = self.rng
        t = v["confirmed_at"] = self._when(t, 6)
        steps.append((S.PENDING_CONFIRM, S.CONFIRMED, t, Action.CONFIRM, None))
        if not (level >= 4 or rng.random() < 0.7):
            return t
        t = self._when(t, 10)
        v["contract_date"] = clock.local_date(t)
        engineers = self.engineers[v["provider_id"]]
        for _ in range(rng.choice([1, 1, 2, 3]) if level >= 4 or rng.random() < 0.6 else 0):
            t = self._when(t, 15)
            extra["services"].append({"voucher_id": v["id"], "engineer_id": rng.choice(engineers),
                                      "service_date": clock.local_date(t), "description": self._description(t)
                                      if self.varied_texts else f"{rng.choice(SERVICE_TEXT)}，"
                                      f"涉及{rng.randrange(2, 60)}个业务流程，培训{rng.randrange(2, 40)}人",
                                      "remark": None, "created_by": None, "created_at": t, "updated_by": None,
                                      "updated_at": None})
        return t

    def _description(self, t: datetime) -> str:
        """What an engineer writes about one visit: different every time, except the rare copied text that
        风险预警's identical-description signal is there to find."""
        rng = self.rng
        if self.copied and rng.random() < COPIED_SHARE:
            return rng.choice(self.copied)
        modules = "、".join(rng.sample(MODULES, rng.randint(1, 3)))
        text = (f"{clock.local_date(t):%m月%d日}{rng.choice(SERVICE_TEXT)}，涉及{modules}，"
                f"梳理{rng.randrange(2, 60)}个业务流程，培训{rng.randrange(2, 40)}人")
        if len(self.copied) < 50:
            self.copied.append(text)
        return text

    def _deliver(self, v: dict, t: datetime, level: int, steps: list[Step], extra: dict) -> datetime:
        t = self._when(t, 30)
        v["delivered_on"] = clock.local_date(t)
        v["delivery_content"] = "系统上线运行，交付使用手册和培训记录"
        steps.append((S.CONFIRMED, S.DELIVERED, t, Action.RECORD_DELIVERY, None))
        return t

    def _evaluate(self, v: dict, t: datetime, level: int, steps: list[Step], extra: dict) -> datetime:
        rng = self.rng
        t = v["evaluated_at"] = self._when(t, 12)
        scores = {f: max(0, mx - rng.choice([0, 0, 0, 1, 1, 2, 3, 5])) for f, _l, mx in CRITERIA}
        if rng.random() < 0.05:
            scores = {f: rng.randrange(2, mx // 2 + 2) for f, _l, mx in CRITERIA}
        total = sum(scores.values())
        extra["evals"].append({"voucher_id": v["id"], **scores, "total": total, "band": band(total),
                               "solved": total >= 60 and rng.random() < 0.9,
                               "improvements": rng.sample(IMPROVEMENTS[:8], rng.randrange(1, 4)),
                               "next_focus": rng.sample(NEXT_FOCUS[:6], rng.randrange(1, 3)),
                               "comment": rng.choice([None, None, "服务很好", "响应及时，希望加强培训", "价格偏高"]),
                               "created_by": None, "created_at": t})
        steps.append((S.DELIVERED, S.EVALUATED, t, Action.EVALUATE, {"total": total}))
        return t

    def _settle(self, v: dict, t: datetime, level: int, steps: list[Step], extra: dict) -> datetime:
        t = self._when(t, 40)
        v["settled_on"] = clock.local_date(t)
        v["settled_amount"] = FACE_VALUE
        extra["settles"].append({"voucher_id": v["id"], "amount": FACE_VALUE, "settled_on": v["settled_on"],
                                 "created_by": None, "created_at": t})
        steps.append((S.EVALUATED, S.SETTLED, t, Action.SETTLE, None))
        return t

    def _close(self, v: dict, status: S, reached: S, t: datetime, steps: list[Step]) -> datetime:
        """The deadline of a voucher still waiting, or how it ended (过期, 作废)."""
        if status == S.ISSUED:
            v["expires_at"] = v["issued_at"] + timedelta(days=15)
        elif status == S.ACTIVATED:
            v["expires_at"] = v["activated_at"] + timedelta(days=30)
        elif status == S.EXPIRED:
            deadline = (v["issued_at"] + timedelta(days=15) if reached == S.ISSUED
                        else v["activated_at"] + timedelta(days=30))
            v["expires_at"] = deadline
            steps.append((reached, S.EXPIRED, min(self.now, deadline), Action.EXPIRE, None))
        elif status == S.VOIDED:
            t = self._when(t, 20)
            v["void_reason"] = "企业不符合申领条件"
            steps.append((reached, S.VOIDED, t, Action.VOID, {"reason": v["void_reason"]}))
        return t


def _progress_bar(label: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def seed_synthetic(count: int, *, seed: int = 1, now: datetime | None = None, progress: bool = True) -> int:
    """`seed --vouchers N`: providers, products, engineers, enterprises, vouchers, records at scale."""
    now = now or clock.utcnow()
    rng = random.Random(seed)
    with db.get_engine().begin() as conn:
        seed_reference(conn)
        existing = conn.scalar(select(func.count()).select_from(Provider)) or 0
        make_providers(conn, rng, max(5, min(500, count // 2000)), now, start_serial=existing + 1)
        first_year = now.year - max(0, -(-count // 99_999) - 1)
        years = list(range(min(first_year, now.year - 2), now.year + 1))
        ent0 = 10_000_000 + (conn.scalar(select(func.max(Enterprise.id))) or 0)
        gen = Generator(conn, rng, now, with_history=True, progress=_progress_bar("生成服务券") if progress else None)
        gen.varied_texts = True
        done = gen.run(count, years, ent0)
        derived.rebuild(conn)  # bulk inserts pass by the flush listeners that keep the derived tables
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    if db.get_engine().dialect.name == "sqlite":
        with db.get_engine().connect() as conn:
            conn.execute(text("ANALYZE"))
    return done
