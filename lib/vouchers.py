"""Write services of the voucher life cycle: each is one transaction, checks role, ownership and
status through lib.workflow, writes one history row, and raises DomainError when refused."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import clock, db, drafts, settlement
from lib import validation as v
from lib.actors import Actor
from lib.enterprises import clean_profile, keep_identity
from lib.errors import DomainError, NotFound, TransitionRefused, ValidationError
from lib.expiry import expire
from lib.history import diff, record
from lib.labels import CRITERIA, IMPROVEMENTS, NEXT_FOCUS, band
from lib.models import (
    Engineer,
    Evaluation,
    Product,
    Provider,
    ServiceRecord,
    Settlement,
    Voucher,
    Withdrawal,
)
from lib.workflow import (
    Action,
    ProductStatus,
    ProviderStatus,
    VoucherStatus,
    WithdrawalStatus,
    check,
    target_of,
)

S = VoucherStatus
MAX_DESCRIPTION = 2000
MAX_REASON = 500


# ---------------------------------------------------------------- helpers

def _open(session: Session, number: str, action: Action, actor: Actor) -> Voucher:
    """The voucher, locked for this transaction, if `actor` may take `action` on it now."""
    number = str(number).strip()
    # FOR NO KEY UPDATE (PostgreSQL's lock for an update that keeps the key): actions on one voucher take turns,
    # while rows that merely refer to it (a risk flag another writer decides) need not wait for this one
    voucher = session.scalars(select(Voucher).where(Voucher.number == number)
                              .with_for_update(key_share=True)).one_or_none()
    if voucher is None:
        raise NotFound(f"服务券{number}不存在")
    decision = check(action, voucher, actor)
    if not decision:
        raise TransitionRefused(decision.reason)
    return voucher


@contextmanager
def _acting(number: str, now: datetime) -> Iterator[Session]:
    """The transaction of one action on one voucher, after applying its due expiry (which stays
    committed even when the action is then refused: the deadline has passed either way)."""
    expire(now=now, number=str(number).strip())
    with db.transaction() as session:
        yield session


def _move(session: Session, voucher: Voucher, action: Action, actor: Actor, now: datetime,
          changes: dict | None = None) -> None:
    old = voucher.status
    new = target_of(action, voucher)
    voucher.status = new
    voucher.updated_at = now
    record(session, actor, action, voucher=voucher, from_status=old, to_status=new, changes=changes, now=now)


def _unbind(voucher: Voucher, now: datetime) -> None:
    """Back to 已激活 without a product (无法提供, 批准撤回): choosing again has the post-activation time."""
    voucher.provider_id = voucher.product_id = voucher.price = voucher.chosen_at = None
    voucher.confirmed_at = voucher.confirm_remark = voucher.contract_date = None
    voucher.expires_at = now + timedelta(days=voucher.batch.expiry_days_after_activation)


def _decide_requests(session: Session, voucher: Voucher, actor: Actor, now: datetime, decision: WithdrawalStatus,
                     reason: str | None) -> list[Withdrawal]:
    """Close the voucher's pending withdrawal request(s) with the commission's decision."""
    requests = list(session.scalars(select(Withdrawal).where(Withdrawal.voucher_id == voucher.id,
                                                             Withdrawal.status == WithdrawalStatus.PENDING)))
    for request in requests:
        request.status = decision
        request.decided_by = actor.user_id
        request.decided_at = now
        request.decision_reason = reason
    voucher.withdrawal_pending = False
    return requests


def _reason(value: str | None, field: str) -> str:
    return v.text(value, field, max_len=MAX_REASON, required_=True)


# ---------------------------------------------------------------- enterprise

def activate(*, actor: Actor, number: str, profile: dict, now: datetime | None = None) -> None:
    """激活: the enterprise completes its profile; the voucher gets the post-activation deadline."""
    now = now or clock.utcnow()
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.ACTIVATE, actor)
        values = clean_profile(session, profile, batch_year=voucher.batch.year, today=clock.local_date(now))
        enterprise = voucher.enterprise
        keep_identity(enterprise, values)
        changes = diff(enterprise, values)
        for field, value in values.items():
            setattr(enterprise, field, value)
        enterprise.updated_at = now
        voucher.activated_at = now
        voucher.expires_at = now + timedelta(days=voucher.batch.expiry_days_after_activation)
        changes["expires_at"] = voucher.expires_at
        drafts.discard(actor=actor, form=drafts.PROFILE, session=session)  # submitted: the draft has served
        _move(session, voucher, Action.ACTIVATE, actor, now, changes)


def choose_product(*, actor: Actor, number: str, product_id: int, now: datetime | None = None) -> None:
    now = now or clock.utcnow()
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.CHOOSE_PRODUCT, actor)
        product = session.get(Product, product_id)
        if product is None or product.status != ProductStatus.ON_SALE:
            raise ValidationError("服务产品", "该产品未上架，不能选择")
        if session.get(Provider, product.provider_id).status != ProviderStatus.ACTIVE:
            raise ValidationError("服务产品", "该服务商已暂停服务，不能选择")
        voucher.provider_id = product.provider_id
        voucher.product_id = product.id
        voucher.price = product.price
        voucher.chosen_at = now
        voucher.expires_at = None
        _move(session, voucher, Action.CHOOSE_PRODUCT, actor, now,
              {"product": product.name, "provider_id": product.provider_id, "price": product.price})


def request_withdrawal(*, actor: Actor, number: str, reason: str, now: datetime | None = None) -> None:
    now = now or clock.utcnow()
    reason = _reason(reason, "撤回原因")
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.REQUEST_WITHDRAWAL, actor)
        session.add(Withdrawal(voucher_id=voucher.id, provider_id=voucher.provider_id, reason=reason,
                               requested_by=actor.user_id,
                               requested_at=now))  # status: the column's default, 待审核
        voucher.withdrawal_pending = True
        voucher.withdrawal_reason = reason
        _move(session, voucher, Action.REQUEST_WITHDRAWAL, actor, now, {"reason": reason})


def evaluate(*, actor: Actor, number: str, scores: dict[str, int], solved: bool, improvements: list[str],
             next_focus: list[str], comment: str | None = None, now: datetime | None = None) -> int:
    """服务评价, once; returns the total. Locks the service and delivery records for good."""
    now = now or clock.utcnow()
    clean = {field: v.score(scores.get(field), label, maximum) for field, label, maximum in CRITERIA}
    if not isinstance(solved, bool):
        raise ValidationError("问题是否解决", "请选择")
    improvements = v.selections(improvements, "实施信息化后对企业有哪些改善", IMPROVEMENTS)
    next_focus = v.selections(next_focus, "企业下一步信息化建设的重点", NEXT_FOCUS)
    comment = v.text(comment, "意见和建议", max_len=200)
    total = sum(clean.values())
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.EVALUATE, actor)
        if session.scalar(select(Evaluation.id).where(Evaluation.voucher_id == voucher.id)):
            raise TransitionRefused("该服务券已评价，不能重复评价")
        session.add(Evaluation(voucher_id=voucher.id, **clean, total=total, band=band(total), solved=solved,
                               improvements=improvements, next_focus=next_focus,
                               comment=comment, created_by=actor.user_id, created_at=now))
        voucher.evaluated_at = now
        _move(session, voucher, Action.EVALUATE, actor, now, {"total": total, "band": band(total)})
    return total


# ---------------------------------------------------------------- provider

def confirm_purchase(*, actor: Actor, number: str, remark: str | None = None, now: datetime | None = None) -> None:
    now = now or clock.utcnow()
    remark = v.text(remark, "备注", max_len=MAX_REASON)
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.CONFIRM, actor)
        voucher.confirmed_at = now
        voucher.confirm_remark = remark
        _move(session, voucher, Action.CONFIRM, actor, now, {"remark": remark} if remark else None)


def decline(*, actor: Actor, number: str, reason: str, now: datetime | None = None) -> None:
    """无法提供: back to 已激活 with the product cleared, so the enterprise can choose again."""
    now = now or clock.utcnow()
    reason = _reason(reason, "无法提供的原因")
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.DECLINE, actor)
        changes = {"reason": reason, "provider_id": voucher.provider_id, "product_id": voucher.product_id}
        _unbind(voucher, now)
        _move(session, voucher, Action.DECLINE, actor, now, changes)


def sign_contract(*, actor: Actor, number: str, contract_date: date | str, now: datetime | None = None) -> None:
    now = now or clock.utcnow()
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.SIGN_CONTRACT, actor)
        day = v.past_date(contract_date, "合同签订日期", today=clock.local_date(now),
                          not_before=clock.local_date(voucher.chosen_at) if voucher.chosen_at else None,
                          not_before_label="选择产品日期")
        voucher.contract_date = day
        _move(session, voucher, Action.SIGN_CONTRACT, actor, now, {"contract_date": day})


def _clean_service(session: Session, voucher: Voucher, now: datetime, engineer_id: object, service_date: object,
                   description: str | None, remark: str | None) -> dict:
    if engineer_id in (None, ""):
        raise ValidationError("服务工程师", "请选择服务工程师")
    try:
        engineer = session.get(Engineer, int(engineer_id))
    except (TypeError, ValueError, ArithmeticError):
        engineer = None
    if engineer is None or engineer.provider_id != voucher.provider_id:
        raise ValidationError("服务工程师", "不是本服务商的工程师")
    day = v.past_date(service_date, "日期", today=clock.local_date(now), not_before=voucher.contract_date,
                      not_before_label="合同签订日期")
    return {
        "engineer_id": engineer.id,
        "service_date": day,
        "description": v.text(description, "服务描述", max_len=MAX_DESCRIPTION, required_=True),
        "remark": v.text(remark, "备注", max_len=MAX_REASON),
        "_engineer": engineer,
    }


def add_service_record(*, actor: Actor, number: str, engineer_id: int, service_date: date | str,
                       description: str, remark: str | None = None, now: datetime | None = None) -> int:
    now = now or clock.utcnow()
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.ADD_SERVICE, actor)
        values = _clean_service(session, voucher, now, engineer_id, service_date, description, remark)
        engineer = values.pop("_engineer")
        if not engineer.active:
            raise ValidationError("服务工程师", f"{engineer.name}已离职，请选择在职工程师")
        row = ServiceRecord(voucher_id=voucher.id, **values, created_by=actor.user_id, created_at=now)
        session.add(row)
        session.flush()
        voucher.updated_at = now
        record(session, actor, Action.ADD_SERVICE, voucher=voucher, from_status=voucher.status,
               to_status=voucher.status, changes={"record_id": row.id, **values}, now=now)
        return row.id


def edit_service_record(*, actor: Actor, record_id: int, engineer_id: int, service_date: date | str,
                        description: str, remark: str | None = None, version: int | None = None,
                        now: datetime | None = None) -> None:
    """修改 one service record; `version` is the record's version when the form was opened."""
    now = now or clock.utcnow()
    with db.transaction() as session:
        row = session.get(ServiceRecord, record_id) if record_id is not None else None
        if row is None:
            raise NotFound("服务记录不存在")
        db.check_version(row, version)
        number = session.scalar(select(Voucher.number).where(Voucher.id == row.voucher_id))
        voucher = _open(session, number, Action.EDIT_SERVICE, actor)
        values = _clean_service(session, voucher, now, engineer_id, service_date, description, remark)
        engineer = values.pop("_engineer")
        if not engineer.active and engineer.id != row.engineer_id:
            raise ValidationError("服务工程师", f"{engineer.name}已离职，请选择在职工程师")
        changes = diff(row, values)
        if not changes:
            return
        for field, value in values.items():
            setattr(row, field, value)
        row.updated_by = actor.user_id
        row.updated_at = now
        record(session, actor, Action.EDIT_SERVICE, voucher=voucher, from_status=voucher.status,
               to_status=voucher.status, changes={"record_id": row.id, **changes}, now=now)


