"""Reference data, the demo database of DESIGN.md §8 and synthetic data at scale (bulk inserts)."""
from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select, text

from lib import auth, clock, db
from lib.labels import (
    CATEGORIES,
    CRITERIA,
    DEV_ZONES,
    DISTRICTS,
    ENTERPRISE_SIZES,
    IMPROVEMENTS,
    NEXT_FOCUS,
    band,
)
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
    User,
    Voucher,
    Withdrawal,
)
from lib.validation import credit_check_char
from lib.workflow import VoucherStatus as S

DEMO_PASSWORD = "Demo@2026"
FACE_VALUE = Decimal("10000.00")
LANGKUN = "朗坤智慧科技股份有限公司"
LANGKUN_PRODUCT = "“由你飞”运营管控平台-企业版"
PROVIDER2 = "南京云启信息技术有限公司"
CHUNK = 5000

# Share of each status in generated data: most vouchers of a running programme are far along.
STATUS_WEIGHTS = {S.ISSUED: 5, S.ACTIVATED: 5, S.PENDING_CONFIRM: 5, S.CONFIRMED: 12, S.DELIVERED: 10,
                  S.EVALUATED: 25, S.SETTLED: 28, S.EXPIRED: 7, S.VOIDED: 3}
ORDER = [S.ISSUED, S.ACTIVATED, S.PENDING_CONFIRM, S.CONFIRMED, S.DELIVERED, S.EVALUATED, S.SETTLED]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "秀英", "建华", "晓东"]
TRADE = ["智造", "科技", "精密", "电子", "机械", "新材料", "食品", "纺织", "物流", "医药", "包装", "环保", "软件", "建材"]
PREFIX = ["金陵", "钟山", "紫金", "秦淮", "石城", "江宁", "栖霞", "玄武", "雨花", "六合", "溧水", "高淳", "浦口", "仙林"]
SERVICE_TEXT = ["上门安装部署系统并完成基础数据初始化", "对企业操作人员进行系统使用培训", "调研业务流程并完成系统配置",
                "现场排查网络与权限问题", "完成历史数据迁移并核对", "回访使用情况并优化报表", "上线试运行现场支持"]


def credit_code_for(serial: int, admin: str = "320100") -> str:
    """A valid, unique 统一社会信用代码 for generated enterprise number `serial`."""
    first17 = f"91{admin}{serial:09d}"
    return first17 + credit_check_char(first17)


def seed_reference(conn: Connection) -> None:
    """区域 and 产品类别 (DESIGN.md §7); idempotent."""
    if not conn.scalar(select(func.count()).select_from(Region)):
        conn.execute(insert(Region), [{"name": n, "kind": "district", "sort_order": i, "active": True}
                                      for i, n in enumerate(DISTRICTS)]
                     + [{"name": n, "kind": "devzone", "sort_order": 100 + i, "active": True}
                        for i, n in enumerate(DEV_ZONES)])
    if not conn.scalar(select(func.count()).select_from(ProductCategory)):
        conn.execute(insert(ProductCategory), [{"name": n, "sort_order": i, "active": True}
                                               for i, n in enumerate(CATEGORIES)])


def ensure_batch(conn: Connection, year: int) -> int:
    batch_id = conn.scalar(select(Batch.id).where(Batch.year == year))
    if batch_id is None:
        batch_id = conn.execute(insert(Batch).values(year=year, face_value=FACE_VALUE, expiry_days_after_issue=15,
                                                     expiry_days_after_activation=30, next_serial=1)
                                .returning(Batch.id)).scalar_one()
    return batch_id


def _reserve(conn: Connection, batch_id: int, count: int) -> int:
    first = conn.scalar(select(Batch.next_serial).where(Batch.id == batch_id))
    if first + count - 1 > 99_999:
        raise ValueError("batch full")
    conn.execute(Batch.__table__.update().where(Batch.id == batch_id).values(next_serial=first + count))
    return first


def _next_id(conn: Connection, table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def _fix_sequences(conn: Connection, tables: list) -> None:
    if conn.dialect.name == "postgresql":
        for table in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1))"))


