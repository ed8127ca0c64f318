"""服务商管理 (commission): add, edit, suspend and resume providers, their logins, their live vouchers."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Integer, cast, func, select

from lib import auth, clock, db, permissions, sessions, summaries
from lib import validation as v
from lib.actors import Actor
from lib.derived_models import VoucherCube
from lib.errors import NotFound, ValidationError
from lib.history import AdminAction, record, update
from lib.models import Enterprise, Product, Provider, User, Voucher
from lib.permissions import Area
from lib.workflow import (
    IN_PROGRESS,
    PROVIDER_STATUS_LABELS,
    ProductStatus,
    ProviderStatus,
    in_order,
    require_commission,
    status_label,
)

FIELDS = {"name": "服务商名称", "credit_code": "统一社会信用代码", "phone": "公司电话", "fax": "公司传真",
          "contact": "联系人", "address": "公司地址", "website": "公司网站"}


def _clean(data: dict) -> dict:
    website = v.text(data.get("website"), FIELDS["website"], max_len=200)
    if website and not website.startswith(("http://", "https://")):
        website = "http://" + website
    return v.collect({
        "name": lambda: v.text(data.get("name"), FIELDS["name"], max_len=100, required_=True),
        "credit_code": lambda: v.credit_code(data.get("credit_code")),
        "phone": lambda: v.phone(data.get("phone"), FIELDS["phone"]),
        "fax": lambda: v.phone(data.get("fax"), FIELDS["fax"], required_=False),
        "contact": lambda: v.text(data.get("contact"), FIELDS["contact"], max_len=40, required_=True),
        "address": lambda: v.text(data.get("address"), FIELDS["address"], max_len=200),
        "website": lambda: website,
    })


def _unique(session, values: dict, own_id: int | None = None) -> None:
    for field in ("name", "credit_code"):
        clash = session.scalar(select(Provider.id).where(getattr(Provider, field) == values[field],
                                                         Provider.id != (own_id or -1)))
        if clash:
            raise ValidationError(FIELDS[field], "已被其他服务商使用")


def create_provider(*, actor: Actor, data: dict, username: str | None = None,
                    now: datetime | None = None) -> tuple[int, str | None, str | None]:
    """A new provider, with a login if `username` is given; returns (id, username, one-time password)."""
    require_commission(actor, "管理服务商")
    now = now or clock.utcnow()
    values = _clean(data)
    with db.transaction() as session:
        _unique(session, values)
        provider = Provider(**values, status=ProviderStatus.ACTIVE, created_at=now)
        session.add(provider)
        session.flush()
        record(session, actor, AdminAction.CREATE_PROVIDER, changes={"provider_id": provider.id, **values}, now=now)
        password = None
        if username:
            password = auth.generate_one_time_password()
            auth.add_user(session, actor=actor, username=username, display_name=values["name"], role="provider",
                          password_hash=auth.one_time_hash(password), provider_id=provider.id, now=now)
        return provider.id, username, password


def update_provider(*, actor: Actor, provider_id: int, data: dict, now: datetime | None = None) -> bool:
    require_commission(actor, "管理服务商")
    values = _clean(data)
    with db.transaction() as session:
        provider = session.get(Provider, provider_id)
        if provider is None:
            raise NotFound("服务商不存在")
        _unique(session, values, provider.id)
        return update(session, actor, AdminAction.UPDATE_PROVIDER, provider, values, about={"provider_id": provider.id},
                      now=now)


def set_status(*, actor: Actor, provider_id: int | None, suspended: bool, reason: str | None = None,
               now: datetime | None = None) -> None:
    """暂停 (its products leave the catalogue, its users cannot log in) or 恢复 a provider."""
    require_commission(actor, "管理服务商")
    if suspended:
        reason = v.text(reason, "暂停原因", max_len=500, required_=True)
    with db.transaction() as session:
        provider = session.get(Provider, provider_id) if provider_id is not None else None
        if provider is None:
            raise NotFound("服务商不存在，无法暂停或恢复")
        target = ProviderStatus.SUSPENDED if suspended else ProviderStatus.ACTIVE
        if provider.status == target:
            raise ValidationError("服务商状态", f"该服务商已是“{target.label}”状态")
        provider.status = target
        if suspended:
            sessions.revoke_all(session, select(User.id).where(User.provider_id == provider.id), sessions.ADMIN,
                                now=now or clock.utcnow())
        record(session, actor, AdminAction.SUSPEND_PROVIDER if suspended else AdminAction.RESUME_PROVIDER,
               changes={"provider_id": provider.id, "name": provider.name, "reason": reason}, now=now)


def all_providers(actor: Actor, search: str = "") -> pd.DataFrame:
    """All providers with product, login and live-voucher counts."""
    permissions.require(actor, Area.PROVIDERS)
    products = select(Product.provider_id,
                      func.count().label("products")).where(Product.status == ProductStatus.ON_SALE) \
        .group_by(Product.provider_id).subquery()
    # live vouchers per provider from the statistics' summary (lib.summaries): O(groups), not O(vouchers)
    live = select(VoucherCube.provider_id, cast(func.sum(VoucherCube.n), Integer).label("live")) \
        .where(VoucherCube.grain == summaries.GRAINS.index(("provider_id",)),
               VoucherCube.status.in_(in_order(IN_PROGRESS))).group_by(VoucherCube.provider_id).subquery()
    users = select(User.provider_id, func.min(User.username).label("username")).group_by(User.provider_id).subquery()
    query = (select(Provider.id, Provider.name, Provider.credit_code, Provider.contact, Provider.phone, Provider.fax,
                    Provider.address, Provider.website, Provider.status,
                    func.coalesce(products.c.products, 0).label("products"),
                    func.coalesce(live.c.live, 0).label("live"), users.c.username)
             .outerjoin(products, products.c.provider_id == Provider.id)
             .outerjoin(live, live.c.provider_id == Provider.id)
             .outerjoin(users, users.c.provider_id == Provider.id).order_by(Provider.name))
    if text := v.scrub(search, fold=False):
        query = query.where(db.contains(Provider.name, text))
    with db.read_session() as session:
        rows = session.execute(query).mappings().all()
    frame = pd.DataFrame(rows, columns=["id", "name", "credit_code", "contact", "phone", "fax", "address", "website",
                                        "status", "products", "live", "username"])
    frame["status_label"] = frame["status"].map(PROVIDER_STATUS_LABELS)
    frame["phone"] = frame["phone"].map(v.display_phone)
    frame["fax"] = frame["fax"].map(v.display_phone)
    frame["suspended"] = frame["status"] == ProviderStatus.SUSPENDED
    return frame


def live_vouchers(actor: Actor, provider_id: int) -> pd.DataFrame:
    """The provider's vouchers still in progress, for the officer to handle after a suspension."""
    permissions.require(actor, Area.PROVIDERS)
    with db.read_session() as session:
        rows = session.execute(select(Voucher.number, Enterprise.name, Voucher.status, Voucher.withdrawal_pending)
                               .join(Enterprise, Voucher.enterprise_id == Enterprise.id)
                               .where(Voucher.provider_id == provider_id, Voucher.status.in_(in_order(IN_PROGRESS)))
                               .order_by(Voucher.number)).all()
    frame = pd.DataFrame(rows, columns=["number", "enterprise_name", "status", "withdrawal_pending"])
    frame["status_label"] = frame["status"].map(status_label)
    return frame
