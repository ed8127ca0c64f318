"""Enterprise profiles: which fields an activation needs, how each is checked, the size class."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib import clock, db, drafts, permissions
from lib import validation as v
from lib.actors import Actor
from lib.errors import PermissionDenied, ValidationError
from lib.history import AdminAction, update
from lib.labels import ENTERPRISE_FIELDS, ENTERPRISE_SIZES, MONEY_FIELDS, SIGNED_MONEY_FIELDS, Role, money_field_labels
from lib.labels import ENTERPRISE_FIELDS as F
from lib.models import Batch, Enterprise, Region, User, Voucher
from lib.paging import PAGE_SIZE, Page, fetch_page
from lib.permissions import Area

MAX_MONEY = v.Decimal("100000000")  # 万元: a trillion yuan is a typo, not a company


def region_id_by_name(session: Session, name: str | None, known: dict[str, int] | None = None) -> int:
    """The id of an active region by its name; `known` (name → id of every active region) spares the query
    when thousands of rows are checked."""
    cleaned = v.required(name, F["region"])
    region_id = known.get(cleaned) if known is not None else session.scalar(
        select(Region.id).where(Region.name == cleaned, Region.active.is_(True)))
    if region_id is None:
        raise ValidationError(F["region"], f"“{cleaned}”不是南京市的行政区或开发区")
    return region_id


# What activation needs (the page marks these fields); QQ号, 信息化难点 and 备注 may stay empty.
PROFILE_REQUIRED = frozenset({"credit_code", "name", "region", "size", "legal_rep", "address", "founded_on",
                              "contact", "phone", "email", "employees", *MONEY_FIELDS})


def clean_profile(session: Session, data: dict, *, batch_year: int, today: date) -> dict:
    """Validate a complete enterprise profile (DESIGN.md §4), every field at once; returns model field values."""
    money_labels = money_field_labels(batch_year)
    need = PROFILE_REQUIRED.__contains__
    checks = {
        "credit_code": lambda: v.credit_code(data.get("credit_code")),
        "name": lambda: v.text(data.get("name"), F["name"], max_len=100, required_=need("name")),
        "region_id": lambda: region_id_by_name(session, data.get("region")),
        "size": lambda: v.choice(data.get("size"), F["size"], ENTERPRISE_SIZES, required_=need("size")),
        "legal_rep": lambda: v.text(data.get("legal_rep"), F["legal_rep"], max_len=40, required_=need("legal_rep")),
        "address": lambda: v.text(data.get("address"), F["address"], max_len=200, required_=need("address")),
        "founded_on": lambda: v.past_date(data.get("founded_on"), F["founded_on"], today=today,
                                          required_=need("founded_on")),
        "contact": lambda: v.text(data.get("contact"), F["contact"], max_len=40, required_=need("contact")),
        "phone": lambda: v.phone(data.get("phone"), F["phone"], required_=need("phone")),
        "qq": lambda: v.qq(data.get("qq")),
        "email": lambda: v.email(data.get("email"), required_=need("email")),
        "employees": lambda: v.count(data.get("employees"), F["employees"], required_=need("employees"),
                                     maximum=1_000_000),
        "difficulty": lambda: v.text(data.get("difficulty"), F["difficulty"], max_len=500),
        "remark": lambda: v.text(data.get("remark"), F["remark"], max_len=500),
    }
    for field in MONEY_FIELDS:
        checks[field] = lambda field=field: v.money(data.get(field), money_labels[field], required_=need(field),
                                                    maximum=MAX_MONEY, signed=field in SIGNED_MONEY_FIELDS)
    return v.collect(checks)


def own_enterprise_id(actor: Actor) -> int:
    if actor.role != Role.ENTERPRISE or actor.enterprise_id is None:
        raise PermissionDenied("只有企业可以维护本企业的信息")
    return actor.enterprise_id


def profile_year(session: Session, enterprise_id: int) -> int:
    """The batch year whose labels the profile uses: that of the enterprise's newest voucher."""
    year = session.scalar(select(Batch.year).join(Voucher, Voucher.batch_id == Batch.id)
                          .where(Voucher.enterprise_id == enterprise_id).order_by(Voucher.issued_at.desc()).limit(1))
    return year or clock.utcnow().year


def enterprise_profile(actor: Actor) -> dict:
    """The enterprise's current profile (field → value, region as its name) and its label year."""
    enterprise_id = own_enterprise_id(actor)
    with db.read_session() as session:
        ent = session.get(Enterprise, enterprise_id)
        values = {field: getattr(ent, field) for field in (*ENTERPRISE_FIELDS, *MONEY_FIELDS) if field != "region"}
        values["region"] = ent.region.name
        values["phone"] = v.display_phone(ent.phone)
        values["year"] = profile_year(session, enterprise_id)
        values["version"] = ent.version
        return values


