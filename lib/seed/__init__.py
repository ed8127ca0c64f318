"""Seed data: `reference` (区域, 产品类别, batches, bulk helpers), `demo` (the demo database of DESIGN.md §8,
as data) and `synthetic` (generated programmes at any scale). The names below are what the CLI and tests use."""
from sqlalchemy import func, select

from lib import db
from lib.models import Provider
from lib.seed.demo import DEMO_PASSWORD, LANGKUN, LANGKUN_PRODUCT, PROVIDER2, seed_demo
from lib.seed.reference import credit_code_for, seed_reference
from lib.seed.synthetic import seed_synthetic

__all__ = ["DEMO_PASSWORD", "LANGKUN", "LANGKUN_PRODUCT", "PROVIDER2", "credit_code_for", "is_empty", "seed_demo",
           "seed_reference", "seed_synthetic"]


def is_empty() -> bool:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(Provider)) == 0