def record_delivery(*, actor: Actor, number: str, delivered_on: date | str, content: str,
                    version: int | None = None, now: datetime | None = None) -> None:
    """编辑交付记录: sets 交付日期 and 交付内容; the voucher becomes (or stays) 已交付."""
    now = now or clock.utcnow()
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.RECORD_DELIVERY, actor)
        db.check_version(voucher, version)
        values = {
            "delivered_on": v.past_date(delivered_on, "交付日期", today=clock.local_date(now),
                                        not_before=voucher.contract_date, not_before_label="合同签订日期"),
            "delivery_content": v.text(content, "交付内容", max_len=MAX_DESCRIPTION, required_=True),
        }
        changes = diff(voucher, values)
        if not changes and voucher.status == S.DELIVERED:
            return
        for field, value in values.items():
            setattr(voucher, field, value)
        _move(session, voucher, Action.RECORD_DELIVERY, actor, now, changes)


# ---------------------------------------------------------------- commission

def settle(*, actor: Actor, number: str, amount: Decimal | str | None, settled_on: date | str,
           now: datetime | None = None) -> None:
    """兑付 one voucher (amount None = its face value)."""
    settle_many(actor=actor, numbers=[number], amount=amount, settled_on=settled_on, now=now)


def settle_many(*, actor: Actor, numbers: list[str], amount: Decimal | str | None, settled_on: date | str,
                now: datetime | None = None) -> list[str]:
    """兑付 several vouchers in one transaction: all of them, or none if any fails its checklist."""
    now = now or clock.utcnow()
    if not numbers:
        raise DomainError("请先勾选要兑付的服务券")
    day = v.past_date(settled_on, "兑付日期", today=clock.local_date(now))
    with db.transaction() as session:
        for number in numbers:
            voucher = _open(session, number, Action.SETTLE, actor)
            missing = settlement.missing(settlement.checklist(session, voucher.id))
            prefix = f"服务券{number}：" if len(numbers) > 1 else ""
            if missing:
                raise TransitionRefused(f"{prefix}材料不齐，不能兑付：缺少" + "、".join(missing)
                                        + ("（本次未兑付任何服务券）" if len(numbers) > 1 else ""))
            money = v.money(amount, "兑付金额", maximum=voucher.face_value)
            money = voucher.face_value if money is None else money  # blank (or spaces) means the face value
            if money <= 0:
                raise ValidationError("兑付金额", "应大于0")
            voucher.settled_amount = money
            voucher.settled_on = day
            session.add(Settlement(voucher_id=voucher.id, amount=money, settled_on=day, created_by=actor.user_id,
                                   created_at=now))
            _move(session, voucher, Action.SETTLE, actor, now, {"amount": money, "settled_on": day})
    return list(numbers)


