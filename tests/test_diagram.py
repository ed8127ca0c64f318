"""业务流程 drawn from lib.workflow: every change of status is an arrow labelled with who does it, the
viewer's own steps stand out, and a voucher's current step is filled in."""
from __future__ import annotations

import re

import pytest

from lib import diagram
from lib.labels import ROLE_LABELS, Role
from lib.workflow import STATUS_LABELS, TRANSITIONS, VoucherStatus

S = VoucherStatus


def edges(dot: str) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for source, target, attrs in re.findall(r"^\s+(\w+) -> (\w+) \[(.*)\];$", dot, re.M):
        found.setdefault((source, target), []).append(attrs)
    return found


def test_every_change_of_status_in_the_workflow_is_an_arrow_with_its_actor():
    drawn = edges(diagram.life_cycle())
    for action, t in TRANSITIONS.items():
        if action in diagram.ASIDE or t.target is None:
            continue
        who = "、".join(ROLE_LABELS[r] for r in sorted(t.roles))
        for source in t.sources or ["start"]:
            key = (getattr(source, "value", source), t.target.value)
            assert any(f"{t.label}（{who}）" in attrs for attrs in drawn[key]), (action, key)


def test_each_status_is_a_box_with_its_deadline():
    dot = diagram.life_cycle()
    for status in (*diagram.HAPPY_PATH, S.EXPIRED):
        assert f"{status.value} [label=\"{STATUS_LABELS[status]}" in dot
    assert '"待激活\\n（发放后15天内激活）"' in dot


@pytest.mark.parametrize("role,mine,theirs", [
    (Role.PROVIDER, ("pending_confirm", "confirmed"), ("delivered", "evaluated")),
    (Role.ENTERPRISE, ("delivered", "evaluated"), ("evaluated", "settled")),
    (Role.COMMISSION, ("evaluated", "settled"), ("issued", "activated")),
])
def test_the_viewers_own_steps_are_drawn_in_the_primary_colour(role, mine, theirs):
    drawn = edges(diagram.life_cycle(role))
    assert all(diagram.PRIMARY in attrs and "penwidth" in attrs for attrs in drawn[mine])
    assert all(diagram.MUTED in attrs for attrs in drawn[theirs])


def test_the_current_step_of_a_voucher_is_filled_in_and_no_other():
    dot = diagram.life_cycle(current=S.CONFIRMED)
    assert re.search(r"confirmed \[label=\"已确认\", style=\"rounded,filled\"", dot)
    assert dot.count("filled") == 1


def test_what_the_picture_leaves_out_is_said_from_the_same_table():
    assert diagram.notes()[0] == "服务券撤回（企业）：已购买产品，待购买确认、已确认时可以进行"