def _bulk(conn: Connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def make_providers(conn: Connection, rng: random.Random, count: int, now: datetime, start_serial: int = 1) -> list[int]:
    """Providers, each with three products (every category used) and five engineers."""
    cats = conn.execute(select(ProductCategory.id, ProductCategory.name).order_by(ProductCategory.sort_order)).all()
    pid0 = _next_id(conn, Provider.__table__)
    providers, products, engineers = [], [], []
    for i in range(count):
        pid = pid0 + i
        serial = start_serial + i
        providers.append({"id": pid, "name": f"南京{rng.choice(PREFIX)}{rng.choice(TRADE)}信息服务有限公司{serial:03d}",
                          "credit_code": credit_code_for(serial, "320000"), "phone": f"025-8{rng.randrange(10**6, 10**7)}",
                          "fax": None, "contact": _person(rng), "address": f"南京市{rng.choice(DISTRICTS)}软件大道{serial}号",
                          "website": None, "status": "active", "created_at": now})
        for k in range(3):
            cat_id, cat_name = cats[(i * 3 + k) % len(cats)]
            short = cat_name.split("（")[0].split("/")[0]
            products.append({"provider_id": pid, "name": f"{rng.choice(PREFIX)}{short}解决方案V{k + 1}",
                             "category_id": cat_id, "price": Decimal(rng.choice([8000, 12000, 15800, 19800, 26000, 38000])),
                             "target": "南京市中小企业", "problems": "业务流程线上化、数据统计分析", "cases": "已服务本地企业多家",
                             "status": "on_sale", "review_note": None, "created_at": now, "updated_at": None})
        for _k in range(5):
            engineers.append({"provider_id": pid, "name": _person(rng), "mobile": _mobile(rng),
                              "title": rng.choice(["实施工程师", "售后工程师", "项目经理", "技术顾问"]), "active": True})
    _bulk(conn, Provider.__table__, providers)
    _bulk(conn, Product.__table__, products)
    _bulk(conn, Engineer.__table__, engineers)
    return [p["id"] for p in providers]


class Generator:
    """Builds enterprises, vouchers and their records in realistic proportions, with bulk inserts."""

    def __init__(self, conn: Connection, rng: random.Random, now: datetime, *, with_history: bool,
                 progress: Callable[[int, int], None] | None = None, provider_ids: list[int] | None = None) -> None:
        self.conn, self.rng, self.now, self.with_history, self.progress = conn, rng, now, with_history, progress
        self.regions = list(conn.scalars(select(Region.id)))
        offers = select(Product.id, Product.provider_id, Product.price).where(Product.status == "on_sale")
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
        rng, now = self.rng, self.now
        done = 0
        ent_id = _next_id(self.conn, Enterprise.__table__)
        v_id = _next_id(self.conn, Voucher.__table__)
        for year in years:
            if done >= count:
                break
            batch_id = self.batches.get(year) or ensure_batch(self.conn, year)
            room = 99_999 - (self.conn.scalar(select(Batch.next_serial).where(Batch.id == batch_id)) - 1)
            share = min(room, count - done, -(-count // len(years)) if year != years[-1] else count - done)
            if share <= 0:
                continue
            serial = _reserve(self.conn, batch_id, share)
            year_start = datetime(year, 1, 1, tzinfo=UTC)
            year_end = min(now, datetime(year, 12, 31, 12, tzinfo=UTC))
            span = max(1.0, (year_end - year_start).total_seconds() / 86400 - 60)
            for chunk_start in range(0, share, CHUNK):
                n = min(CHUNK, share - chunk_start)
                ents, vouchers, services, evals, settles, hist, withdrawals = [], [], [], [], [], [], []
                for _ in range(n):
                    status = rng.choices(self.statuses, self.weights)[0]
                    if year == years[-1] and status in (S.ISSUED, S.ACTIVATED):
                        issued = now - timedelta(days=rng.uniform(0.1, 12))
                    elif status in (S.ISSUED, S.ACTIVATED):
                        status = S.EXPIRED
                        issued = year_start + timedelta(days=rng.uniform(0, span))
                    else:
                        issued = year_start + timedelta(days=rng.uniform(0, span))
                    e_serial = ent_serial0 + done
                    ents.append(self._enterprise(ent_id, e_serial, issued, status))
                    v, extra = self._voucher(v_id, f"{year % 100:02d}{serial:05d}", batch_id, ent_id, status, issued)
                    vouchers.append(v)
                    services += extra["services"]
                    evals += extra["evals"]
                    settles += extra["settles"]
                    hist += extra["history"]
                    withdrawals += extra["withdrawals"]
                    ent_id += 1
                    v_id += 1
                    serial += 1
                    done += 1
                _bulk(self.conn, Enterprise.__table__, ents)
                _bulk(self.conn, Voucher.__table__, vouchers)
                _bulk(self.conn, ServiceRecord.__table__, services)
                _bulk(self.conn, Evaluation.__table__, evals)
                _bulk(self.conn, Settlement.__table__, settles)
                _bulk(self.conn, Withdrawal.__table__, withdrawals)
                if self.with_history:
                    _bulk(self.conn, History.__table__, hist)
                if self.progress:
                    self.progress(done, count)
        _fix_sequences(self.conn, [Enterprise.__table__, Voucher.__table__, ServiceRecord.__table__,
                                   Evaluation.__table__, Settlement.__table__, History.__table__, Withdrawal.__table__])
        return done

    def _enterprise(self, eid: int, serial: int, issued: datetime, status: S) -> dict:
        rng = self.rng
        complete = status != S.ISSUED and not (status == S.EXPIRED and rng.random() < 0.5)
        employees = rng.choice([8, 15, 30, 60, 120, 250, 480])
        revenue = Decimal(rng.randrange(50, 20000))
        row = {"id": eid, "credit_code": credit_code_for(serial), "name": f"南京{rng.choice(PREFIX)}{rng.choice(TRADE)}有限公司{serial}",
               "region_id": rng.choice(self.regions), "created_at": issued, "updated_at": None,
               "size": None, "legal_rep": None, "address": None, "founded_on": None, "contact": None, "phone": None,
               "qq": None, "email": None, "employees": None, "difficulty": None, "remark": None,
               "output_prev": None, "output_plan": None, "revenue_prev": None, "revenue_plan": None,
               "profit_prev": None, "profit_plan": None}
        if complete:
            row.update(size="微型" if employees < 20 else "小型" if employees < 100 else "中型" if employees < 300 else rng.choice(ENTERPRISE_SIZES[:2]),
                       legal_rep=_person(rng), address=f"南京市某路{rng.randrange(1, 999)}号",
                       founded_on=date(rng.randrange(1995, 2024), rng.randrange(1, 13), rng.randrange(1, 28)),
                       contact=_person(rng), phone=_mobile(rng), qq=str(rng.randrange(10**5, 10**10)),
                       email=f"contact{serial}@example.com", employees=employees,
                       output_prev=revenue * Decimal("1.1"), output_plan=revenue * Decimal("1.2"), revenue_prev=revenue,
                       revenue_plan=revenue * Decimal("1.1"), profit_prev=revenue / 10, profit_plan=revenue / 9,
                       difficulty=rng.choice(["信息化基础薄弱", "缺少专业人才", "管理流程不规范", None]))
            for k in ("output_prev", "output_plan", "revenue_plan", "profit_prev", "profit_plan"):
                row[k] = row[k].quantize(Decimal("0.01"))
        return row

    def _voucher(self, vid: int, number: str, batch_id: int, ent_id: int, status: S, issued: datetime) -> tuple[dict, dict]:
        rng, now = self.rng, self.now
        extra: dict[str, list] = {"services": [], "evals": [], "settles": [], "history": [], "withdrawals": []}
        v = {"id": vid, "number": number, "batch_id": batch_id, "enterprise_id": ent_id, "face_value": FACE_VALUE,
             "status": str(status), "provider_id": None, "product_id": None, "price": None, "issued_at": issued,
             "activated_at": None, "chosen_at": None, "confirmed_at": None, "confirm_remark": None, "contract_date": None,
             "delivered_on": None, "delivery_content": None, "evaluated_at": None, "settled_on": None,
             "settled_amount": None, "expires_at": None, "expired_from": None, "withdrawal_pending": False,
             "withdrawal_reason": None, "void_reason": None, "updated_at": issued}
        steps = [(None, S.ISSUED, issued, "issue", None)]
        reached = status
        if status == S.EXPIRED:
            reached = rng.choice([S.ISSUED, S.ACTIVATED])
            v["expired_from"] = str(reached)
        elif status == S.VOIDED:
            reached = rng.choice(ORDER[:5])
        level = ORDER.index(reached)
        t = issued
        if level >= 1:
            t = v["activated_at"] = self._when(t, 10)
            steps.append((S.ISSUED, S.ACTIVATED, t, "activate", None))
        if level >= 2:
            pid_product, provider_id, price = rng.choice(self.offers)
            t = v["chosen_at"] = self._when(t, 20)
            v.update(provider_id=provider_id, product_id=pid_product, price=price)
            steps.append((S.ACTIVATED, S.PENDING_CONFIRM, t, "choose_product", None))
        if level >= 3:
            t = v["confirmed_at"] = self._when(t, 6)
            steps.append((S.PENDING_CONFIRM, S.CONFIRMED, t, "confirm", None))
            signed = level >= 4 or rng.random() < 0.7
            if signed:
                t = self._when(t, 10)
                v["contract_date"] = clock.local_date(t)
                engineers = self.engineers[v["provider_id"]]
                for _ in range(rng.choice([1, 1, 2, 3]) if level >= 4 or rng.random() < 0.6 else 0):
                    t = self._when(t, 15)
                    extra["services"].append({"voucher_id": vid, "engineer_id": rng.choice(engineers),
                                              "service_date": clock.local_date(t),
                                              "description": f"{rng.choice(SERVICE_TEXT)}，涉及{rng.randrange(2, 60)}个业务流程，"
                                                             f"培训{rng.randrange(2, 40)}人",
                                              "remark": None, "created_by": None, "created_at": t, "updated_by": None,
                                              "updated_at": None})
        if level >= 4:
            t = self._when(t, 30)
            v["delivered_on"] = clock.local_date(t)
            v["delivery_content"] = "系统上线运行，交付使用手册和培训记录"
            steps.append((S.CONFIRMED, S.DELIVERED, t, "record_delivery", None))
        if level >= 5:
            t = v["evaluated_at"] = self._when(t, 12)
            scores = {f: max(0, mx - rng.choice([0, 0, 0, 1, 1, 2, 3, 5])) for f, _l, mx in CRITERIA}
            if rng.random() < 0.05:
                scores = {f: rng.randrange(2, mx // 2 + 2) for f, _l, mx in CRITERIA}
            total = sum(scores.values())
            extra["evals"].append({"voucher_id": vid, **scores, "total": total, "band": band(total),
                                   "solved": total >= 60 and rng.random() < 0.9,
                                   "improvements": rng.sample(IMPROVEMENTS[:8], rng.randrange(1, 4)),
                                   "next_focus": rng.sample(NEXT_FOCUS[:6], rng.randrange(1, 3)),
                                   "comment": rng.choice([None, None, "服务很好", "响应及时，希望加强培训", "价格偏高"]),
                                   "created_by": None, "created_at": t})
            steps.append((S.DELIVERED, S.EVALUATED, t, "evaluate", {"total": total}))
        if level >= 6:
            t = self._when(t, 40)
            v["settled_on"] = clock.local_date(t)
            v["settled_amount"] = FACE_VALUE
            extra["settles"].append({"voucher_id": vid, "amount": FACE_VALUE, "settled_on": v["settled_on"],
                                     "created_by": None, "created_at": t})
            steps.append((S.EVALUATED, S.SETTLED, t, "settle", None))
        if status == S.ISSUED:
            v["expires_at"] = issued + timedelta(days=15)
        elif status == S.ACTIVATED:
            v["expires_at"] = v["activated_at"] + timedelta(days=30)
        elif status == S.EXPIRED:
            deadline = issued + timedelta(days=15) if reached == S.ISSUED else v["activated_at"] + timedelta(days=30)
            v["expires_at"] = deadline
            steps.append((reached, S.EXPIRED, min(now, deadline), "expire", None))
        elif status == S.VOIDED:
            t = self._when(t, 20)
            v["void_reason"] = "企业不符合申领条件"
            steps.append((reached, S.VOIDED, t, "void", {"reason": v["void_reason"]}))
        if status in (S.PENDING_CONFIRM, S.CONFIRMED) and rng.random() < 0.08:
            v["withdrawal_pending"] = True
            v["withdrawal_reason"] = "企业需求变更"
            extra["withdrawals"].append({"voucher_id": vid, "provider_id": v["provider_id"], "reason": "企业需求变更",
                                         "requested_by": None, "requested_at": self._when(t, 5), "status": "pending",
                                         "decided_by": None, "decided_at": None, "decision_reason": None})
        v["updated_at"] = steps[-1][2]
        if self.with_history:
            for old, new, at, action, changes in steps:
                role = {"issue": "commission", "settle": "commission", "void": "commission", "expire": "system",
                        "confirm": "provider", "record_delivery": "provider"}.get(action, "enterprise")
                extra["history"].append({"at": at, "user_id": None, "username": "seed", "role": role, "voucher_id": vid,
                                         "action": action, "from_status": str(old) if old else None,
                                         "to_status": str(new), "changes": changes})
        return v, extra


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
        gen = Generator(conn, rng, now, with_history=False, progress=_progress_bar("生成服务券") if progress else None)
        done = gen.run(count, years, ent0)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    if db.get_engine().dialect.name == "sqlite":
        with db.get_engine().connect() as conn:
            conn.execute(text("ANALYZE"))
    return done


def seed_demo(*, now: datetime | None = None) -> bool:
    """The demo database (DESIGN.md §8) and demo accounts; returns False if it was already there."""
    now = now or clock.utcnow()
    with db.get_engine().begin() as conn:
        seed_reference(conn)
        if conn.scalar(select(Provider.id).where(Provider.name == LANGKUN)):
            return False
        providers = _demo_core(conn, now)
        # The manual's provider keeps exactly the manual's two vouchers; the others get generated ones.
        gen = Generator(conn, random.Random(2017), now, with_history=True, provider_ids=providers)
        gen.run(300, [now.year - 1, now.year], ent_serial0=1000)
    _demo_accounts(now)
    return True


def _region(conn: Connection, name: str) -> int:
    return conn.scalar(select(Region.id).where(Region.name == name))


def _demo_core(conn: Connection, now: datetime) -> list[int]:
    cat = conn.scalar(select(ProductCategory.id).where(ProductCategory.name == "中小版管理软件应用"))
    b2017 = ensure_batch(conn, 2017)
    for year in (now.year - 1, now.year):
        ensure_batch(conn, year)
    langkun = conn.execute(insert(Provider).values(
        name=LANGKUN, credit_code="91320000134763391X", phone="025-58601234", fax="025-58601235", contact="谢晓江",
        address="南京市江宁区秣陵街道秣周东路12号", website="http://www.luculent.net", status="active", created_at=now)
        .returning(Provider.id)).scalar_one()
    product = conn.execute(insert(Product).values(
        provider_id=langkun, name=LANGKUN_PRODUCT, category_id=cat, price=Decimal("19800.00"), target="中小企业",
        problems="销售、合同、人力资源、办公、供应链、项目、", cases="", status="on_sale", created_at=now)
        .returning(Product.id)).scalar_one()
    conn.execute(insert(Engineer), [
        {"provider_id": langkun, "name": "张伟", "mobile": "13851700001", "title": "实施工程师", "active": True},
        {"provider_id": langkun, "name": "李娜", "mobile": "13851700002", "title": "售后工程师", "active": True},
        {"provider_id": langkun, "name": "王强", "mobile": "13851700003", "title": "项目经理", "active": False},
    ])
    prov2 = conn.execute(insert(Provider).values(
        name=PROVIDER2, credit_code=credit_code_for(900001, "320105"), phone="025-83001234",
        contact="周明", address="南京市建邺区江东中路100号", status="active", created_at=now).returning(Provider.id)).scalar_one()
    prod2 = conn.execute(insert(Product).values(
        provider_id=prov2, name="云启进销存云平台", category_id=conn.scalar(select(ProductCategory.id).where(
            ProductCategory.name == "企业资源计划（ERP）/进销存")), price=Decimal("12000.00"), target="商贸、制造类小微企业",
        problems="采购、销售、库存一体化管理", cases="南京某食品公司", status="on_sale", created_at=now)
        .returning(Product.id)).scalar_one()
    conn.execute(insert(Engineer), [{"provider_id": prov2, "name": "赵磊", "mobile": "13951700001", "title": "实施工程师",
                                     "active": True}])
    others = make_providers(conn, random.Random(7), 4, now, start_serial=1)

    def enterprise(serial: int, name: str, region: str, **fields) -> int:
        return conn.execute(insert(Enterprise).values(credit_code=credit_code_for(serial, "320115"), name=name,
                                                      region_id=_region(conn, region), created_at=now, **fields)
                            .returning(Enterprise.id)).scalar_one()

    t11 = enterprise(11, "测试11", "江宁区", size="中型", legal_rep="测试", address="测试", founded_on=date(2017, 11, 1),
                     contact="测试", phone="14444444444", qq="12345", email="12@qq.com", output_prev=Decimal("123"),
                     output_plan=Decimal("23"), revenue_prev=Decimal("23"), revenue_plan=Decimal("23"),
                     profit_prev=Decimal("123"), profit_plan=Decimal("42"), employees=12, difficulty="。")
    t1212 = enterprise(1212, "测试1212", "玄武区", size="小型", legal_rep="测试", address="南京市玄武区测试路1号",
                       founded_on=date(2015, 3, 2), contact="测试", phone="025-84561212", email="1212@qq.com",
                       output_prev=Decimal("300"), output_plan=Decimal("320"), revenue_prev=Decimal("280"),
                       revenue_plan=Decimal("300"), profit_prev=Decimal("30"), profit_plan=Decimal("35"), employees=40)
    e2 = enterprise(2600001, "南京示范精密机械有限公司", "栖霞区")
    e3 = enterprise(1700010, "南京云测电子有限公司", "建邺区", size="小型", legal_rep="陈静", address="南京市建邺区某路8号",
                    founded_on=date(2012, 5, 6), contact="陈静", phone="13900000010", email="yc@example.com",
                    output_prev=Decimal("500"), output_plan=Decimal("550"), revenue_prev=Decimal("480"),
                    revenue_plan=Decimal("520"), profit_prev=Decimal("40"), profit_plan=Decimal("45"), employees=55)
    _reserve(conn, b2017, 7)  # the manual's 1700008 is the 8th voucher of the 2017 batch
    d = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    base = {"batch_id": b2017, "face_value": FACE_VALUE, "withdrawal_pending": False}
    for row in [
        {**base, "number": "1700008", "enterprise_id": t11, "status": S.CONFIRMED, "provider_id": langkun,
         "product_id": product, "price": Decimal("19800.00"), "issued_at": d(2017, 11, 2, 2), "activated_at": d(2017, 11, 3, 2),
         "chosen_at": d(2017, 11, 5, 2), "confirmed_at": d(2017, 11, 6, 3), "updated_at": d(2017, 11, 6, 3)},
        {**base, "number": "1700009", "enterprise_id": t1212, "status": S.DELIVERED, "provider_id": langkun,
         "product_id": product, "price": Decimal("19800.00"), "issued_at": d(2017, 11, 2, 2), "activated_at": d(2017, 11, 2, 5),
         "chosen_at": d(2017, 11, 3, 2), "confirmed_at": d(2017, 11, 4, 2), "contract_date": date(2017, 11, 8),
         "delivered_on": date(2017, 12, 1), "delivery_content": "平台部署上线，交付操作手册", "updated_at": d(2017, 12, 1, 8)},
        {**base, "number": "1700010", "enterprise_id": e3, "status": S.PENDING_CONFIRM, "provider_id": prov2,
         "product_id": prod2, "price": Decimal("12000.00"), "issued_at": d(2017, 11, 2, 2), "activated_at": d(2017, 11, 3, 2),
         "chosen_at": d(2017, 11, 9, 2), "updated_at": d(2017, 11, 9, 2)},
    ]:
        conn.execute(insert(Voucher).values(**row))
    _reserve(conn, b2017, 3)
    v8, v9, v10 = (conn.scalar(select(Voucher.id).where(Voucher.number == n)) for n in ("1700008", "1700009", "1700010"))
    zhang = conn.scalar(select(Engineer.id).where(Engineer.provider_id == langkun, Engineer.name == "张伟"))
    conn.execute(insert(ServiceRecord).values(voucher_id=v9, engineer_id=zhang, service_date=date(2017, 11, 20),
                                              description="上门部署“由你飞”平台并培训操作人员", remark="客户满意",
                                              created_at=d(2017, 11, 20, 9)))
    b_now = conn.scalar(select(Batch.id).where(Batch.year == now.year))
    serial = _reserve(conn, b_now, 1)
    number = f"{now.year % 100:02d}{serial:05d}"
    v_new = conn.execute(insert(Voucher).values(**{**base, "batch_id": b_now}, number=number, enterprise_id=e2,
                                                status=S.ISSUED, issued_at=now, expires_at=now + timedelta(days=15),
                                                updated_at=now).returning(Voucher.id)).scalar_one()
    hist = [(v8, None, S.ISSUED, d(2017, 11, 2, 2), "issue", "commission"),
            (v8, S.ISSUED, S.ACTIVATED, d(2017, 11, 3, 2), "activate", "enterprise"),
            (v8, S.ACTIVATED, S.PENDING_CONFIRM, d(2017, 11, 5, 2), "choose_product", "enterprise"),
            (v8, S.PENDING_CONFIRM, S.CONFIRMED, d(2017, 11, 6, 3), "confirm", "provider"),
            (v9, None, S.ISSUED, d(2017, 11, 2, 2), "issue", "commission"),
            (v9, S.ISSUED, S.ACTIVATED, d(2017, 11, 2, 5), "activate", "enterprise"),
            (v9, S.ACTIVATED, S.PENDING_CONFIRM, d(2017, 11, 3, 2), "choose_product", "enterprise"),
            (v9, S.PENDING_CONFIRM, S.CONFIRMED, d(2017, 11, 4, 2), "confirm", "provider"),
            (v9, S.CONFIRMED, S.CONFIRMED, d(2017, 11, 8, 2), "sign_contract", "provider"),
            (v9, S.CONFIRMED, S.CONFIRMED, d(2017, 11, 20, 9), "add_service", "provider"),
            (v9, S.CONFIRMED, S.DELIVERED, d(2017, 12, 1, 8), "record_delivery", "provider"),
            (v10, None, S.ISSUED, d(2017, 11, 2, 2), "issue", "commission"),
            (v10, S.ACTIVATED, S.PENDING_CONFIRM, d(2017, 11, 9, 2), "choose_product", "enterprise"),
            (v_new, None, S.ISSUED, now, "issue", "commission")]
    conn.execute(insert(History), [{"voucher_id": v, "from_status": str(a) if a else None, "to_status": str(b), "at": at,
                                    "action": act, "role": role, "username": "seed", "user_id": None, "changes": None}
                                   for v, a, b, at, act, role in hist])
    return [prov2, *others]


def _demo_accounts(now: datetime) -> None:
    """admin, langkun, provider2, qy1700008, qy2600001 — all with DEMO_PASSWORD (DESIGN.md, issue 2)."""
    hashed = auth.hash_password(DEMO_PASSWORD)
    with db.get_engine().begin() as conn:
        langkun = conn.scalar(select(Provider.id).where(Provider.name == LANGKUN))
        prov2 = conn.scalar(select(Provider.id).where(Provider.name == PROVIDER2))
        e8 = conn.scalar(select(Voucher.enterprise_id).where(Voucher.number == "1700008"))
        e_new = conn.scalar(select(Enterprise.id).where(Enterprise.name == "南京示范精密机械有限公司"))
        rows = [("admin", "南京市经信委", "commission", None, None), ("langkun", LANGKUN, "provider", langkun, None),
                ("provider2", PROVIDER2, "provider", prov2, None), ("qy1700008", "测试11", "enterprise", None, e8),
                (f"qy{now.year % 100:02d}00001", "南京示范精密机械有限公司", "enterprise", None, e_new)]
        existing = set(conn.scalars(select(User.username)))
        conn.execute(insert(User), [
            {"username": u, "display_name": n, "role": r, "password_hash": hashed, "active": True,
             "must_change_password": False, "failed_logins": 0, "locked_until": None, "password_changed_at": now,
             "provider_id": p, "enterprise_id": e, "created_at": now}
            for u, n, r, p, e in rows if u not in existing])


def is_empty() -> bool:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(Provider)) == 0
