"""Builders that keep tests short: make_voucher(status=...) and friends insert real rows."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlalchemy import func, select

from lib import auth, db, issuing
from lib.actors import Actor
from lib.labels import CRITERIA, Role, band
from lib.models import (
    Batch,
    Engineer,
    Enterprise,
    Evaluation,
    Product,
    ProductCategory,
    Provider,
    Region,
    ServiceRecord,
    Voucher,
)
from lib.seed import credit_code_for
from lib.workflow import HAPPY_PATH
from lib.workflow import VoucherStatus as S

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Nanjing
TODAY = date(2026, 11, 20)
_serial = count(1)

COMMISSION = Actor(user_id=None, username="officer", role=Role.COMMISSION, display_name="经信委")


def region_id(name: str = "江宁区") -> int:
    with db.read_session() as s:
        return s.scalar(select(Region.id).where(Region.name == name))


def make_batch(year: int = 2026) -> int:
    with db.transaction() as s:
        batch = s.scalars(select(Batch).where(Batch.year == year)).one_or_none()
        if batch is None:
            batch = Batch(year=year, face_value=Decimal("10000.00"), expiry_days_after_issue=15,
                          expiry_days_after_activation=30, next_serial=1)
            s.add(batch)
            s.flush()
        return batch.id


def make_provider(name: str | None = None, status: str = "active") -> int:
    n = next(_serial)
    with db.transaction() as s:
        p = Provider(name=name or f"测试服务商{n}", credit_code=credit_code_for(n, "320199"), contact="联系人",
                     status=status, created_at=NOW)
        s.add(p)
        s.flush()
        return p.id


def make_product(provider_id: int, price: str = "19800.00", status: str = "on_sale") -> int:
    with db.transaction() as s:
        cat = s.scalar(select(func.min(ProductCategory.id)))
        p = Product(provider_id=provider_id, name=f"产品{next(_serial)}", category_id=cat, price=Decimal(price),
                    status=status, created_at=NOW)
        s.add(p)
        s.flush()
        return p.id


def make_engineer(provider_id: int, name: str = "张工", active: bool = True) -> int:
    with db.transaction() as s:
        e = Engineer(provider_id=provider_id, name=name, mobile="13800000000", title="实施工程师", active=active)
        s.add(e)
        s.flush()
        return e.id


def make_enterprise(name: str | None = None, region: str = "江宁区") -> int:
    n = next(_serial)
    with db.transaction() as s:
        e = Enterprise(credit_code=credit_code_for(500000 + n), name=name or f"测试企业{n}",
                       region_id=region_id(region),
                       created_at=NOW)
        s.add(e)
        s.flush()
        return e.id


def issue_to(enterprise_id: int, batch_year: int, *, actor: Actor | None = None, now: datetime = NOW) -> str:
    """发放 to a known enterprise the way the officer does it (单个发放 with its basics); returns the number."""
    with db.read_session() as s:
        e = s.get(Enterprise, enterprise_id)
        data = {"credit_code": e.credit_code, "name": e.name, "region": e.region.name}
    return issuing.issue_single(actor=actor or COMMISSION, data=data, batch_year=batch_year, now=now)["number"]


def provider_actor(provider_id: int) -> Actor:
    return Actor(user_id=None, username=f"p{provider_id}", role=Role.PROVIDER, provider_id=provider_id)


def enterprise_actor(enterprise_id: int) -> Actor:
    return Actor(user_id=None, username=f"e{enterprise_id}", role=Role.ENTERPRISE, enterprise_id=enterprise_id)


def make_voucher(status: S = S.ISSUED, *, provider_id: int | None = None, enterprise_id: int | None = None,
                 contract: bool | None = None, withdrawal_pending: bool = False, service_records: int | None = None,
                 number: str | None = None, scores: list[int] | None = None, solved: bool = True, **overrides) -> dict:
    """A voucher in `status` with everything that status implies; returns ids and actors."""
    batch_id = make_batch(2026)
    enterprise_id = enterprise_id or make_enterprise()
    # How far along the happy path the voucher got: an expired one never got past 待激活, a voided one was
    # voided once confirmed (with a provider and a product).
    level = HAPPY_PATH.index({S.EXPIRED: S.ISSUED, S.VOIDED: S.CONFIRMED}.get(status, status))
    needs_provider = level >= 2
    if needs_provider and provider_id is None:
        provider_id = make_provider()
    product_id = make_product(provider_id) if needs_provider else None
    engineer_id = make_engineer(provider_id) if provider_id else None
    if contract is None:
        contract = level >= 4
    values = dict(
        number=number or f"26{next(_serial) + 10000:05d}", batch_id=batch_id, enterprise_id=enterprise_id,
        face_value=Decimal("10000.00"), status=str(status), issued_at=NOW - timedelta(days=20),
        withdrawal_pending=withdrawal_pending, updated_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=10) if status in (S.ISSUED, S.ACTIVATED) else None,
        expired_from=str(S.ISSUED) if status == S.EXPIRED else None,
    )
    if level >= 1:
        values["activated_at"] = NOW - timedelta(days=19)
    if needs_provider:
        values.update(provider_id=provider_id, product_id=product_id, price=Decimal("19800.00"),
                      chosen_at=NOW - timedelta(days=18))
    if level >= 3:
        values["confirmed_at"] = NOW - timedelta(days=17)
    if contract:
        values["contract_date"] = TODAY - timedelta(days=16)
    if level >= 4:
        values.update(delivered_on=TODAY - timedelta(days=5), delivery_content="系统上线")
    if level >= 5:
        values["evaluated_at"] = NOW - timedelta(days=3)
    if level >= 6:
        values.update(settled_on=TODAY - timedelta(days=1), settled_amount=Decimal("10000.00"))
    values.update(overrides)
    with db.transaction() as s:
        v = Voucher(**values)
        s.add(v)
        s.flush()
        n_records = service_records if service_records is not None else (1 if level >= 4 else 0)
        for k in range(n_records):
            s.add(ServiceRecord(voucher_id=v.id, engineer_id=engineer_id, service_date=TODAY - timedelta(days=10 - k),
                                description="上门服务", created_at=NOW - timedelta(days=10)))
        if level >= 5:
            given = scores or [mx for _, _, mx in CRITERIA]
            s.add(Evaluation(voucher_id=v.id, **{f: x for (f, _, _), x in zip(CRITERIA, given, strict=True)},
                             total=sum(given), band=band(sum(given)), solved=solved, improvements=["节能"],
                             next_focus=["电子商务"], created_at=NOW - timedelta(days=3)))
        voucher_id = v.id
    return {
        "id": voucher_id, "number": values["number"], "enterprise_id": enterprise_id, "provider_id": provider_id,
        "product_id": product_id, "engineer_id": engineer_id,
        "enterprise": enterprise_actor(enterprise_id),
        "provider": provider_actor(provider_id) if provider_id else provider_actor(make_provider()),
        "commission": COMMISSION,
    }


def make_user(username: str, role: Role = Role.COMMISSION, password: str = "Passw0rd!", **kw) -> auth.Account:
    account, _ = auth.create_user(actor=Actor.system(), username=username, display_name=username, role=role,
                                  password=password, must_change_password=False, now=NOW - timedelta(days=1), **kw)
    return account


def account(username: str) -> auth.Account | None:
    """The account as the platform sees it now (None: disabled, locked or its provider suspended)."""
    from lib.models import User
    with db.read_session() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
    return auth.account_of(user_id)


def voucher_row(number: str) -> Voucher:
    with db.read_session() as s:
        return s.scalars(select(Voucher).where(Voucher.number == number)).one()


def history_count() -> int:
    from lib.models import History
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(History))


def rows(frame) -> list[list]:
    """A selector's rows as plain lists, missing values as None (pandas shows them as NaN)."""
    import pandas as pd
    return [[None if not isinstance(x, (list, dict)) and pd.isna(x) else x for x in row]
            for row in frame.astype(object).values.tolist()]
