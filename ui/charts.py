"""The platform's one chart style: palette, font, Chinese-only chrome, month axes that are time, count axes in
whole numbers. Figures are built from frames here so tests can read what a chart draws."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
# One palette everywhere: the government blue first, then colours that stay apart on screen and in print
# (none so pale that a slice disappears on white).
PALETTE = ["#1f5fa8", "#e07b39", "#3a9a5b", "#c23b3b", "#7d5ba6", "#2b9fb0", "#b58a1b", "#5c6b7a", "#d45c9a",
           "#6f8f2f", "#8c564b", "#0f7b6c"]
# plotly express colours each trace (and each pie slice) itself, ignoring the layout's colorway: the house
# palette is its default too.
px.defaults.color_discrete_sequence = PALETTE
# Plotly's toolbar speaks English (“Download plot as a PNG”, “Zoom”) and Streamlit loads no plotly locale:
# it is hidden; each chart's data has its own 导出Excel.
CONFIG = {"displaylogo": False, "displayModeBar": False}


def style(fig: go.Figure, title: str = "", *, height: int = 380, margin: int = 10, counts: str | None = None,
          top: float | None = None) -> go.Figure:
    """House layout. `counts` names the axis ("x" or "y") that counts things: whole-number ticks from 0."""
    fig.update_layout(title=title, font_family=FONT, height=height, colorway=PALETTE, piecolorway=PALETTE,
                      margin=dict(l=margin, r=margin, t=50, b=10), legend_title_text="", hoverlabel_font_family=FONT)
    if counts:
        largest = top if top is not None else _largest(fig, counts)
        axis = dict(tickformat=",d", rangemode="tozero", tick0=0)
        if largest <= 10:
            axis["dtick"] = 1  # otherwise plotly ticks 0.2, 0.4 … for a handful of vouchers
        (fig.update_yaxes if counts == "y" else fig.update_xaxes)(**axis)
    return fig


def _largest(fig: go.Figure, axis: str) -> float:
    values = [pd.to_numeric(pd.Series(getattr(trace, axis)), errors="coerce").max()
              for trace in fig.data if getattr(trace, axis) is not None]
    return max([v for v in values if pd.notna(v)], default=0)


def months(frame: pd.DataFrame) -> pd.Series:
    """'YYYY-MM' labels as the first day of each month: a time axis, in calendar order, with gaps."""
    return pd.to_datetime(frame["month"] + "-01")


def month_step(months_shown: int) -> str:
    """Tick every month for a year, then every quarter, half year or year: about a dozen labels at most."""
    for limit, step in ((12, "M1"), (36, "M3"), (72, "M6")):
        if months_shown <= limit:
            return step
    return "M12"


def month_lines(frame: pd.DataFrame, y: str, *, color: str | None = None, labels: dict[str, str],
                hover: list[str] | None = None, counts: bool = False, height: int = 380) -> go.Figure:
    """A line per series over a real time axis (months in order, ticks as 2026-11, empty months as gaps or 0)."""
    drawn = frame.assign(month=months(frame)).sort_values("month")
    fig = px.line(drawn, x="month", y=y, color=color, markers=True, hover_data=hover, labels=labels)
    fig.update_xaxes(type="date", tickformat="%Y-%m", dtick=month_step(drawn["month"].nunique()))
    fig.update_traces(xhoverformat="%Y-%m", connectgaps=False)
    return style(fig, height=height, counts="y" if counts else None)


def day_bars(frame: pd.DataFrame, *, cap: int, labels: dict[str, str]) -> go.Figure:
    """办理时长: vouchers per whole day, 0 to `cap` (and more), never a negative day on the axis."""
    fig = px.bar(frame, x="days", y="count", color="series", barmode="group", labels=labels)
    fig.update_xaxes(range=[-0.5, cap + 0.5], tick0=0, dtick=5 if cap > 10 else 1)
    return style(fig, counts="y")


def wrap(label: str, width: int = 5) -> str:
    """A long Chinese label on lines of at most `width` characters (plotly breaks only at <br>)."""
    return "<br>".join(label[i:i + width] for i in range(0, len(label), width))


def radar(frame: pd.DataFrame, *, theta: str, r: str, suffix: str = "%") -> go.Figure:
    """A closed radar of `r` (0–100) by `theta`: labels wrapped so they fit beside a phone-wide chart, the
    whole label in the hover."""
    closed = pd.concat([frame, frame.head(1)])
    fig = go.Figure(go.Scatterpolar(r=closed[r].tolist(), theta=[wrap(t) for t in closed[theta]],
                                    customdata=closed[theta].tolist(), fill="toself",
                                    hovertemplate=f"%{{customdata}}：%{{r}}{suffix}<extra></extra>"))
    # the radial scale between two spokes (eight spokes 45° apart from 0°), clear of the labels
    fig.update_polars(radialaxis_range=[0, 100], radialaxis_angle=22.5, radialaxis_tickfont_size=9,
                      angularaxis_tickfont_size=11)
    return style(fig, height=430, margin=80)
