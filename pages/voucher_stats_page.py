"""服务券统计: KPIs, funnel, 区域 × 状态, 服务商 league, categories, trend, cycle times, ageing lists."""
import plotly.express as px
import streamlit as st

from lib import clock
from lib.labels import STATUS_COLORS
from lib.stats import vouchers as voucher_stats
from lib.workflow import STATUS_LABELS
from ui import charts
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.charts import style
from ui.stats_views import chart, fetch, filters, money, percent, table

actor = current_actor()
st.subheader("服务券统计")
f, described = filters(actor, "vs")
k = fetch(voucher_stats.kpis, actor, f)
by_status = k["by_status"]
cols = st.columns(5)
cols[0].metric("发放", f"{k['issued']:,}")
for col, status in zip(cols[1:] + st.columns(5), list(STATUS_LABELS)[1:], strict=False):
    col.metric(STATUS_LABELS[status], f"{by_status[status]:,}")
cols = st.columns(4)
cols[0].metric("激活率", percent(k["activation_rate"]), help=voucher_stats.DEFINITIONS["激活率"])
cols[1].metric("使用率", percent(k["use_rate"]), help=voucher_stats.DEFINITIONS["使用率"])
cols[2].metric("交付率", percent(k["delivery_rate"]), help=voucher_stats.DEFINITIONS["交付率"])
cols[3].metric("带动企业投入", money(k["leverage"]), help=voucher_stats.DEFINITIONS["带动企业投入"])
cols = st.columns(3)
cols[0].metric("补贴金额（已承诺）", money(k["committed"]), help=voucher_stats.DEFINITIONS["补贴金额（已承诺）"])
cols[1].metric("补贴金额（已交付）", money(k["delivered_amount"]), help=voucher_stats.DEFINITIONS["补贴金额（已交付）"])
cols[2].metric("补贴金额（已兑付）", money(k["settled_amount"]), help=voucher_stats.DEFINITIONS["补贴金额（已兑付）"])

left, right = st.columns(2)
with left:
    chart(fetch(voucher_stats.funnel, actor, f),
          lambda d: style(px.funnel(d, x="count", y="stage", labels={"count": "张数", "stage": "环节"})),
          key="funnel", columns={"stage": "环节", "count": "张数"}, title="办理漏斗", described=described)
with right:
    chart(fetch(voucher_stats.category_share, actor, f),
          lambda d: style(px.pie(d, names="category", values="count", hole=0.45,
                                 labels={"category": "产品类别", "count": "张数"})),
          key="category", columns={"category": "产品类别", "count": "张数"}, title="产品类别占比（已选择产品）",
          described=described, on_pick=lambda p: {"category": p.get("label")} if p.get("label") else None)

chart(fetch(voucher_stats.region_status, actor, f),
      lambda d: style(px.bar(d, x="region", y="count", color="status_label", custom_data=["region", "status_label"],
                             color_discrete_map=STATUS_COLORS, category_orders={"status_label": list(STATUS_COLORS)},
                             labels={"region": "区域", "count": "张数", "status_label": "状态"}), height=430,
                      counts="y"),
      key="region_status", columns={"region": "区域", "status_label": "状态", "count": "张数"}, title="区域 × 状态",
      described=described,
      on_pick=lambda p: {"region": p["customdata"][0], "status": p["customdata"][1]} if p.get("customdata") else None)
rates = fetch(voucher_stats.region_rates, actor, f)
chart(rates.assign(percent=rates["delivery_rate"] * 100)[["region", "percent", "used"]],
      lambda d: style(px.bar(d, x="region", y="percent", hover_data=["used"],
                             labels={"region": "区域", "percent": "交付率（%）", "used": "已选择产品"}),
                      height=380).update_yaxes(range=[0, 100], ticksuffix="%"),
      key="region_rates_chart", columns={"region": "区域", "percent": "交付率（%）"}, title="各区域交付率",
      described=described)
table(rates.assign(rate=rates["delivery_rate"].map(percent)),
      {"region": "区域", "issued": "发放", "used": "已选择产品", "delivered": "已交付及以后", "rate": "交付率"},
      title="各区域交付率（明细）", described=described, key="region_rates", links={"region": "region"})

league = fetch(voucher_stats.provider_league, actor, f)
st.markdown("**服务商排行**")
if league.empty:
    st.info("暂无数据")
else:
    shown = league.assign(rate=league["delivery_rate"].map(percent))
    columns = {"provider": "服务商", "bound": "已选择", "delivered": "已交付", "rate": "交付率",
               "to_confirm": "下单→确认（中位天数）",
               "to_deliver": "确认→交付（中位天数）"}
    card_table(shown[list(columns)].rename(columns=columns), key="league", title="服务商")
    table(shown, columns, title="服务商排行", described=described, key="league", links={"provider": "provider"})

left, right = st.columns(2)
with left:
    chart(fetch(voucher_stats.monthly, actor, f),
          lambda d: charts.month_lines(d, "count", color="series", counts=True,
                                       labels={"month": "月份", "count": "张数", "series": "环节"}),
          key="monthly", columns={"month": "月份", "series": "环节", "count": "张数"}, title="月度趋势",
          described=described)
with right:
    chart(fetch(voucher_stats.cycle_times, actor, f),
          lambda d: charts.day_bars(d, cap=30,
                                    labels={"days": "天数（30=30天及以上）", "count": "张数", "series": "环节"}),
          key="cycle", columns={"series": "环节", "days": "天数", "count": "张数"}, title="办理时长分布",
          described=described)

SINCE_LABELS = {"chosen_at": "下单时间", "confirmed_at": "确认时间", "expires_at": "办理期限"}
st.markdown("**需要跟进的服务券**")
lists = fetch(voucher_stats.ageing, actor, f)
for column, (name, (_, total)) in zip(st.columns(len(lists)), lists.items(), strict=True):
    column.metric(name, f"{total:,}")
# Each list is drawn only while its section is open (opening it reruns the page): four lists of up to 200 rows were
# drawn on every run, open or not. The section's label carries no count, so it stays open as the counts move.
for index, (name, (frame, total)) in enumerate(lists.items()):
    expander = st.expander(f"查看名单：{name}", key=f"ageing_{index}", on_change="rerun")
    if not expander.open:
        continue
    with expander:
        if frame.empty:
            st.caption("暂无")
            continue
        if total > len(frame):
            st.caption(f"共{total:,}张，显示{'等待最久的' if name in voucher_stats.WAITED else '前'}{len(frame):,}张。")
        since = voucher_stats.WAITED.get(name)  # the moment the list counts from, longest ago first
        columns = {"number": "服务券号", "enterprise_name": "企业名称", "region": "区域", "status_label": "状态"}
        if since:
            columns["since"] = SINCE_LABELS[since]
        shown = frame.assign(since=clock.fmt_datetimes(frame[since]) if since else "")
        card_table(shown[list(columns)].rename(columns=columns), key=f"ageing_{name}", title="服务券号",
                   voucher="服务券号")
