"""业务流程 as a picture: the voucher life cycle drawn (Graphviz DOT) from lib.workflow's own tables, with who
acts at each step, the deadlines, the viewer's own steps in the primary colour and a voucher's current step
filled in."""
from __future__ import annotations

from lib.labels import ROLE_LABELS, Role
from lib.workflow import HAPPY_PATH, STATUS_LABELS, TRANSITIONS, Action, VoucherStatus

S = VoucherStatus
PRIMARY, MUTED, CURRENT = "#1f5fa8", "#8a8f98", "#fde9c8"
DEADLINES = {S.ISSUED: "发放后15天内激活", S.ACTIVATED: "激活后30天内选择产品"}
# Drawn apart from the arrows (they would cross the whole picture): said under the diagram instead.
ASIDE = {Action.VOID, Action.EXTEND, Action.REQUEST_WITHDRAWAL, Action.REJECT_WITHDRAWAL, Action.EDIT_SERVICE}


def _quote(text: str) -> str:
    """A DOT string; our own labels, whose only escape is the line break written as \\n."""
    return '"' + text.replace('"', "'") + '"'


def _node(status: VoucherStatus, current: VoucherStatus | None) -> str:
    label = STATUS_LABELS[status] + (f"\\n（{DEADLINES[status]}）" if status in DEADLINES else "")
    fill = f', style="rounded,filled", fillcolor="{CURRENT}", penwidth=2' if status == current else \
        ', style="rounded"'
    return f"  {status.value} [label={_quote(label)}{fill}];"


def _edge(source: str, target: str, label: str, mine: bool, *, dashed: bool = False) -> str:
    colour = PRIMARY if mine else MUTED
    style = ', style="dashed"' if dashed else ""
    width = ", penwidth=2.2" if mine else ""
    return (f"  {source} -> {target} [label={_quote(label)}, color=\"{colour}\", fontcolor=\"{colour}\""
            f"{width}{style}];")


def life_cycle(role: Role | None = None, current: VoucherStatus | None = None) -> str:
    """The DOT source: a box per status (the happy path left to right, then 已过期), an arrow per change of
    status labelled “操作（谁）”, the steps that keep the status under it; `role`'s own steps emphasised."""
    lines = ['digraph 服务券 {', '  rankdir=LR; bgcolor="transparent";',
             '  node [shape=box, fontname="Noto Sans CJK SC", fontsize=12, color="#5c6b7a"];',
             '  edge [fontname="Noto Sans CJK SC", fontsize=10];',
             '  start [shape=point, width=0.15];']
    lines += [_node(status, current) for status in (*HAPPY_PATH, S.EXPIRED)]
    staying: dict[S, list[tuple[str, bool]]] = {}
    for action, t in TRANSITIONS.items():
        if action in ASIDE:
            continue
        who = "、".join(ROLE_LABELS[r] for r in sorted(t.roles))
        mine = role is not None and role in t.roles
        label = f"{t.label}（{who}）"
        if t.target is None:
            for source in t.sources:
                staying.setdefault(source, []).append((label, mine))
            continue
        for source in sorted(t.sources, key=list(S).index) or ["start"]:
            if source == t.target:  # editing the delivery record of a delivered voucher keeps it 已交付
                staying.setdefault(source, []).append((label, mine))
                continue
            lines.append(_edge(getattr(source, "value", source), t.target.value, label, mine,
                               dashed=action in (Action.DECLINE, Action.APPROVE_WITHDRAWAL, Action.EXPIRE)))
    for status, steps in staying.items():
        lines.append(_edge(status.value, status.value, "\\n".join(label for label, _ in steps),
                           any(mine for _, mine in steps)))
    lines.append("}")
    return "\n".join(lines)


def notes() -> list[str]:
    """What the picture leaves out, in words, from the same table."""
    out = []
    for action in (Action.REQUEST_WITHDRAWAL, Action.VOID, Action.EXTEND):
        t = TRANSITIONS[action]
        where = "、".join(STATUS_LABELS[s] for s in sorted(t.sources, key=list(S).index))
        who = "、".join(ROLE_LABELS[r] for r in sorted(t.roles))
        out.append(f"{t.label}（{who}）：{where}时可以进行")
    return out
