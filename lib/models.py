"""SQLAlchemy 2 typed models of everything in DESIGN.md §4, plus users and the history log."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from lib.workflow import ProductStatus, ProviderStatus, WithdrawalStatus

Money = Numeric(14, 2)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no zone, so store naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lib.clock.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Versioned:
    """A row two people may edit at once: every UPDATE checks and bumps `version` (SQLAlchemy's
    version_id_col), and a form saved from an older version is refused (lib.errors.StaleRecord)."""
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


class ListedOption:
    """An entry of a reference list (区域, 产品类别): offered in `sort_order` while active."""
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Region(ListedOption, Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # district 行政区 / devzone 开发区


class ProductCategory(ListedOption, Base):
    __tablename__ = "product_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class Enterprise(Versioned, Base):
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    size: Mapped[str | None] = mapped_column(String(4))
    legal_rep: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    founded_on: Mapped[date | None] = mapped_column(Date)
    contact: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))  # E.164;ext=…
    qq: Mapped[str | None] = mapped_column(String(12))
    email: Mapped[str | None] = mapped_column(String(100))
    output_prev: Mapped[Decimal | None] = mapped_column(Money)
    output_plan: Mapped[Decimal | None] = mapped_column(Money)
    revenue_prev: Mapped[Decimal | None] = mapped_column(Money)
    revenue_plan: Mapped[Decimal | None] = mapped_column(Money)
    profit_prev: Mapped[Decimal | None] = mapped_column(Money)
    profit_plan: Mapped[Decimal | None] = mapped_column(Money)
    employees: Mapped[int | None] = mapped_column(Integer)
    difficulty: Mapped[str | None] = mapped_column(String(500))
    remark: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    region: Mapped[Region] = relationship()


class Provider(Base):
    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    fax: Mapped[str | None] = mapped_column(String(40))
    contact: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=ProviderStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Product(Versioned, Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int] = mapped_column(ForeignKey("product_categories.id"), index=True)
    price: Mapped[Decimal] = mapped_column(Money)
    target: Mapped[str | None] = mapped_column(String(500))  # 适用对象
    problems: Mapped[str | None] = mapped_column(String(1000))  # 解决问题
    cases: Mapped[str | None] = mapped_column(String(2000))  # 应用案例
    status: Mapped[str] = mapped_column(String(10), default=ProductStatus.PENDING)
    review_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider: Mapped[Provider] = relationship()
    category: Mapped[ProductCategory] = relationship()


class Engineer(Base):
    __tablename__ = "engineers"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(100))  # 职务/专长
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False = 离职


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    face_value: Mapped[Decimal] = mapped_column(Money)
    expiry_days_after_issue: Mapped[int] = mapped_column(Integer, default=15)
    expiry_days_after_activation: Mapped[int] = mapped_column(Integer, default=30)
    next_serial: Mapped[int] = mapped_column(Integer, default=1)


class Voucher(Versioned, Base):
    __tablename__ = "vouchers"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    face_value: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    price: Mapped[Decimal | None] = mapped_column(Money)  # product price when chosen
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_remark: Mapped[str | None] = mapped_column(String(500))
    contract_date: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_content: Mapped[str | None] = mapped_column(String(2000))
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_on: Mapped[date | None] = mapped_column(Date)
    settled_amount: Mapped[Decimal | None] = mapped_column(Money)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_from: Mapped[str | None] = mapped_column(String(20))  # status to return to on 延期
    withdrawal_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    void_reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enterprise: Mapped[Enterprise] = relationship()
    batch: Mapped[Batch] = relationship()
    provider: Mapped[Provider | None] = relationship()
    product: Mapped[Product | None] = relationship()

    __table_args__ = (
        Index("ix_vouchers_status_number", "status", "number"),
        Index("ix_vouchers_provider_number", "provider_id", "number"),
        Index("ix_vouchers_status_expires", "status", "expires_at"),
        Index("ix_vouchers_status_chosen", "status", "chosen_at"),  # 需要跟进: waiting since
        Index("ix_vouchers_status_confirmed", "status", "confirmed_at"),
        Index("ix_vouchers_issued_at", "issued_at"),
        Index("ix_vouchers_batch", "batch_id"),
        Index("ix_vouchers_provider_status", "provider_id", "status"),
        Index("ix_vouchers_product", "product_id"),
        Index("ix_vouchers_withdrawal_pending", "number", sqlite_where=text("withdrawal_pending = 1"),
              postgresql_where=text("withdrawal_pending")),
    )


class ServiceRecord(Versioned, Base):
    __tablename__ = "service_records"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineers.id"), index=True)
    service_date: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    remark: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engineer: Mapped[Engineer] = relationship()

    # 风险预警 looks for one engineer at several enterprises on the same day.
    __table_args__ = (Index("ix_service_records_engineer_date", "engineer_id", "service_date"),)


class Evaluation(Base):
    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), unique=True)
    s_attitude: Mapped[int] = mapped_column(Integer)
    s_expertise: Mapped[int] = mapped_column(Integer)
    s_conduct: Mapped[int] = mapped_column(Integer)
    s_contract: Mapped[int] = mapped_column(Integer)
    s_quality: Mapped[int] = mapped_column(Integer)
    s_value: Mapped[int] = mapped_column(Integer)
    s_usability: Mapped[int] = mapped_column(Integer)
    s_aftersales: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(4))
    solved: Mapped[bool] = mapped_column(Boolean)
    improvements: Mapped[list] = mapped_column(JSON)
    next_focus: Mapped[list] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Withdrawal(Base):
    __tablename__ = "withdrawals"
    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), index=True)
    # The provider the voucher was bound to when the enterprise asked: approval clears the voucher's.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=WithdrawalStatus.PENDING, index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    # At most one request per voucher waits for the commission (a partial unique index on both databases).
    __table_args__ = (
        Index("uq_withdrawals_one_pending", "voucher_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )


class Settlement(Base):
    __tablename__ = "settlements"
    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    settled_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)  # always lower-case
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(12), index=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginSession(Base):
    """A server-side login session: the signed cookie carries only `id`. 退出, a password change or
    reset, disabling the account or suspending its provider revoke it; it ends after `IDLE` without a
    visit and at `expires_at` whatever happens."""

    __tablename__ = "login_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(20))
    client: Mapped[str | None] = mapped_column(String(64))


class Draft(Base):
    """A long form's values typed but not yet submitted (企业信息), kept per user on the server so a reload,
    a closed tab or a lost connection does not lose them; deleted in the transaction that submits the form."""

    __tablename__ = "drafts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    form: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed logins from one client (IP address): each failure beyond the fifth doubles the wait."""

    __tablename__ = "login_throttle"
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)


class History(Base):
    """Append-only: rows are inserted by lib.history.record and never updated or deleted."""

    __tablename__ = "history"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(12))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"), index=True)
    action: Mapped[str] = mapped_column(String(30), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    changes: Mapped[dict | None] = mapped_column(JSON)


__all__ = [
    "Base", "Region", "ProductCategory", "Enterprise", "Provider", "Product", "Engineer", "Batch",
    "Voucher", "ServiceRecord", "Evaluation", "Withdrawal", "Settlement", "User", "History", "LoginSession",
    "LoginThrottle",
]
