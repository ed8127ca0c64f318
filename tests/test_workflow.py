"""The life cycle table against DESIGN.md §2, written out by hand: every (status, action, role)."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from lib.actors import Actor
from lib.labels import Role
from lib.workflow import Action as A
from lib.workflow import VoucherStatus as S
from lib.workflow import available_actions, check

PROVIDER = Actor(user_id=1, username="p", role=Role.PROVIDER, provider_id=7)
OTHER_PROVIDER = Actor(user_id=2, username="q", role=Role.PROVIDER, provider_id=8)
ENTERPRISE = Actor(user_id=3, username="e", role=Role.ENTERPRISE, enterprise_id=5)
OTHER_ENTERPRISE = Actor(user_id=4, username="f", role=Role.ENTERPRISE, enterprise_id=6)
COMMISSION = Actor(user_id=5, username="c", role=Role.COMMISSION)
ROLES = {"enterprise": ENTERPRISE, "provider": PROVIDER, "commission": COMMISSION}


def voucher(status: S, *, contract: bool = False, withdrawal: bool = False, bound: bool = True) -> SimpleNamespace:
    return SimpleNamespace(status=str(status), provider_id=7 if bound else None, enterprise_id=5,
                           contract_date=date(2026, 1, 1) if contract else None, withdrawal_pending=withdrawal,
                           expired_from=str(S.ACTIVATED) if status == S.EXPIRED else None)


# (case, voucher) -> actions offered to each role. This is the specification, not derived from the code.
EXPECTED = [
    ("待激活", voucher(S.ISSUED, bound=False), {"enterprise": {A.ACTIVATE}, "provider": set(), "commission": {A.VOID}}),
    ("已激活", voucher(S.ACTIVATED, bound=False),
     {"enterprise": {A.CHOOSE_PRODUCT}, "provider": set(), "commission": {A.VOID}}),
    ("待购买确认", voucher(S.PENDING_CONFIRM),
     {"enterprise": {A.REQUEST_WITHDRAWAL}, "provider": {A.CONFIRM, A.DECLINE}, "commission": {A.VOID}}),
    ("已确认，未签合同", voucher(S.CONFIRMED),
     {"enterprise": {A.REQUEST_WITHDRAWAL}, "provider": {A.SIGN_CONTRACT}, "commission": {A.VOID}}),
    ("已确认，已签合同", voucher(S.CONFIRMED, contract=True),
     {"enterprise": {A.REQUEST_WITHDRAWAL}, "provider": {A.ADD_SERVICE, A.EDIT_SERVICE, A.RECORD_DELIVERY},
      "commission": {A.VOID}}),
    ("已交付", voucher(S.DELIVERED, contract=True),
     {"enterprise": {A.EVALUATE}, "provider": {A.ADD_SERVICE, A.EDIT_SERVICE, A.RECORD_DELIVERY},
      "commission": {A.VOID}}),
    ("已评价", voucher(S.EVALUATED, contract=True),
     {"enterprise": set(), "provider": set(), "commission": {A.SETTLE, A.VOID}}),
    ("已兑付", voucher(S.SETTLED, contract=True), {"enterprise": set(), "provider": set(), "commission": set()}),
    ("已过期", voucher(S.EXPIRED, bound=False),
     {"enterprise": set(), "provider": set(), "commission": {A.EXTEND, A.VOID}}),
    ("已作废", voucher(S.VOIDED), {"enterprise": set(), "provider": set(), "commission": set()}),
    ("待购买确认，撤回审核中", voucher(S.PENDING_CONFIRM, withdrawal=True),
     {"enterprise": set(), "provider": set(), "commission": {A.APPROVE_WITHDRAWAL, A.REJECT_WITHDRAWAL, A.VOID}}),
    ("已确认，撤回审核中", voucher(S.CONFIRMED, contract=True, withdrawal=True),
     {"enterprise": set(), "provider": set(), "commission": {A.APPROVE_WITHDRAWAL, A.REJECT_WITHDRAWAL, A.VOID}}),
]
USER_ACTIONS = [a for a in A if a not in (A.ISSUE, A.EXPIRE)]


def case_id(case: SimpleNamespace) -> str:
    """An ASCII test id for a case (status and flags): mutmut hands test ids back to pytest, and
    non-ASCII parametrize ids do not survive that round trip."""
    flags = [name for name, on in (("contract", case.contract_date), ("withdrawal", case.withdrawal_pending)) if on]
    return "-".join([case.status, *flags])


CASE_IDS = [case_id(v) for _, v, _ in EXPECTED]


@pytest.mark.parametrize("case,v,offered", EXPECTED, ids=CASE_IDS)
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_is_offered_exactly_the_actions_of_the_life_cycle(case, v, offered, role):
    assert set(available_actions(v, ROLES[role])) == offered[role]


@pytest.mark.parametrize("case,v,offered", EXPECTED, ids=CASE_IDS)
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", USER_ACTIONS)
def test_every_refused_combination_gives_a_chinese_reason(case, v, offered, role, action):
    decision = check(action, v, ROLES[role])
    assert decision.allowed == (action in offered[role])
    if not decision.allowed:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in decision.reason)


def test_a_provider_cannot_act_on_another_providers_voucher():
    decision = check(A.CONFIRM, voucher(S.PENDING_CONFIRM), OTHER_PROVIDER)
    assert not decision and decision.reason == "无权操作该服务券"
    assert available_actions(voucher(S.DELIVERED, contract=True), OTHER_PROVIDER) == []


def test_an_enterprise_cannot_act_on_another_enterprises_voucher():
    assert not check(A.EVALUATE, voucher(S.DELIVERED, contract=True), OTHER_ENTERPRISE)
    assert available_actions(voucher(S.ISSUED, bound=False), OTHER_ENTERPRISE) == []


def test_refusal_reasons_say_why():
    assert check(A.CONFIRM, voucher(S.CONFIRMED), PROVIDER).reason == "服务券当前状态为“已确认”，不能执行“确认购买”"
    assert check(A.ADD_SERVICE, voucher(S.CONFIRMED), PROVIDER).reason == "请先签订合同"
    assert check(A.SETTLE, voucher(S.EVALUATED), PROVIDER).reason == "只有经信委可以执行“兑付”"
    withdrawn = voucher(S.PENDING_CONFIRM, withdrawal=True)
    assert check(A.CONFIRM, withdrawn, PROVIDER).reason == "企业已申请撤回，请等待经信委审核"


def test_a_provider_account_without_a_provider_sees_nothing():
    orphan = Actor(user_id=9, username="x", role=Role.PROVIDER, provider_id=None)
    unbound = voucher(S.ISSUED, bound=False)
    assert available_actions(unbound, orphan) == []


def test_an_extension_returns_to_the_status_the_voucher_expired_from():
    from lib.workflow import target_of
    assert target_of(A.EXTEND, voucher(S.EXPIRED)) == S.ACTIVATED
    legacy = SimpleNamespace(**{**vars(voucher(S.EXPIRED)), "expired_from": None})  # expired before this was kept
    assert target_of(A.EXTEND, legacy) == S.ISSUED
    assert target_of(A.SIGN_CONTRACT, voucher(S.CONFIRMED)) == S.CONFIRMED  # actions that keep the status
    assert target_of(A.CONFIRM, voucher(S.PENDING_CONFIRM)) == S.CONFIRMED


def test_status_labels_and_an_empty_one():
    from lib.workflow import status_label
    assert [status_label(s) for s in S] == ["待激活", "已激活", "已购买产品，待购买确认", "已确认", "已交付", "已评价",
                                            "已兑付", "已过期", "已作废"]
    assert status_label(None) == status_label("") == status_label(float("nan")) == ""


def test_every_guard_of_an_action_is_checked_in_order():
    signed_and_withdrawn = voucher(S.CONFIRMED, contract=True, withdrawal=True)
    assert check(A.SIGN_CONTRACT, signed_and_withdrawn, PROVIDER).reason == "企业已申请撤回，请等待经信委审核"
    assert check(A.SIGN_CONTRACT, voucher(S.CONFIRMED, contract=True), PROVIDER).reason == "合同已签订"
    assert check(A.RECORD_DELIVERY, voucher(S.CONFIRMED), PROVIDER).reason == "请先签订合同"
    assert check(A.APPROVE_WITHDRAWAL, voucher(S.CONFIRMED), COMMISSION).reason == "没有待审核的撤回申请"


def test_the_named_status_groups_are_the_design_s():
    """DESIGN.md §2 and §6, written out: which statuses each name stands for, in life-cycle order."""
    from lib import workflow as w
    assert [str(s) for s in w.HAPPY_PATH] == ["issued", "activated", "pending_confirm", "confirmed", "delivered",
                                               "evaluated", "settled"]
    assert w.in_order(w.CHOSEN) == ["pending_confirm", "confirmed", "delivered", "evaluated", "settled"]
    assert w.in_order(w.CONFIRMED_OR_LATER) == ["confirmed", "delivered", "evaluated", "settled"]
    assert w.in_order(w.DELIVERED_OR_LATER) == w.in_order(w.PRINTABLE) == ["delivered", "evaluated", "settled"]
    assert w.in_order(w.EVALUATED_OR_LATER) == ["evaluated", "settled"]
    assert w.in_order(w.EXPIRING) == ["issued", "activated"]
    # A settled voucher still is the enterprise's voucher of its batch; an expired or voided one is not.
    assert w.in_order(w.LIVE) == ["issued", "activated", "pending_confirm", "confirmed", "delivered", "evaluated",
                                  "settled"]
    # 办理中: what a suspended provider still has to hand over.
    assert w.in_order(w.IN_PROGRESS) == ["issued", "activated", "pending_confirm", "confirmed", "delivered",
                                         "evaluated"]


P_CASES = [  # (status, action, refusal or "" when allowed): the review rules of DESIGN.md §5
    ("pending", "approve_product", ""), ("pending", "reject_product", ""),
    ("on_sale", "approve_product", "该产品当前为“已上架”，不在待审核中"),
    ("rejected", "reject_product", "该产品当前为“未通过”，不在待审核中"),
    ("off_sale", "put_on_sale", ""), ("on_sale", "put_on_sale", "该产品已是“已上架”"),
    ("pending", "put_on_sale", "只有已下架的产品可以重新上架；待审核的产品请先审核"),
    ("rejected", "put_on_sale", "只有已下架的产品可以重新上架；待审核的产品请先审核"),
    ("pending", "take_off_sale", ""), ("on_sale", "take_off_sale", ""), ("rejected", "take_off_sale", ""),
    ("off_sale", "take_off_sale", "该产品已是“已下架”"),
    ("off_sale", "update_product", ""), ("rejected", "update_product", ""),
]


@pytest.mark.parametrize("status,action,reason", P_CASES)
def test_a_product_moves_only_as_the_review_rules_say(status, action, reason):
    from lib.workflow import ProductAction, check_product
    decision = check_product(ProductAction(action), status)
    assert (decision.allowed, decision.reason) == (not reason, reason)


def test_every_status_of_every_life_cycle_has_its_chinese_name():
    from lib.workflow import ProductStatus, ProviderStatus, WithdrawalStatus
    assert [s.label for s in S] == ["待激活", "已激活", "已购买产品，待购买确认", "已确认", "已交付", "已评价",
                                    "已兑付",
                                    "已过期", "已作废"]
    assert [s.label for s in ProductStatus] == ["待审核", "已上架", "已下架", "未通过"]
    assert [s.label for s in ProviderStatus] == ["正常", "已暂停"]
    assert [s.label for s in WithdrawalStatus] == ["待审核", "批准", "驳回"]
