"""AppTest runs of the statistics pages for each allowed role, and the drill-down into the list."""
from __future__ import annotations

import pytest

from tests.apptest import logged_in, texts

pytestmark = [pytest.mark.page, pytest.mark.usefixtures("fresh_streamlit_caches")]


@pytest.mark.parametrize("username,page", [("admin", "voucher_stats"), ("admin", "evaluation_stats"), ("admin", "risk"),
                                           ("langkun", "voucher_stats"), ("langkun", "evaluation_stats"),
                                           ("provider2", "voucher_stats"), ("provider2", "evaluation_stats")])
def test_each_statistics_page_renders_its_charts(demo, username, page):
    at = logged_in(username)
    at.switch_page(f"pages/{page}_page.py").run()
    assert not at.exception
    if (username, page) == ("langkun", "evaluation_stats"):  # no evaluation yet in the demo data
        assert "暂无数据" in texts(at) and not at.get("plotly_chart")
    elif page != "risk":
        assert len(at.get("plotly_chart")) >= 4
        assert [m.label for m in at.metric][:2] in (["发放", "已激活"], ["评价数", "评价覆盖率"])
    else:
        assert "同一工程师同日服务多家企业" in texts(at)


def test_a_provider_has_no_risk_page(demo):
    at = logged_in("langkun")
    with pytest.raises(ValueError):
        at.switch_page("pages/risk_page.py")


def test_a_providers_statistics_count_only_its_vouchers(demo):
    at = logged_in("langkun")
    at.switch_page("pages/voucher_stats_page.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["发放"] == "2" and metrics["已确认"] == "1" and metrics["已交付"] == "1"
    assert "服务商" not in [s.label for s in at.selectbox]  # no provider filter for a provider


def test_drill_down_parameters_filter_the_voucher_list(demo):
    at = logged_in("admin", region="江宁区", status="已确认", category="中小版管理软件应用")
    numbers = [b.label for b in at.button if b.label.isdigit()]
    assert "1700008" in numbers and "产品类别：中小版管理软件应用" in texts(at)
    assert all(n != "1700009" for n in numbers)


def _follow_up_tables(at) -> list:
    """The opened lists, their 服务券号 as numbers (drawn as links to each voucher)."""
    tables = [frame.value for frame in at.dataframe if "服务券号" in frame.value.columns]
    return [t.assign(服务券号=t["服务券号"].str.removeprefix("/?voucher=")) for t in tables]


def test_the_follow_up_lists_show_since_when_each_voucher_waits(demo):
    at = logged_in("admin")
    at.switch_page("pages/voucher_stats_page.py").run()
    at.session_state["ageing_0"] = True  # 查看名单：待购买确认超过3天 opened
    (shown,) = _follow_up_tables(at.run())
    assert "下单时间" in shown.columns  # the waiting lists say when the wait began: they are ordered by it


def test_the_follow_up_counts_show_at_once_and_an_opened_list_stays_open_as_its_count_moves(demo):
    from lib import queries, stats, vouchers
    from tests.builders import account
    admin = account("admin").actor()
    at = logged_in("admin")
    at.switch_page("pages/voucher_stats_page.py").run()
    totals = {name: total for name, (_, total) in stats.ageing(admin).items()}
    assert {m.label: m.value for m in at.metric if m.label in totals} == {n: f"{t:,}" for n, t in totals.items()}
    assert not _follow_up_tables(at)  # the lists are drawn only once opened
    at.session_state["ageing_3"] = True  # 查看名单：撤回待审核
    (before,) = _follow_up_tables(at.run())
    assert len(before) == totals["撤回待审核"] > 1
    decided = before["服务券号"].iloc[0]
    vouchers.decide_withdrawal(actor=admin, number=decided, approve=False, reason="材料不全")
    at.run()
    (after,) = _follow_up_tables(at)  # still open, with the list as it is now
    assert decided not in after["服务券号"].tolist() and len(after) == len(before) - 1
    assert {m.label: m.value for m in at.metric}["撤回待审核"] == f"{len(before) - 1:,}"
    assert len(queries.open_withdrawals(admin)) == len(after)


def test_the_charts_a_second_run_draws_from_the_cache_are_the_ones_first_drawn(demo):
    """The figures are built once per data and handed to st.plotly_chart as a copy of their dict each run."""
    import json
    at = logged_in("admin")
    at.switch_page("pages/voucher_stats_page.py").run()
    first = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    at.run()
    again = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(first) >= 4 and all(figure["data"] and figure["layout"] for figure in first)
    assert again == first
