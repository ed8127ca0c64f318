"""One voucher's detail (manual §2–4) with the actions the viewer may take in its status."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lib import clock, diagram, documents, queries, validation, vouchers
from lib.actors import Actor
from lib.labels import ENTERPRISE_FIELDS, Role, money_field_labels
from lib.queries import VoucherDetail
from lib.workflow import Action, VoucherStatus
from ui.widgets import (
    Phone,
    answer,
    attempt,
    form_buttons,
    keypad,
    opened_version,
    phone_link,
    plain,
    show_flash,
    wan,
    yuan,
)

LOCKED_NOTE = "企业已评价，服务信息和交付记录已锁定，不能再修改。"
# The provider's steps of manual §3–4, offered at the top of the detail.
NEXT_STEPS = frozenset({Action.CONFIRM, Action.DECLINE, Action.SIGN_CONTRACT, Action.ADD_SERVICE,
                        Action.RECORD_DELIVERY})


def close_voucher() -> None:
    st.query_params.pop("voucher", None)


def _open_key(number: str) -> str:
    return f"open_form_{number}"


def _attempt(number: str, action: Callable[[], object], done: str) -> None:
    attempt(action, done, close=_open_key(number))


def _grid(items: list[tuple[str, object]], columns: int = 3) -> None:
    for start in range(0, len(items), columns):
        cols = st.columns(columns)
        for col, (label, value) in zip(cols, items[start:start + columns], strict=False):
            shown = phone_link(value) if isinstance(value, Phone) else plain(value) if value not in (None, "") else ""
            col.markdown(f"**{label}**：{shown}", unsafe_allow_html=True)  # typed text is escaped by plain()


def render_detail(actor: Actor, number: str) -> None:
    """The detail of one voucher, or "无权查看该服务券" for anyone who may not see it."""
    st.button("← 返回列表", on_click=close_voucher)
    number = validation.voucher_number(number)
    if number is None:
        st.error("服务券号格式不正确")
        return
    vouchers.expire(number=number)
    detail = answer(lambda: queries.voucher_detail(actor, number))
    if detail is None:
        return
    show_flash()
    actions = detail.actions
    _header(detail)
    # What the viewer does next comes first (on a phone the rest is a long scroll below it); the enterprise's
    # details fold away while there is something to do.
    _enterprise_actions(actor, detail, actions)
    _commission_actions(actor, detail, actions)
    _next_step(actor, detail, actions)
    _enterprise(detail, folded=bool(actions & NEXT_STEPS))
    _product(detail)
    _delivery(detail)
    _services(actor, detail, actions)
    _evaluation(detail)
    _history(actor, detail)


def _header(detail: VoucherDetail) -> None:
    st.markdown(f"### 服务券号：{detail.number}")
    _grid([("服务券状态", detail.status_label), ("发券时间", clock.fmt_datetime(detail.issued_at)),
           ("面额", yuan(detail.face_value))])
    if detail.expires_at:
        st.caption(f"办理期限：{clock.fmt_datetime(detail.expires_at)} 前")
    with st.expander("在业务流程中的位置"):
        st.graphviz_chart(diagram.life_cycle(None, VoucherStatus(detail.status)), width="stretch")
    if detail.expired:
        when = f"已于{clock.fmt_datetime(detail.expires_at)}过期" if detail.expires_at else "已过期"
        st.warning(f"该服务券{when}（未在期限内完成{detail.missed_step}）。"
                   "如需延期，请联系南京市经济和信息化委员会。")
    if detail.void_reason:
        st.warning(f"该服务券已作废：{detail.void_reason}")
    if detail.withdrawal_pending:
        st.info(f"企业已申请撤回（{plain(detail.withdrawal_reason)}），撤回申请待经信委审核。")


def _enterprise_actions(actor: Actor, detail: VoucherDetail, actions: frozenset[Action]) -> None:
    """The enterprise's next steps: links to the pages that do them, 服务券撤回, and the PDF."""
    if Action.ACTIVATE in actions:
        st.page_link("pages/profile_page.py", label="下一步：完善企业信息并激活服务券", icon=":material/arrow_forward:")
    if Action.CHOOSE_PRODUCT in actions:
        st.page_link("pages/catalogue_page.py", label="下一步：选择服务商和产品", icon=":material/arrow_forward:")
    if Action.EVALUATE in actions:
        st.page_link("pages/evaluate_page.py", label="下一步：对服务进行评价", icon=":material/arrow_forward:")
    if Action.REQUEST_WITHDRAWAL in actions:
        with st.expander("服务券撤回"):
            st.caption("撤回后由经信委审核；批准后服务券回到“已激活”，可重新选择服务商和产品。")
            with st.form(f"withdraw_{detail.number}"):
                reason = st.text_area("撤回原因", max_chars=500)
                if st.form_submit_button("提交撤回申请"):
                    _attempt(detail.number,
                             lambda: vouchers.request_withdrawal(actor=actor, number=detail.number, reason=reason),
                             "撤回申请已提交，请等待经信委审核。")
    if actor.role == Role.ENTERPRISE and detail.printable:
        if documents.chinese_font() is None:
            st.caption(documents.NO_FONT)
        else:
            st.download_button("打印服务券（PDF）", data=lambda: documents.voucher_pdf(actor, detail.number),
                               file_name=f"服务券{detail.number}.pdf", mime="application/pdf",
                               icon=":material/print:", on_click="ignore")


