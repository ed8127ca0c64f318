"""操作日志: every action, filtered by user, voucher, action and date, exportable."""
from datetime import timedelta

import streamlit as st

from lib import audit, clock, exports
from lib.queries import HISTORY_ACTION_LABELS
from ui.auth_gate import current_actor
from ui.widgets import pager

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
current_actor()
st.subheader("操作日志")
c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
username = c1.text_input("账户名", key="log_user")
number = c2.text_input("服务券号", key="log_number")
labels = {"全部操作": None, **{label: key for key, label in HISTORY_ACTION_LABELS.items()}}
action = c3.selectbox("操作", list(labels), key="log_action")
today = clock.local_date()
span = c4.date_input("日期范围", value=(today - timedelta(days=30), today), max_value=today, format="YYYY-MM-DD",
                     key="log_span")
start, end = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)
filters = audit.AuditFilters(username=username, number=number, action=labels[action], start=start, end=end)
page = st.session_state.get("log_page", 1)
rows, total = audit.search(filters, page=page)
if total == 0:
    st.markdown("没有记录!")
else:
    shown = rows.assign(at=rows["at"].map(clock.fmt_datetime))
    st.dataframe(shown[list(audit.COLUMNS)].rename(columns=audit.COLUMNS), hide_index=True, width="stretch")
pages = -(-total // 50) if total else 0
pager("log_page", min(page, max(pages, 1)), pages, (page - 1) * 50 + 1 if total else 0, min(page * 50, total), total)
applied = {"账户名": username, "服务券号": number, "操作": action if labels[action] else "",
           "日期": f"{start}至{end}" if start else ""}
st.download_button("导出Excel（最多50,000条）", icon=":material/download:", on_click="ignore", mime=XLSX,
                   file_name="操作日志.xlsx", disabled=total == 0,
                   data=lambda: exports.to_excel(audit.search(filters, limit=50_000)[0].assign(
                       at=lambda f: f["at"].map(clock.fmt_datetime)), audit.COLUMNS, title="操作日志", filters=applied))
