"""Shared pieces of the statistics pages: filters, cached calls, charts with their data, drill-down."""
from __future__ import annotations

import copy
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from lib import clock, stats
from lib.actors import Actor
from lib.labels import ENTERPRISE_SIZES, Role
from ui import charts
from ui.widgets import digest, export_button, reference

ALL = "全部"


@st.cache_data(ttl=300, show_spinner="正在统计…", max_entries=256)
def _cached(name: str, _statistic: Callable, _actor: Actor, key: tuple, filters: stats.StatsFilters, kwargs: tuple):
    # `name` stands for the function (Streamlit does not hash `_`-arguments); `key` is the viewer's scope and the
    # versions of the tables the statistic reads (lib.stats.cache_key): a second commission user hits, a write
    # to another table keeps the entry, and every replica agrees because the versions are in the database.
    return _statistic(_actor, filters, **dict(kwargs))


def fetch(statistic: Callable, actor: Actor, filters: stats.StatsFilters, **kwargs):
    """A statistic of lib.stats or lib.risk for these filters, cached until its data changes."""
    return _cached(f"{statistic.__module__}.{statistic.__qualname__}", statistic, actor,
                   stats.cache_key(statistic, actor), filters, tuple(sorted(kwargs.items())))


def filters(actor: Actor, key: str) -> tuple[stats.StatsFilters, dict[str, str]]:
    """The six filters of DESIGN.md §6 (服务商 for the commission only); returns them and a description."""
    # a new batch's year shows once its vouchers are issued (they move the summaries), or within ten minutes
    options = reference(stats.filter_options, "summaries", "regions", "providers", "product_categories")
    with st.container(border=True):
        cols = st.columns(6 if actor.role == Role.COMMISSION else 5)
        year = cols[0].selectbox("批次年度", [ALL, *options["years"]], key=f"{key}_year")
        span = cols[1].date_input("发放日期", value=(), format="YYYY-MM-DD", key=f"{key}_span",
                                  max_value=clock.local_date())
        region = cols[2].selectbox("区域", [ALL, *options["regions"].values()], key=f"{key}_region")
        category = cols[3].selectbox("产品类别", [ALL, *options["categories"].values()], key=f"{key}_category")
        size = cols[4].selectbox("企业规模", [ALL, *ENTERPRISE_SIZES], key=f"{key}_size")
        provider = ALL
        if actor.role == Role.COMMISSION:
            provider = cols[5].selectbox("服务商", [ALL, *options["providers"].values()], key=f"{key}_provider")
    start, end = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)

    def id_of(mapping: dict, name: str) -> int | None:
        return next((i for i, n in mapping.items() if n == name), None)

    chosen = stats.StatsFilters(batch_year=None if year == ALL else int(year), start=start, end=end,
                                region_id=id_of(options["regions"], region),
                                provider_id=id_of(options["providers"], provider),
                                category_id=id_of(options["categories"], category), size=None if size == ALL else size)
    described = {"批次年度": "" if year == ALL else str(year), "发放日期": f"{start}至{end}" if start else "",
                 "区域": "" if region == ALL else region, "产品类别": "" if category == ALL else category,
                 "企业规模": "" if size == ALL else size, "服务商": "" if provider == ALL else provider}
    return chosen, described


@st.cache_resource(max_entries=512, show_spinner=False)
def _figure(key: str, title: str, frame_digest: str, _frame: pd.DataFrame,
            _build: Callable[[pd.DataFrame], go.Figure]) -> go.Figure:
    # A chart's figure follows from its data alone (its builder differs only by chart): built once per data, not
    # on every run of every viewer (plotly's figure building was a third of a statistics page's run). Shared,
    # never modified: st.plotly_chart only reads it. `frame_digest` stands for the data (six times cheaper than
    # Streamlit's hashing of a frame of strings).
    return _Drawn(_build(_frame))


class _Drawn(go.Figure):
    """A built figure whose dict, which st.plotly_chart asks for on every run, is made once: plotly's to_dict
    walks the figure's whole validated tree again (2.3 ms a chart, a tenth of a statistics page's run). Each
    caller gets a copy (a fifth of that), since plotly's JSON encoding rewrites arrays in the dict it is given."""

    def __init__(self, built: go.Figure) -> None:
        super().__init__(built)
        self._as_dict = built.to_dict()

    def to_dict(self) -> dict:
        return copy.deepcopy(self._as_dict)


def chart(frame: pd.DataFrame, build: Callable[[pd.DataFrame], go.Figure], *, key: str,
          columns: dict[str, str], title: str, described: dict[str, str],
          on_pick: Callable[[dict], dict | None] | None = None) -> None:
    """A chart, "暂无数据" when there is nothing to draw, and its table one click away (with Excel)."""
    st.markdown(f"**{title}**")
    numbers = frame.select_dtypes("number")
    if frame.empty or (numbers.sum().sum() == 0 if not numbers.empty else False):
        st.info("暂无数据")
        return
    fig = _figure(key, title, digest(frame), frame, build)
    if on_pick:
        event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode="points", config=charts.CONFIG)
        points = (event or {}).get("selection", {}).get("points", [])
        if points and (query := on_pick(points[0])):
            st.switch_page("pages/vouchers_page.py", query_params=query)
        st.caption("点击图中的扇区或柱块，可打开对应的服务券列表。")
    else:
        st.plotly_chart(fig, key=key, config=charts.CONFIG)
    table(frame, columns, title=title, described=described, key=key)


@st.cache_resource(max_entries=512, show_spinner=False)
def _shown(frame_digest: str, columns: tuple, links: tuple, _frame: pd.DataFrame) -> pa.Table:
    # The table as st.dataframe draws it, converted once per data: renaming and converting every table of a
    # statistics page (drawn in their expanders whether open or not) was a quarter of its run.
    shown = _frame[[c for c, _ in columns]].rename(columns=dict(columns))
    for column, url_field in links:
        shown[f"{column}（打开列表）"] = [f"/?{url_field}={v}" for v in _frame[column]]
    return pa.Table.from_pandas(shown, preserve_index=False)


def table(frame: pd.DataFrame, columns: dict[str, str], *, title: str, described: dict[str, str], key: str,
          links: dict[str, str] | None = None) -> None:
    """The data behind a chart in an expander, exportable; `links` adds drill-down link columns. The table and
    its export are drawn only while the expander is open (opening it reruns the page)."""
    expander = st.expander(f"查看数据：{title}", key=f"data_{key}", on_change="rerun")
    if not expander.open:
        return
    with expander:
        config = {f"{column}（打开列表）": st.column_config.LinkColumn(display_text="打开服务券列表")
                  for column in links or {}}
        st.dataframe(_shown(digest(frame), tuple(columns.items()), tuple((links or {}).items()), frame),
                     hide_index=True, width="stretch", column_config=config)
        export_button(frame, columns, title=title, filters=described, key=f"xlsx_{key}")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def money(value) -> str:
    return f"{float(value) / 10000:,.1f}万元"
