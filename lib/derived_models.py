"""Derived tables: kept from the base tables in the transaction of every write (lib.summaries, lib.risk) and
rebuilt from them by `python -m lib.cli rebuild-summaries`. Nothing here is entered by a user."""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from lib.labels import CRITERIA, IMPROVEMENTS, NEXT_FOCUS
from lib.models import Base


class SummaryKey:
    """What the statistics filter on (lib.summaries): 0 or '' where a voucher has no provider, category, size."""
    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # lib.summaries.GRAINS
    batch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # issued, 'YYYY-MM' in Nanjing ('YYYY-MM-DD' at lib.summaries.DAY_GRAIN)
    month: Mapped[str] = mapped_column(String(10), primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[str] = mapped_column(String(4), primary_key=True)
    provider_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class VoucherCube(SummaryKey, Base):
    __tablename__ = "voucher_cube"
    __table_args__ = (Index("ix_voucher_cube_provider", "grain", "provider_id"),
                      Index("ix_voucher_cube_region", "grain", "region_id"))
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    activated: Mapped[int] = mapped_column(BigInteger, default=0)
    face: Mapped[int] = mapped_column(BigInteger, default=0)  # fen
    extra: Mapped[int] = mapped_column(BigInteger, default=0)  # Σ max(price − face, 0), fen
    settled: Mapped[int] = mapped_column(BigInteger, default=0)  # fen
    unserved: Mapped[int] = mapped_column(BigInteger, default=0)  # without any service record (需要跟进)


class VoucherEvent(SummaryKey, Base):
    __tablename__ = "voucher_events"
    __table_args__ = (Index("ix_voucher_events_provider", "grain", "provider_id"),
                      Index("ix_voucher_events_region", "grain", "region_id"))
    event: Mapped[str] = mapped_column(String(10), primary_key=True)  # chosen / delivered / settled
    event_month: Mapped[str] = mapped_column(String(7), primary_key=True)


class CycleTime(SummaryKey, Base):
    __tablename__ = "cycle_times"
    __table_args__ = (Index("ix_cycle_times_provider", "grain", "provider_id"),
                      Index("ix_cycle_times_region", "grain", "region_id"))
    series: Mapped[str] = mapped_column(String(10), primary_key=True)  # confirm / deliver
    days: Mapped[int] = mapped_column(Integer, primary_key=True)


class CycleMedian(Base):
    """The exact median days of each 服务商's `cycle_times` histogram over every month (the grain of provider_id
    alone): 服务商排行 unfiltered, kept at each write that moves the histogram instead of summed from a province's
    36,000 histogram rows at each reading. `lower` and `upper` are the two middle values (equal for an odd count)."""
    __tablename__ = "cycle_medians"
    provider_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(10), primary_key=True)  # confirm / deliver
    lower: Mapped[int] = mapped_column(Integer, default=0)
    upper: Mapped[int] = mapped_column(Integer, default=0)
    n: Mapped[int] = mapped_column(BigInteger, default=0)  # how many vouchers the histogram counts


# 评价统计's sums per key and month of evaluation: the total score, 问题已解决, the count in each tenth of the
# score (bucket_0 = [0, 10) … bucket_9 = [90, 100]; the bands follow from them), each criterion's points, and how
# often each 改善 and 下一步重点 option was chosen (in lib.labels' order: a new option needs a migration).
EVALUATION_SUMS = ("score", "solved", *[f"bucket_{i}" for i in range(10)], *[field for field, _, _ in CRITERIA],
                   *[f"improvement_{i}" for i in range(len(IMPROVEMENTS))],
                   *[f"focus_{i}" for i in range(len(NEXT_FOCUS))])

EvaluationCube = type("EvaluationCube", (SummaryKey, Base), {
    "__tablename__": "evaluation_cube",
    "__table_args__": (Index("ix_evaluation_cube_provider", "grain", "provider_id"),
                       Index("ix_evaluation_cube_region", "grain", "region_id")),
    "__doc__": "评价统计's summary: the evaluations' sums by key, and by 'YYYY-MM' of the evaluation (Nanjing) at the "
               "grains lib.summaries.BY_EVAL_MONTH above the others ('' below).",
    "eval_month": mapped_column(String(7), primary_key=True),
    **{name: mapped_column(BigInteger, default=0) for name in EVALUATION_SUMS},
})


class TableVersion(Base):
    """How many transactions have written to a table: the cache key of every result read from it."""
    __tablename__ = "table_versions"
    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class RiskFlag(Base):
    """A 风险预警 signal raised by a voucher, with its evidence, decided when the record that can raise it is
    written (lib.risk)."""
    __tablename__ = "risk_flags"
    signal: Mapped[str] = mapped_column(String(30), primary_key=True)
    voucher_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("vouchers.id"),
                                            primary_key=True)
    detail: Mapped[str] = mapped_column(String(200), primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(Integer)  # the provider the evidence concerns

    __table_args__ = (Index("ix_risk_flags_voucher", "voucher_id"),)
