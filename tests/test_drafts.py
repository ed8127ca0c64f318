"""Drafts of the 企业信息 form, on both databases: kept per user, read back with their dates, and gone in
the very transaction that submits the form (a refused submit keeps them)."""
from __future__ import annotations

from datetime import date

import pytest

from lib import drafts, enterprises, vouchers
from lib.errors import DomainError, ValidationError
from lib.labels import Role
from lib.workflow import VoucherStatus as S
from tests.builders import NOW, make_user, make_voucher, voucher_row
from tests.test_vouchers import own_profile

TYPED = {"legal_rep": "王伟", "founded_on": date(2015, 6, 1), "size": None, "output_prev": "800", "qq": ""}


def enterprise_user(v: dict, name: str):
    return make_user(name, Role.ENTERPRISE, enterprise_id=v["enterprise_id"]).actor()


def test_a_draft_comes_back_as_typed_for_its_user_only(database):
    v = make_voucher(S.ISSUED)
    mine, colleague = enterprise_user(v, "qydraft1"), enterprise_user(v, "qydraft2")
    assert drafts.load(mine, drafts.PROFILE) is None
    drafts.save(actor=mine, form=drafts.PROFILE, values=TYPED, now=NOW)
    saved = drafts.load(mine, drafts.PROFILE)
    assert saved.values == TYPED and saved.saved_at == NOW
    assert drafts.load(colleague, drafts.PROFILE) is None  # per user, not per enterprise
    drafts.save(actor=mine, form=drafts.PROFILE, values={**TYPED, "legal_rep": "李娜"})
    assert drafts.load(mine, drafts.PROFILE).values["legal_rep"] == "李娜"  # the newest wins, one row


def test_activating_deletes_the_draft_in_the_same_transaction_and_a_refusal_keeps_it(database):
    v = make_voucher(S.ISSUED)
    actor = enterprise_user(v, "qydraft3")
    drafts.save(actor=actor, form=drafts.PROFILE, values=TYPED)
    with pytest.raises(DomainError):
        vouchers.activate(actor=actor, number=v["number"], profile=own_profile(v, email="not-an-email"), now=NOW)
    assert drafts.load(actor, drafts.PROFILE) is not None
    vouchers.activate(actor=actor, number=v["number"], profile=own_profile(v), now=NOW)
    assert voucher_row(v["number"]).status == S.ACTIVATED
    assert drafts.load(actor, drafts.PROFILE) is None


def test_saving_the_profile_deletes_the_draft(database):
    v = make_voucher(S.ACTIVATED)
    actor = enterprise_user(v, "qydraft4")
    drafts.save(actor=actor, form=drafts.PROFILE, values=TYPED)
    enterprises.update_profile(actor=actor, data=own_profile(v, legal_rep="赵六"))
    assert drafts.load(actor, drafts.PROFILE) is None
    drafts.save(actor=actor, form=drafts.PROFILE, values=TYPED)
    drafts.discard(actor=actor, form=drafts.PROFILE)  # 放弃草稿
    assert drafts.load(actor, drafts.PROFILE) is None


def test_only_known_forms_and_sane_sizes_are_kept(database):
    v = make_voucher(S.ISSUED)
    actor = enterprise_user(v, "qydraft5")
    with pytest.raises(ValidationError, match="不支持草稿"):
        drafts.save(actor=actor, form="anything", values=TYPED)
    with pytest.raises(ValidationError, match="未能保存草稿"):
        drafts.save(actor=actor, form=drafts.PROFILE, values={"remark": "字" * 30_000})
    assert drafts.load(actor, drafts.PROFILE) is None