def _commission_actions(actor: Actor, detail: VoucherDetail, actions: frozenset[Action]) -> None:
    """撤回审核, 兑付, 延期 and 作废 where the life cycle allows them."""
    n = detail.number
    if Action.APPROVE_WITHDRAWAL in actions:
        with st.container(border=True):
            st.markdown(f"**撤回审核**：企业申请撤回，原因：{plain(detail.withdrawal_reason)}")
            st.caption("批准后服务券回到“已激活”，产品、确认和合同信息清空（历史记录保留）；驳回需说明原因。")
            with st.form(f"withdrawal_{n}"):
                note = st.text_input("审核意见（驳回时必填）", max_chars=500)
                ok, no, _ = st.columns([1, 1, 5])
                if ok.form_submit_button("批准撤回", type="primary"):
                    _attempt(n, lambda: vouchers.decide_withdrawal(actor=actor, number=n, approve=True, reason=note),
                             "已批准撤回，服务券回到已激活状态。")
                if no.form_submit_button("驳回撤回"):
                    _attempt(n, lambda: vouchers.decide_withdrawal(actor=actor, number=n, approve=False, reason=note),
                             "已驳回撤回申请。")
    if Action.SETTLE in actions:
        with st.container(border=True):
            st.markdown("**兑付**")
            for label, ok in detail.checklist:
                st.markdown(f"{'✅' if ok else '❌'} {label}")
            with st.form(f"settle_{n}"):
                c1, c2 = st.columns(2)
                with c1, keypad("decimal", "settle"):
                    amount = st.text_input("兑付金额（元）", value=f"{detail.face_value:.2f}")
                day = c2.date_input("兑付日期", value=clock.local_date(),
                                    format="YYYY-MM-DD")
                if st.form_submit_button("兑付", type="primary"):
                    _attempt(n, lambda: vouchers.settle(actor=actor, number=n, amount=amount, settled_on=day),
                             "已兑付。")
    if Action.EXTEND in actions or Action.VOID in actions:
        with st.expander("延期 / 作废"):
            if Action.EXTEND in actions:
                with st.form(f"extend_{n}"):
                    c1, c2 = st.columns([1, 3])
                    # no min/max: the browser's range error is English; lib.vouchers.extend refuses in Chinese
                    days = c1.number_input("延期天数", value=15, step=1)
                    reason = c2.text_input("延期原因", max_chars=500)
                    if st.form_submit_button("延期"):
                        _attempt(n, lambda: vouchers.extend(actor=actor, number=n, days=days, reason=reason),
                                 f"已延期{days}天。")
            if Action.VOID in actions:
                with st.form(f"void_{n}"):
                    reason = st.text_input("作废原因", max_chars=500)
                    st.caption("作废后不可恢复。")
                    if st.form_submit_button("作废"):
                        _attempt(n, lambda: vouchers.void(actor=actor, number=n, reason=reason), "服务券已作废。")


def _purchase(actor: Actor, detail: VoucherDetail, actions: frozenset[Action]) -> None:
    """确认购买 / 无法提供, offered while the voucher waits for this provider (manual §3)."""
    if Action.CONFIRM not in actions and Action.DECLINE not in actions:
        return
    st.info("企业已选择贵公司的产品，请尽快联系企业商谈采购事宜，然后确认购买或说明无法提供的原因。")
    e = detail.enterprise
    st.markdown(f"**下一步：确认购买**　联系人：{plain(e['contact']) or '—'}　联系电话："
                f"{phone_link(e['phone']) or '—'}", unsafe_allow_html=True)
    left, right = st.columns(2)
    with left, st.form(f"confirm_{detail.number}"):
        remark = st.text_input("备注（可选）", max_chars=500)
        if st.form_submit_button("确认购买", type="primary"):
            _attempt(detail.number, lambda: vouchers.confirm_purchase(actor=actor, number=detail.number, remark=remark),
                     "已确认购买。")
    with right, st.form(f"decline_{detail.number}"):
        reason = st.text_input("无法提供的原因", max_chars=500)
        if st.form_submit_button("无法提供"):
            _attempt(detail.number, lambda: vouchers.decline(actor=actor, number=detail.number, reason=reason),
                     "已告知企业无法提供，服务券回到已激活状态。")