def decide_withdrawal(*, actor: Actor, number: str, approve: bool, reason: str | None = None,
                      now: datetime | None = None) -> None:
    """Approve (→ 已激活; product, confirmation and contract cleared) or reject (reason required)."""
    now = now or clock.utcnow()
    action = Action.APPROVE_WITHDRAWAL if approve else Action.REJECT_WITHDRAWAL
    reason = v.text(reason, "审核意见", max_len=MAX_REASON, required_when=None if approve else "驳回")
    with _acting(number, now) as session:
        voucher = _open(session, number, action, actor)
        (request,) = _decide_requests(session, voucher, actor, now,
                                      WithdrawalStatus.APPROVED if approve else WithdrawalStatus.REJECTED, reason)
        changes = {"reason": reason, "request_reason": request.reason}
        if approve:
            changes.update(provider_id=voucher.provider_id, product_id=voucher.product_id,
                           contract_date=voucher.contract_date)
            _unbind(voucher, now)
        _move(session, voucher, action, actor, now, changes)


def extend(*, actor: Actor, number: str, days: int, reason: str, now: datetime | None = None) -> None:
    """延期: an expired voucher returns to the status it expired from with a new deadline."""
    now = now or clock.utcnow()
    reason = _reason(reason, "延期原因")
    days = v.count(days, "延期天数", required_=True, maximum=365)
    if days < 1:
        raise ValidationError("延期天数", "至少1天")
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.EXTEND, actor)
        voucher.expires_at = now + timedelta(days=days)
        changes = {"reason": reason, "expires_at": voucher.expires_at}
        _move(session, voucher, Action.EXTEND, actor, now, changes)
        voucher.expired_from = None


def void(*, actor: Actor, number: str, reason: str, now: datetime | None = None) -> None:
    now = now or clock.utcnow()
    reason = _reason(reason, "作废原因")
    with _acting(number, now) as session:
        voucher = _open(session, number, Action.VOID, actor)
        voucher.void_reason = reason
        voucher.expires_at = None
        if voucher.withdrawal_pending:
            _decide_requests(session, voucher, actor, now, WithdrawalStatus.REJECTED, "服务券已作废")
        _move(session, voucher, Action.VOID, actor, now, {"reason": reason})

