"""The voucher list (manual §5), shared by every role; the detail lives in ui.voucher_detail."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import queries, todo, vouchers
from lib.actors import Actor
from lib.labels import VOUCHER_LIST_COLUMNS, Role
from lib.paging import Page
from lib.workflow import STATUS_LABELS
from ui.widgets import export_button, keypad, pager, plain, reference

ANY = "请选择"


@st.cache_resource(ttl=60, show_spinner=False)
def expiry_sweep() -> int:
    """Apply due expiries at most once a minute per process before lists are read."""
    return vouchers.expire()


def open_voucher(number: str) -> None:
    st.query_params["voucher"] = number


def _int_param(name: str, default: int = 1) -> int:
    try:
        return max(1, int(st.query_params.get(name, default)))
    except ValueError:
        return default


def render_list(actor: Actor) -> None:
    """服务券 list: filters (kept in the URL), 20 rows a page counted and sliced in SQL."""
    expiry_sweep()
    regions = reference(queries.regions, "regions")
    # Only the commission filters by 服务商.
    providers = reference(queries.provider_options, "providers") if actor.role == Role.COMMISSION else None
    _search_form(regions["name"].tolist(), providers)
    filters = _filters_from_url(regions, providers)
    result = queries.voucher_page(actor, filters, page=_int_param("page"))
    _rows(result)
    pager("voucher_page", result)
    if result.total:
        qp = st.query_params
        applied = {"服务券号": qp.get("number", ""), "企业名称": qp.get("name", ""), "区域": qp.get("region", ""),
                   "状态": qp.get("status", ""), "服务商": qp.get("provider", ""), "产品类别": qp.get("category", "")}
        note = f"（最多{queries.EXPORT_LIMIT:,}条）" if result.total > queries.EXPORT_LIMIT else ""
        export_button(lambda: queries.voucher_export_rows(actor, filters), queries.VOUCHER_EXPORT_COLUMNS,
                      title="服务券列表", filters=applied, label=f"导出Excel{note}")


def _search_form(region_names: list[str], providers: dict[int, str] | None) -> None:
    """The search row; 搜索 writes the filters into the URL (so they survive a reload and can be shared)."""
    region_names = [ANY, *region_names]
    status_names = [ANY, *STATUS_LABELS.values()]
    provider_names = [ANY, *(providers or {}).values()]
    qp = st.query_params
    with st.form("voucher_search", border=False):
        c1, c2, c3, c4, c5 = st.columns([2, 3, 2, 3, 1], vertical_alignment="bottom")
        with c1, keypad("numeric", "number"):
            number = st.text_input("服务券号", value=qp.get("number", ""), placeholder="服务券号", max_chars=12)
        name = c2.text_input("企业名称", value=qp.get("name", ""), placeholder="企业名称", max_chars=100)
        region = c3.selectbox("区域", region_names, index=region_names.index(qp["region"])
                              if qp.get("region") in region_names else 0)
        status = c4.selectbox("状态", status_names, index=status_names.index(qp["status"])
                              if qp.get("status") in status_names else 0)
        provider = ANY
        if providers is not None:
            provider = st.selectbox("服务商", provider_names, index=provider_names.index(qp["provider"])
                                    if qp.get("provider") in provider_names else 0)
        if c5.form_submit_button("搜索", icon=":material/search:", type="primary"):
            for key, value in (("number", number.strip()), ("name", name.strip()),
                               ("region", "" if region == ANY else region), ("status", "" if status == ANY else status),
                               ("provider", "" if provider == ANY else provider)):
                if value:
                    qp[key] = value
                else:
                    qp.pop(key, None)
            qp["page"] = "1"
            st.rerun()


def _filters_from_url(regions: pd.DataFrame, providers: dict[int, str] | None) -> queries.VoucherFilters:
    """The filters the URL holds; a 产品类别 set by a drill-down from the statistics shows with a way to clear it."""
    qp = st.query_params
    region_id = None
    if qp.get("region") in regions["name"].tolist():
        region_id = int(regions.loc[regions["name"] == qp["region"], "id"].iloc[0])
    status, provider = qp.get("status"), qp.get("provider")  # read once: each read of the URL's query is costly
    status_id = next((s for s, label in STATUS_LABELS.items() if label == status), None)
    provider_id = next((i for i, n in (providers or {}).items() if n == provider), None)
    categories = {name: i for i, name in reference(queries.category_options, "product_categories").items()}
    category_id = categories.get(qp.get("category", ""))
    if category_id is not None:  # set by a drill-down from the statistics; no widget of its own
        _set_elsewhere("category", f"产品类别：{qp['category']}", "清除产品类别")
    todo_key = qp.get("todo", "")
    if todo.label_of(todo_key):  # set by a 待办 link of the home page
        _set_elsewhere("todo", f"待办：{todo.label_of(todo_key)}", "显示全部服务券")
    return queries.VoucherFilters(number=qp.get("number", ""), enterprise_name=qp.get("name", ""),
                                  region_id=region_id, status=status_id, provider_id=provider_id,
                                  category_id=category_id, todo=todo_key)


def _set_elsewhere(param: str, shown: str, clear: str) -> None:
    """A filter the URL holds without a widget of its own (a drill-down, a 待办 link): said, and clearable."""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.info(shown)
    if right.button(clear, key=f"clear_{param}"):
        st.query_params.pop(param, None)
        st.rerun()


# The four text columns of a row are one element (a CSS grid, `ROW_CSS`; its bottom margin is the one Streamlit
# gives a paragraph, which its markdown container takes back): a Streamlit element is a message of
# its own, and 20 rows of six columns were most of the list's run.
ROW_WIDTHS = [1.4, 11, 1]
ROW_CSS = (".vrow{display:grid;grid-template-columns:3fr 2fr 3fr 3fr;gap:1rem;align-items:center;margin-bottom:1rem}"
           ".vrow>span{overflow-wrap:anywhere}"
           "@media (max-width:640px){.vrow{display:block}.vrow>span:nth-child(n+2){display:none}}")


def _cells(*values: str) -> str:
    return "<div class='vrow'>" + "".join(f"<span>{v}</span>" for v in values) + "</div>"


def _rows(result: Page) -> None:
    """The list as a table; on a phone (ROW_CSS, loaded by Home.py) each row becomes a card: the number, then the
    company and one line of 区域 · 状态 · 服务商, the other columns and the header hidden."""
    number, *middle, action = [*VOUCHER_LIST_COLUMNS.values(), "操作"]
    with st.container(key="voucher_list_head"):
        header = st.columns(ROW_WIDTHS)
        header[0].markdown(f"**{number}**")
        header[1].markdown(_cells(*[f"<b>{label}</b>" for label in middle]), unsafe_allow_html=True)
        header[2].markdown(f"**{action}**")
    if result.total == 0:
        st.markdown("没有记录!")
    with st.container(key="voucher_list"):
        for row in result.rows.itertuples():
            cols = st.columns(ROW_WIDTHS, vertical_alignment="center")
            cols[0].button(row.number, key=f"open_{row.number}", type="tertiary", on_click=open_voucher,
                           args=(row.number,))
            meta = " · ".join(plain(x) for x in (row.region, row.status_label, row.provider_name) if x)
            cols[1].markdown(_cells(f"{plain(row.enterprise_name)}<span class='phone-only'>{meta}</span>",
                                    plain(row.region), plain(row.status_label), plain(row.provider_name) or "—"),
                             unsafe_allow_html=True)
            cols[2].button("查看", key=f"view_{row.number}", on_click=open_voucher, args=(row.number,))