def _next_step(actor: Actor, detail: VoucherDetail, actions: frozenset[Action]) -> None:
    """The provider's next action (确认购买 / 合同签订 / 添加服务信息 / 编辑交付记录), first on the page, and
    the form it opens right there, so the form and its confirmation stay where the user is."""
    _purchase(actor, detail, actions)
    if Action.SIGN_CONTRACT in actions:
        with st.container(border=True), st.form(f"contract_{detail.number}"):
            st.markdown("**下一步：合同签订**")
            day = st.date_input("合同签订日期", value=None, format="YYYY-MM-DD")
            if st.form_submit_button("合同签订", type="primary"):
                _attempt(detail.number,
                         lambda: vouchers.sign_contract(actor=actor, number=detail.number, contract_date=day),
                         "合同签订日期已保存。")
            st.caption("签订合同后才能添加服务信息和交付记录。")
    if not actions & {Action.ADD_SERVICE, Action.RECORD_DELIVERY}:
        return
    key = _open_key(detail.number)
    with st.container(border=True):
        st.markdown("**下一步**：" + ("每次上门服务后添加服务信息，产品交付后填写交付记录。" if not detail.delivered_on
                                  else "交付记录已填写，可继续添加服务信息或修改交付记录；企业评价后锁定。"))
        left, right, _ = st.columns([1, 1, 2])
        if Action.ADD_SERVICE in actions and left.button("添加服务信息", key=f"add_btn_{detail.number}",
                                                         type="primary"):
            st.session_state[key] = "add"
        if Action.RECORD_DELIVERY in actions and right.button("编辑交付记录", key=f"delivery_btn_{detail.number}"):
            st.session_state[key] = "delivery"
        if st.session_state.get(key) == "add" and Action.ADD_SERVICE in actions:
            _service_form(actor, detail, None)
        if st.session_state.get(key) == "delivery" and Action.RECORD_DELIVERY in actions:
            _delivery_form(actor, detail)


def _enterprise(detail: VoucherDetail, *, folded: bool) -> None:
    with st.expander("企业信息", expanded=not folded):
        _enterprise_grid(detail)


def _enterprise_grid(detail: VoucherDetail) -> None:
    e = detail.enterprise
    money = money_field_labels(detail.batch_year)
    f = ENTERPRISE_FIELDS
    _grid([(f["credit_code"], e["credit_code"]), (f["name"], e["name"]), (f["region"], e["region"]),
           (f["size"], e["size"]), (f["legal_rep"], e["legal_rep"]), (f["address"], e["address"]),
           (f["founded_on"], clock.fmt_date(e["founded_on"])), (f["contact"], e["contact"]),
           (f["phone"], Phone(e["phone"] or "")), (f["qq"], e["qq"]), (f["email"], e["email"])]
          + [(money[k], wan(e[k])) for k in money]
          + [(f["employees"], f"{e['employees']}人" if e["employees"] is not None else ""),
             (f["difficulty"], e["difficulty"]), (f["remark"], e["remark"])])


def _product(detail: VoucherDetail) -> None:
    st.markdown("#### 产品信息")
    p = detail.product
    if p is None:
        st.caption("企业尚未选择服务产品。")
        return
    for label, value in [("服务商名称", p["provider_name"]), ("联系人", p["contact"]), ("服务产品名称", p["name"]),
                         ("类别", p["category"]), ("解决问题", p["problems"]), ("应用案例", p["cases"]),
                         ("价格", yuan(p["price"])), ("应付", yuan(p["payable"]))]:
        st.markdown(f"{label}：{plain(value)}")
    if detail.contract_date:
        st.markdown(f"合同签订日期：{detail.contract_date.isoformat()}")


def _delivery(detail: VoucherDetail) -> None:
    st.markdown("#### 产品交付记录")
    if detail.delivered_on:
        st.markdown(f"交付日期：{detail.delivered_on.isoformat()}  \n交付内容：{plain(detail.delivery_content)}")
    else:
        st.caption("暂无交付记录。")