def update_profile(*, actor: Actor, data: dict, version: int | None = None, now: datetime | None = None) -> bool:
    """Save a complete, valid profile of the actor's own enterprise; returns False if nothing changed."""
    now = now or clock.utcnow()
    enterprise_id = own_enterprise_id(actor)
    with db.transaction() as session:
        ent = session.get(Enterprise, enterprise_id)
        db.check_version(ent, version)
        values = clean_profile(session, data, batch_year=profile_year(session, enterprise_id),
                               today=clock.local_date(now))
        keep_identity(ent, values)
        drafts.discard(actor=actor, form=drafts.PROFILE, session=session)  # submitted: the draft has served
        return _save(session, actor, ent, values, AdminAction.UPDATE_PROFILE, now)


IDENTITY_FIELDS = ("credit_code", "name")


def keep_identity(ent: Enterprise, values: dict) -> None:
    """An enterprise holds vouchers under its credit code and name: once it has been issued one (every
    enterprise here has), only the commission changes them (企业管理, with a history row)."""
    for field in IDENTITY_FIELDS:
        if values.get(field) != getattr(ent, field):
            raise ValidationError(F[field], "发券后不能自行修改，如需更正请联系经信委")


def _save(session: Session, actor: Actor, ent: Enterprise, values: dict, action: str, now: datetime) -> bool:
    """Write checked values to an enterprise (credit code unique) with one history row; False if unchanged."""
    if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == values["credit_code"],
                                                  Enterprise.id != ent.id)):
        raise ValidationError(F["credit_code"], "已被其他企业使用")
    if not update(session, actor, action, ent, values, about={"enterprise_id": ent.id}, now=now):
        return False
    ent.updated_at = now
    return True


def clean_basic(session: Session, data: dict, region_ids: dict[str, int] | None = None) -> dict:
    """The fields the commission knows when it issues a voucher; the rest the enterprise completes."""
    size = v.clean(data.get("size") or "", F["size"]).strip()
    return {
        "credit_code": v.credit_code(data.get("credit_code")),
        "name": v.text(data.get("name"), F["name"], max_len=100, required_=True),
        "region_id": region_id_by_name(session, data.get("region"), region_ids),
        "size": v.choice(size, F["size"], ENTERPRISE_SIZES) if size else None,
        "legal_rep": v.text(data.get("legal_rep"), F["legal_rep"], max_len=40),
        "address": v.text(data.get("address"), F["address"], max_len=200),
        "contact": v.text(data.get("contact"), F["contact"], max_len=40),
        "phone": v.phone(data.get("phone"), F["phone"], required_=False),
        "email": v.email(data.get("email")),
    }


def admin_update(*, actor: Actor, enterprise_id: int, data: dict, version: int | None = None,
                 now: datetime | None = None) -> bool:
    """企业管理: the commission corrects an enterprise's basic fields."""
    if actor.role != Role.COMMISSION:
        raise PermissionDenied("只有经信委可以修改企业信息")
    now = now or clock.utcnow()
    with db.transaction() as session:
        ent = session.get(Enterprise, enterprise_id)
        if ent is None:
            raise ValidationError("企业", "不存在")
        db.check_version(ent, version)
        return _save(session, actor, ent, clean_basic(session, data), AdminAction.UPDATE_ENTERPRISE, now)


def search_enterprises(actor: Actor, *, search: str = "", region: str | None = None, page: int = 1,
                       page_size: int = PAGE_SIZE) -> Page:
    """企业管理: enterprises by name or credit code (contains), newest first, paged in SQL."""
    permissions.require(actor, Area.ENTERPRISES)
    logins = select(User.enterprise_id,
                    func.min(User.username).label("username")).group_by(User.enterprise_id).subquery()
    vouchers = select(Voucher.enterprise_id, func.count().label("vouchers")).group_by(Voucher.enterprise_id).subquery()
    query = (select(Enterprise.id, Enterprise.credit_code, Enterprise.name, Region.name.label("region"),
                    Enterprise.size,
                    Enterprise.legal_rep, Enterprise.address, Enterprise.contact, Enterprise.phone, Enterprise.email,
                    func.coalesce(vouchers.c.vouchers, 0).label("vouchers"), logins.c.username, Enterprise.version)
             .join(Region, Enterprise.region_id == Region.id)
             .outerjoin(logins, logins.c.enterprise_id == Enterprise.id)
             .outerjoin(vouchers, vouchers.c.enterprise_id == Enterprise.id))
    text = v.scrub(search, fold=False)
    if text:
        query = query.where(db.name_contains(Enterprise, text) | (Enterprise.credit_code == text.upper()))
    if region:
        query = query.where(Region.name == region)
    with db.read_session() as session:
        result = fetch_page(session, query, order=[Enterprise.id.desc()], columns=[
            "id", "credit_code", "name", "region", "size", "legal_rep", "address", "contact", "phone", "email",
            "vouchers", "username", "version"], page=page, page_size=page_size)
    result.rows["phone"] = result.rows["phone"].map(v.display_phone)
    return result
