"""Charts tested by what they draw: the figures built from the statistics, read back trace by trace."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from lib import stats
from lib.stats import evaluations
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, make_voucher
from ui import charts

LABELS = {"month": "月份", "count": "张数", "series": "环节"}


def test_monthly_trend_is_a_time_axis_in_calendar_order_with_every_month(database):
    # issued in an order that once drew 2026-03 before 2025-01 and jumped backwards
    for when in (datetime(2026, 3, 5, tzinfo=UTC), datetime(2025, 1, 20, tzinfo=UTC),
                 datetime(2025, 12, 1, tzinfo=UTC)):
        make_voucher(S.ISSUED, issued_at=when)
    make_voucher(S.DELIVERED, issued_at=datetime(2026, 3, 6, tzinfo=UTC), delivered_on=date(2025, 6, 30))
    fig = charts.month_lines(stats.monthly(COMMISSION), "count", color="series", counts=True, labels=LABELS)
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis.tickformat == "%Y-%m"
    last = max(pd.to_datetime(list(fig.data[0].x)))  # the builders choose and deliver in November 2026
    months = pd.period_range("2025-01", last.strftime("%Y-%m"), freq="M").to_timestamp()
    assert len(months) == 23
    for trace in fig.data:
        drawn = pd.to_datetime(list(trace.x))
        assert list(drawn) == list(months), trace.name  # sorted, contiguous, the same months for every line
        assert all(float(y).is_integer() and y >= 0 for y in trace.y)
    issued = next(t for t in fig.data if t.name == "发放")
    assert dict(zip(pd.to_datetime(list(issued.x)).strftime("%Y-%m"), issued.y, strict=True))["2025-06"] == 0
    assert sum(issued.y) == 4
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"  # no 0.2 张


@pytest.mark.parametrize("months,step", [(1, "M1"), (12, "M1"), (13, "M3"), (36, "M3"), (72, "M6"), (109, "M12")])
def test_month_ticks_stay_about_a_dozen(months, step):
    assert charts.month_step(months) == step


def test_a_month_without_evaluations_is_a_gap_not_a_zero_score(database):
    make_voucher(S.EVALUATED)  # evaluated 3 days before NOW
    frame = evaluations.monthly(COMMISSION)
    early = frame.iloc[[0]].assign(month="2026-08", mean=70.0, evaluations=1)
    frame = stats.scope.every_month(pd.concat([early, frame], ignore_index=True), zero=("evaluations",))
    fig = charts.month_lines(frame, "mean", hover=["evaluations"], labels={"month": "月份", "mean": "平均分"})
    (trace,) = fig.data
    means = dict(zip(pd.to_datetime(list(trace.x)).strftime("%Y-%m"), trace.y, strict=True))
    assert pd.isna(means["2026-09"]) and pd.isna(means["2026-10"]) and means["2026-08"] == 70.0
    assert trace.connectgaps is False


def test_cycle_times_never_draw_a_negative_day(database):
    make_voucher(S.DELIVERED, confirmed_at=datetime(2026, 11, 19, 6, tzinfo=UTC), delivered_on=date(2026, 11, 19))
    frame = stats.cycle_times(COMMISSION)
    fig = charts.day_bars(frame, cap=30, labels={"days": "天数", "count": "张数", "series": "环节"})
    assert tuple(fig.layout.xaxis.range) == (-0.5, 30.5)
    assert min(x for trace in fig.data for x in trace.x) >= 0
    delivered = next(t for t in fig.data if t.name == "确认→交付")
    assert list(delivered.x) == [0] and list(delivered.y) == [1]  # the same day: 0 days, not −0.3


def test_every_slice_of_a_twelve_category_pie_gets_its_own_house_colour():
    frame = pd.DataFrame({"category": [f"类别{i}" for i in range(12)], "count": range(1, 13)})
    fig = charts.style(charts.px.pie(frame, names="category", values="count"))
    assert list(fig.layout.piecolorway) == charts.PALETTE and len(set(charts.PALETTE)) == 12


def test_one_palette_and_no_english_toolbar():
    fig = charts.style(charts.px.bar(pd.DataFrame({"x": ["a"], "y": [3]}), x="x", y="y"), counts="y")
    assert list(fig.layout.colorway) == charts.PALETTE and fig.layout.yaxis.dtick == 1
    assert charts.CONFIG["displayModeBar"] is False
    # no slice as pale as the old near-white one: every colour is darker than light grey
    assert all(sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) < 3 * 0xD0 for c in charts.PALETTE)


def test_the_radar_draws_every_criterion_closed_with_labels_that_fit_a_phone(database):
    from lib.labels import CRITERIA
    make_voucher(S.EVALUATED)
    frame = evaluations.criteria(COMMISSION)
    fig = charts.radar(frame, theta="criterion", r="percent")
    (trace,) = fig.data
    assert list(trace.customdata) == [label for _f, label, _m in CRITERIA] + [CRITERIA[0][1]]  # closed
    assert trace.r[0] == trace.r[-1] and all(0 <= r <= 100 for r in trace.r)
    assert max(len(line) for t in trace.theta for line in t.split("<br>")) <= 5
    assert ["".join(t.split("<br>")) for t in trace.theta] == list(trace.customdata)  # nothing cut off
    assert fig.layout.polar.radialaxis.range == (0, 100)