def _delivery_form(actor: Actor, detail: VoucherDetail) -> None:
    key = _open_key(detail.number)
    with st.form(f"delivery_{detail.number}"):
        st.markdown("**编辑交付记录**")
        day = st.date_input("交付日期", value=detail.delivered_on, format="YYYY-MM-DD")
        content = st.text_area("交付内容", value=detail.delivery_content or "", max_chars=2000)
        version = opened_version(key, "delivery", detail.version)
        form_buttons(key, lambda: vouchers.record_delivery(
            actor=actor, number=detail.number, delivered_on=day, content=content, version=version),
            "交付记录已保存。")


def _service_form(actor: Actor, detail: VoucherDetail, entry: queries.ServiceEntry | None) -> None:
    """添加服务记录 (entry None) or 修改 one record: 服务工程师, 日期, 服务描述, 备注, 确定, 取消."""
    key = _open_key(detail.number)
    options = queries.engineer_options(actor, include=entry.engineer_id if entry else None)
    with st.form(f"service_{detail.number}_{entry.id if entry else 'new'}"):
        st.markdown("**添加服务记录**" if entry is None else "**修改服务记录**")
        # Labels, not ids, are the options (two engineers may share a name: the id then tells them apart).
        labels = {}
        for engineer_id, label in options.items():
            labels[label if label not in labels else f"{label} #{engineer_id}"] = engineer_id
        names = list(labels)
        current = next((n for n, i in labels.items() if entry and i == entry.engineer_id), None)
        chosen = st.selectbox("服务工程师", names, placeholder="请选择服务工程师",
                              index=names.index(current) if current else None)
        engineer = labels.get(chosen)
        day = st.date_input("日期", value=entry.service_date if entry else None,
                            format="YYYY-MM-DD")
        description = st.text_area("服务描述", value=entry.description if entry else "", max_chars=2000)
        remark = st.text_input("备注", value=(entry.remark or "") if entry else "", max_chars=500)
        if entry is None:
            form_buttons(key, lambda: vouchers.add_service_record(
                actor=actor, number=detail.number, engineer_id=engineer, service_date=day, description=description,
                remark=remark), "服务信息已添加。")
        else:
            version = opened_version(key, f"service_{entry.id}", entry.version)
            form_buttons(key, lambda: vouchers.edit_service_record(
                actor=actor, record_id=entry.id, engineer_id=engineer, service_date=day, description=description,
                remark=remark, version=version), "服务信息已修改。")


def _services(actor: Actor, detail: VoucherDetail, actions: frozenset[Action]) -> None:
    st.markdown("#### 服务信息")
    key = _open_key(detail.number)
    if detail.records_locked and actor.role == Role.PROVIDER:
        st.caption(LOCKED_NOTE)
    if not detail.services:
        st.caption("暂无服务记录。")
    for entry in detail.services:
        with st.container(border=True):
            text, edit = st.columns([5, 1], vertical_alignment="top")
            text.markdown(f"**{plain(entry.engineer_name)} 在 {entry.service_date.isoformat()} 提供了服务**")
            text.markdown(f"服务描述：{plain(entry.description)}")
            if entry.remark:
                text.markdown(f"备注：{plain(entry.remark)}")
            if Action.EDIT_SERVICE in actions and edit.button("修改", key=f"edit_btn_{entry.id}"):
                st.session_state[key] = f"edit_{entry.id}"
            if st.session_state.get(key) == f"edit_{entry.id}" and Action.EDIT_SERVICE in actions:
                _service_form(actor, detail, entry)


def _evaluation(detail: VoucherDetail) -> None:
    if not detail.evaluation:
        return
    ev = detail.evaluation
    st.markdown("#### 评价信息")
    st.markdown(f"总分：**{ev['total']}**（{ev['band']}），问题{'已解决' if ev['solved'] else '未解决'}")
    for label, score, maximum in ev["scores"]:
        st.markdown(f"- {label}：{score} / {maximum}")
    st.markdown(f"实施信息化后对企业的改善：{'、'.join(ev['improvements'])}")
    st.markdown(f"企业下一步信息化建设的重点：{'、'.join(ev['next_focus'])}")
    if ev["comment"]:
        st.markdown(f"意见和建议：{plain(ev['comment'])}")


def _history(actor: Actor, detail: VoucherDetail) -> None:
    st.markdown("#### 办理记录")
    history = queries.voucher_history(actor, detail.number)
    if actor.role != Role.COMMISSION:
        history = history.drop(columns=["username"])
    history["at"] = history["at"].map(clock.fmt_datetime)
    st.dataframe(history.rename(columns={"at": "时间", "username": "账户", "role": "角色", "action": "操作",
                                         "from_status": "原状态", "to_status": "新状态"}),
                 hide_index=True, width="stretch")
