"""The voucher list (manual §5) and the voucher detail (manual §2–4), shared by every role."""
from __future__ import annotations

import streamlit as st

from lib import clock, queries, vouchers
from lib.actors import Actor
from lib.errors import DomainError
from lib.labels import ENTERPRISE_FIELDS, VOUCHER_LIST_COLUMNS, Role, money_field_labels
from lib.workflow import STATUS_LABELS
from ui.widgets import pager, wan, yuan

ANY = "请选择"


@st.cache_resource(ttl=60, show_spinner=False)
def _expiry_sweep() -> int:
    """Apply due expiries at most once a minute per process before lists are read."""
    return vouchers.expire()


def open_voucher(number: str) -> None:
    st.query_params["voucher"] = number


def close_voucher() -> None:
    st.query_params.pop("voucher", None)


def _int_param(name: str, default: int = 1) -> int:
    try:
        return max(1, int(st.query_params.get(name, default)))
    except ValueError:
        return default


def render_list(actor: Actor) -> None:
    """服务券 list: filters (kept in the URL), 20 rows a page counted and sliced in SQL."""
    _expiry_sweep()
    regions = queries.regions()
    region_names = [ANY, *regions["name"].tolist()]
    status_names = [ANY, *STATUS_LABELS.values()]
    qp = st.query_params
    with st.form("voucher_search", border=False):
        c1, c2, c3, c4, c5 = st.columns([2, 3, 2, 3, 1], vertical_alignment="bottom")
        number = c1.text_input("服务券号", value=qp.get("number", ""), placeholder="服务券号", max_chars=12)
        name = c2.text_input("企业名称", value=qp.get("name", ""), placeholder="企业名称", max_chars=100)
        region = c3.selectbox("区域", region_names, index=region_names.index(qp["region"])
                              if qp.get("region") in region_names else 0)
        status = c4.selectbox("状态", status_names, index=status_names.index(qp["status"])
                              if qp.get("status") in status_names else 0)
        if c5.form_submit_button("搜索", icon=":material/search:", type="primary"):
            for key, value in (("number", number.strip()), ("name", name.strip()),
                               ("region", "" if region == ANY else region), ("status", "" if status == ANY else status)):
                if value:
                    qp[key] = value
                else:
                    qp.pop(key, None)
            qp["page"] = "1"
            st.rerun()
    region_id = None
    if qp.get("region") in region_names[1:]:
        region_id = int(regions.loc[regions["name"] == qp["region"], "id"].iloc[0])
    status_id = next((s for s, label in STATUS_LABELS.items() if label == qp.get("status")), None)
    filters = queries.VoucherFilters(number=qp.get("number", ""), enterprise_name=qp.get("name", ""),
                                     region_id=region_id, status=status_id)
    result = queries.voucher_page(actor, filters, page=_int_param("page"))
    widths = [1.4, 3, 2, 3, 3, 1]
    header = st.columns(widths)
    for col, label in zip(header, [*VOUCHER_LIST_COLUMNS.values(), "操作"], strict=True):
        col.markdown(f"**{label}**")
    if result.total == 0:
        st.markdown("没有记录!")
    for row in result.rows.itertuples():
        cols = st.columns(widths, vertical_alignment="center")
        cols[0].button(row.number, key=f"open_{row.number}", type="tertiary", on_click=open_voucher,
                       args=(row.number,))
        cols[1].write(row.enterprise_name)
        cols[2].write(row.region)
        cols[3].write(row.status_label)
        cols[4].write(row.provider_name or "—")
        cols[5].button("查看", key=f"view_{row.number}", on_click=open_voucher, args=(row.number,))
    pager("voucher_page", result.page, result.pages, result.first_row, result.last_row, result.total)


def _grid(items: list[tuple[str, str]], columns: int = 3) -> None:
    for start in range(0, len(items), columns):
        cols = st.columns(columns)
        for col, (label, value) in zip(cols, items[start:start + columns], strict=False):
            col.markdown(f"**{label}:** {value if value not in (None, '') else ''}")


