"""The demo database (DESIGN.md §8) as data: the manual's provider 朗坤 with its two vouchers, a second
provider, four generated ones, the demo enterprises and accounts, and 300 generated vouchers around them."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, insert, select

from lib import auth, clock, db, derived
from lib.models import (
    Batch,
    Engineer,
    Enterprise,
    History,
    Product,
    ProductCategory,
    Provider,
    Region,
    ServiceRecord,
    User,
    Voucher,
)
from lib.seed.reference import FACE_VALUE, credit_code_for, ensure_batch, reserve, seed_reference
from lib.seed.synthetic import Generator, make_providers
from lib.workflow import TRANSITIONS, Action, ProductStatus, ProviderStatus
from lib.workflow import VoucherStatus as S

DEMO_PASSWORD = "Demo@2026"
# Every account the demo may have created (the new enterprise's login carries the year it was seeded in).
DEMO_USERNAMES = ("admin", "langkun", "provider2", "qy1700008", *(f"qy{year:02d}00001" for year in range(100)))
LANGKUN = "朗坤智慧科技股份有限公司"
LANGKUN_PRODUCT = "“由你飞”运营管控平台-企业版"
PROVIDER2 = "南京云启信息技术有限公司"


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Providers with their one product and their engineers (王强 has left 朗坤).
PROVIDERS = [
    {"name": LANGKUN, "credit_code": "91320000134763391X", "phone": "025-58601234", "fax": "025-58601235",
     "contact": "谢晓江", "address": "南京市江宁区秣陵街道秣周东路12号", "website": "http://www.luculent.net",
     "product": {"name": LANGKUN_PRODUCT, "category": "中小版管理软件应用", "price": Decimal("19800.00"),
                 "target": "中小企业", "problems": "销售、合同、人力资源、办公、供应链、项目、", "cases": ""},
     "engineers": [("张伟", "13851700001", "实施工程师", True), ("李娜", "13851700002", "售后工程师", True),
                   ("王强", "13851700003", "项目经理", False)]},
    {"name": PROVIDER2, "credit_code": credit_code_for(900001, "320105"), "phone": "025-83001234", "contact": "周明",
     "address": "南京市建邺区江东中路100号",
     "product": {"name": "云启进销存云平台", "category": "企业资源计划（ERP）/进销存", "price": Decimal("12000.00"),
                 "target": "商贸、制造类小微企业", "problems": "采购、销售、库存一体化管理", "cases": "南京某食品公司"},
     "engineers": [("赵磊", "13951700001", "实施工程师", True)]},
]
_COMPANY = {"output_prev": Decimal("300"), "output_plan": Decimal("320"), "revenue_prev": Decimal("280"),
            "revenue_plan": Decimal("300"), "profit_prev": Decimal("30"), "profit_plan": Decimal("35")}
# key: (credit-code serial, name, region, profile)
ENTERPRISES = {
    "测试11": (11, "测试11", "江宁区", dict(
        size="中型", legal_rep="测试", address="测试", founded_on=date(2017, 11, 1), contact="测试",
        phone="14444444444", qq="12345", email="12@qq.com", output_prev=Decimal("123"), output_plan=Decimal("23"),
        revenue_prev=Decimal("23"), revenue_plan=Decimal("23"), profit_prev=Decimal("123"), profit_plan=Decimal("42"),
        employees=12, difficulty="。")),
    "测试1212": (1212, "测试1212", "玄武区", dict(
        size="小型", legal_rep="测试", address="南京市玄武区测试路1号", founded_on=date(2015, 3, 2), contact="测试",
        phone="025-84561212", email="1212@qq.com", **_COMPANY, employees=40)),
    "示范": (2600001, "南京示范精密机械有限公司", "栖霞区", {}),
    "云测": (1700010, "南京云测电子有限公司", "建邺区", dict(
        size="小型", legal_rep="陈静", address="南京市建邺区某路8号", founded_on=date(2012, 5, 6), contact="陈静",
        phone="13900000010", email="yc@example.com", output_prev=Decimal("500"), output_plan=Decimal("550"),
        revenue_prev=Decimal("480"), revenue_plan=Decimal("520"), profit_prev=Decimal("40"), profit_plan=Decimal("45"),
        employees=55)),
}
# The manual's vouchers of the 2017 batch (numbers 8–10): enterprise, provider, status and dates.
VOUCHERS_2017 = [
    {"number": "1700008", "enterprise": "测试11", "provider": LANGKUN, "status": S.CONFIRMED,
     "issued_at": _utc(2017, 11, 2, 2), "activated_at": _utc(2017, 11, 3, 2), "chosen_at": _utc(2017, 11, 5, 2),
     "confirmed_at": _utc(2017, 11, 6, 3), "updated_at": _utc(2017, 11, 6, 3)},
    {"number": "1700009", "enterprise": "测试1212", "provider": LANGKUN, "status": S.DELIVERED,
     "issued_at": _utc(2017, 11, 2, 2), "activated_at": _utc(2017, 11, 2, 5), "chosen_at": _utc(2017, 11, 3, 2),
     "confirmed_at": _utc(2017, 11, 4, 2), "contract_date": date(2017, 11, 8), "delivered_on": date(2017, 12, 1),
     "delivery_content": "平台部署上线，交付操作手册", "updated_at": _utc(2017, 12, 1, 8)},
    {"number": "1700010", "enterprise": "云测", "provider": PROVIDER2, "status": S.PENDING_CONFIRM,
     "issued_at": _utc(2017, 11, 2, 2), "activated_at": _utc(2017, 11, 3, 2), "chosen_at": _utc(2017, 11, 9, 2),
     "updated_at": _utc(2017, 11, 9, 2)},
]
SERVICE_RECORD = {"number": "1700009", "engineer": "张伟", "service_date": date(2017, 11, 20),
                  "description": "上门部署“由你飞”平台并培训操作人员", "remark": "客户满意",
                  "created_at": _utc(2017, 11, 20, 9)}
# (voucher, from, to, when, action); "new" is this year's voucher of 南京示范精密机械, issued now.
HISTORY = [
    ("1700008", None, S.ISSUED, _utc(2017, 11, 2, 2), Action.ISSUE),
    ("1700008", S.ISSUED, S.ACTIVATED, _utc(2017, 11, 3, 2), Action.ACTIVATE),
    ("1700008", S.ACTIVATED, S.PENDING_CONFIRM, _utc(2017, 11, 5, 2), Action.CHOOSE_PRODUCT),
    ("1700008", S.PENDING_CONFIRM, S.CONFIRMED, _utc(2017, 11, 6, 3), Action.CONFIRM),
    ("1700009", None, S.ISSUED, _utc(2017, 11, 2, 2), Action.ISSUE),
    ("1700009", S.ISSUED, S.ACTIVATED, _utc(2017, 11, 2, 5), Action.ACTIVATE),
    ("1700009", S.ACTIVATED, S.PENDING_CONFIRM, _utc(2017, 11, 3, 2), Action.CHOOSE_PRODUCT),
    ("1700009", S.PENDING_CONFIRM, S.CONFIRMED, _utc(2017, 11, 4, 2), Action.CONFIRM),
    ("1700009", S.CONFIRMED, S.CONFIRMED, _utc(2017, 11, 8, 2), Action.SIGN_CONTRACT),
    ("1700009", S.CONFIRMED, S.CONFIRMED, _utc(2017, 11, 20, 9), Action.ADD_SERVICE),
    ("1700009", S.CONFIRMED, S.DELIVERED, _utc(2017, 12, 1, 8), Action.RECORD_DELIVERY),
    ("1700010", None, S.ISSUED, _utc(2017, 11, 2, 2), Action.ISSUE),
    ("1700010", S.ACTIVATED, S.PENDING_CONFIRM, _utc(2017, 11, 9, 2), Action.CHOOSE_PRODUCT),
    ("new", None, S.ISSUED, None, Action.ISSUE),
]


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
        derived.rebuild(conn)  # bulk inserts pass by the flush listeners that keep the derived tables
    _demo_accounts(now)
    return True


def _insert(conn: Connection, model, **values) -> int:
    return conn.execute(insert(model).values(**values).returning(model.id)).scalar_one()


def _providers(conn: Connection, now: datetime) -> dict[str, tuple[int, int, Decimal]]:
    """The demo providers; returns {name: (provider id, product id, price)}."""
    made = {}
    for spec in PROVIDERS:
        fields = {k: v for k, v in spec.items() if k not in ("product", "engineers")}
        provider = _insert(conn, Provider, **fields, status=ProviderStatus.ACTIVE, created_at=now)
        offer = dict(spec["product"])
        category = conn.scalar(select(ProductCategory.id).where(ProductCategory.name == offer.pop("category")))
        product = _insert(conn, Product, provider_id=provider, category_id=category, **offer,
                          status=ProductStatus.ON_SALE, created_at=now)
        conn.execute(insert(Engineer), [{"provider_id": provider, "name": n, "mobile": m, "title": t, "active": a}
                                        for n, m, t, a in spec["engineers"]])
        made[spec["name"]] = (provider, product, offer["price"])
    return made


def _demo_core(conn: Connection, now: datetime) -> list[int]:
    b2017 = ensure_batch(conn, 2017)
    for year in (now.year - 1, now.year):
        ensure_batch(conn, year)
    made = _providers(conn, now)
    others = make_providers(conn, random.Random(7), 4, now, start_serial=1)
    enterprises = {key: _insert(conn, Enterprise, credit_code=credit_code_for(serial, "320115"), name=name,
                                region_id=conn.scalar(select(Region.id).where(Region.name == region)), created_at=now,
                                **profile)
                   for key, (serial, name, region, profile) in ENTERPRISES.items()}
    reserve(conn, b2017, 7)  # the manual's 1700008 is the 8th voucher of the 2017 batch
    base = {"batch_id": b2017, "face_value": FACE_VALUE, "withdrawal_pending": False}
    for spec in VOUCHERS_2017:
        row = {k: v for k, v in spec.items() if k not in ("enterprise", "provider")}
        provider, product, price = made[spec["provider"]]
        conn.execute(insert(Voucher).values(**base, **row, enterprise_id=enterprises[spec["enterprise"]],
                                            provider_id=provider, product_id=product, price=price))
    reserve(conn, b2017, 3)
    ids = {n: conn.scalar(select(Voucher.id).where(Voucher.number == n)) for n in ("1700008", "1700009", "1700010")}
    langkun = made[LANGKUN][0]
    record = {k: v for k, v in SERVICE_RECORD.items() if k not in ("number", "engineer")}
    conn.execute(insert(ServiceRecord).values(
        voucher_id=ids[SERVICE_RECORD["number"]], **record, engineer_id=conn.scalar(select(Engineer.id).where(
            Engineer.provider_id == langkun, Engineer.name == SERVICE_RECORD["engineer"]))))
    b_now = conn.scalar(select(Batch.id).where(Batch.year == now.year))
    number = f"{now.year % 100:02d}{reserve(conn, b_now, 1):05d}"
    ids["new"] = _insert(conn, Voucher, **{**base, "batch_id": b_now}, number=number, enterprise_id=enterprises["示范"],
                         status=S.ISSUED, issued_at=now, expires_at=now + timedelta(days=15), updated_at=now)
    conn.execute(insert(History), [
        {"voucher_id": ids[v], "from_status": str(a) if a else None, "to_status": str(b), "at": at or now,
         "action": str(action), "role": str(min(TRANSITIONS[action].roles)), "username": "演示数据", "user_id": None,
         "changes": None} for v, a, b, at, action in HISTORY])
    return [made[PROVIDER2][0], *others]


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
