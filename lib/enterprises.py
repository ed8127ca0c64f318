"""Enterprise profile rules: which fields an activation needs and how each is checked."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import validation as v
from lib.errors import ValidationError
from lib.labels import ENTERPRISE_FIELDS as F
from lib.labels import ENTERPRISE_SIZES, MONEY_FIELDS, money_field_labels
from lib.models import Region

MAX_MONEY = v.Decimal("100000000")  # 万元: a trillion yuan is a typo, not a company


def region_id_by_name(session: Session, name: str | None) -> int:
    cleaned = v.required(name, F["region"])
    region_id = session.scalar(select(Region.id).where(Region.name == cleaned, Region.active.is_(True)))
    if region_id is None:
        raise ValidationError(F["region"], f"“{cleaned}”不是南京市的行政区或开发区")
    return region_id


def clean_profile(session: Session, data: dict, *, batch_year: int, today: date) -> dict:
    """Validate a complete enterprise profile (DESIGN.md §4); returns model field values."""
    money_labels = money_field_labels(batch_year)
    out = {
        "credit_code": v.credit_code(data.get("credit_code")),
        "name": v.text(data.get("name"), F["name"], max_len=100, required_=True),
        "region_id": region_id_by_name(session, data.get("region")),
        "size": v.choice(data.get("size"), F["size"], ENTERPRISE_SIZES),
        "legal_rep": v.text(data.get("legal_rep"), F["legal_rep"], max_len=40, required_=True),
        "address": v.text(data.get("address"), F["address"], max_len=200, required_=True),
        "founded_on": v.past_date(data.get("founded_on"), F["founded_on"], today=today),
        "contact": v.text(data.get("contact"), F["contact"], max_len=40, required_=True),
        "phone": v.phone(data.get("phone"), F["phone"]),
        "qq": v.qq(data.get("qq")),
        "email": v.email(data.get("email"), required_=True),
        "employees": v.count(data.get("employees"), F["employees"], required_=True, maximum=1_000_000),
        "difficulty": v.text(data.get("difficulty"), F["difficulty"], max_len=500),
        "remark": v.text(data.get("remark"), F["remark"], max_len=500),
    }
    for field in MONEY_FIELDS:
        out[field] = v.money(data.get(field), money_labels[field], required_=True, maximum=MAX_MONEY)
    return out