def render_detail(actor: Actor, number: str) -> None:
    """The detail of one voucher, or "无权查看该服务券" for anyone who may not see it."""
    st.button("← 返回列表", on_click=close_voucher)
    try:
        vouchers.expire(number=number)
        detail = queries.voucher_detail(actor, number)
    except DomainError as exc:
        st.error(exc.message)
        return
    st.markdown(f"### 服务券号: {detail.number}")
    _grid([("服务券状态", detail.status_label), ("发券时间", clock.fmt_datetime(detail.issued_at)),
           ("面额", yuan(detail.face_value))])
    if detail.expires_at:
        st.caption(f"办理期限：{clock.fmt_datetime(detail.expires_at)} 前")
    if detail.status == "expired":
        st.warning("该服务券已过期。如需延期，请联系南京市经济和信息化委员会。")
    if detail.void_reason:
        st.warning(f"该服务券已作废：{detail.void_reason}")
    if detail.withdrawal_pending and detail.withdrawal_reason:
        st.info(f"企业已申请撤回，原因：{detail.withdrawal_reason}")

    st.markdown("#### 企业信息")
    e = detail.enterprise
    money = money_field_labels(detail.batch_year)
    _grid([(ENTERPRISE_FIELDS["credit_code"], e["credit_code"]), (ENTERPRISE_FIELDS["name"], e["name"]),
           (ENTERPRISE_FIELDS["region"], e["region"]), (ENTERPRISE_FIELDS["size"], e["size"]),
           (ENTERPRISE_FIELDS["legal_rep"], e["legal_rep"]), (ENTERPRISE_FIELDS["address"], e["address"]),
           (ENTERPRISE_FIELDS["founded_on"], clock.fmt_date(e["founded_on"])), (ENTERPRISE_FIELDS["contact"], e["contact"]),
           (ENTERPRISE_FIELDS["phone"], e["phone"]), (ENTERPRISE_FIELDS["qq"], e["qq"]),
           (ENTERPRISE_FIELDS["email"], e["email"])]
          + [(money[f], wan(e[f])) for f in money]
          + [(ENTERPRISE_FIELDS["employees"], f"{e['employees']}人" if e["employees"] is not None else ""),
             (ENTERPRISE_FIELDS["difficulty"], e["difficulty"]), (ENTERPRISE_FIELDS["remark"], e["remark"])])

    st.markdown("#### 产品信息")
    p = detail.product
    if p is None:
        st.caption("企业尚未选择服务产品。")
    else:
        for label, value in [("服务商名称", p["provider_name"]), ("联系人", p["contact"]), ("服务产品名称", p["name"]),
                             ("类别", p["category"]), ("解决问题", p["problems"]), ("应用案例", p["cases"]),
                             ("价格", yuan(p["price"])), ("应付", yuan(p["payable"]))]:
            st.markdown(f"{label}：{value or ''}")
    if detail.contract_date:
        st.markdown(f"合同签订日期：{detail.contract_date.isoformat()}")

    st.markdown("#### 产品交付记录")
    if detail.delivered_on:
        st.markdown(f"交付日期：{detail.delivered_on.isoformat()}  \n交付内容：{detail.delivery_content}")
    else:
        st.caption("暂无交付记录。")

    st.markdown("#### 服务信息")
    if not detail.services:
        st.caption("暂无服务记录。")
    for entry in detail.services:
        with st.container(border=True):
            st.markdown(f"**{entry.engineer_name} 在 {entry.service_date.isoformat()} 提供了服务**")
            st.markdown(f"服务描述：{entry.description}")
            if entry.remark:
                st.markdown(f"备注：{entry.remark}")

    if detail.evaluation:
        ev = detail.evaluation
        st.markdown("#### 评价信息")
        st.markdown(f"总分：**{ev['total']}**（{ev['band']}），问题{'已解决' if ev['solved'] else '未解决'}")
        for label, score, maximum in ev["scores"]:
            st.markdown(f"- {label}：{score} / {maximum}")
        st.markdown(f"实施信息化后对企业的改善：{'、'.join(ev['improvements'])}")
        st.markdown(f"企业下一步信息化建设的重点：{'、'.join(ev['next_focus'])}")
        if ev["comment"]:
            st.markdown(f"意见和建议：{ev['comment']}")

    st.markdown("#### 办理记录")
    history = queries.voucher_history(actor, number)
    if actor.role != Role.COMMISSION:
        history = history.drop(columns=["username"])
    history["at"] = history["at"].map(clock.fmt_datetime)
    st.dataframe(history.rename(columns={"at": "时间", "username": "账户", "role": "角色", "action": "操作",
                                         "from_status": "原状态", "to_status": "新状态"}),
                 hide_index=True, width="stretch")
