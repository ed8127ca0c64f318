"""操作日志: every action, filtered by user, voucher, action and date, exportable."""
from datetime import timedelta

import streamlit as st

from lib import audit, clock
from lib.history import ACTION_LABELS
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.widgets import export_button, pager

actor = current_actor()
st.subheader("操作日志")
c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
username = c1.text_input("账户名", key="log_user")
number = c2.text_input("服务券号", key="log_number")
labels = {"全部操作": None, **{label: key for key, label in ACTION_LABELS.items()}}
action = c3.selectbox("操作", list(labels), key="log_action")
today = clock.local_date()
span = c4.date_input("日期范围", value=(today - timedelta(days=30), today), max_value=today, format="YYYY-MM-DD",
                     key="log_span")
start, end = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)
filters = audit.AuditFilters(username=username, number=number, action=labels[action], start=start, end=end)
page = st.session_state.get("log_page", 1)
result = audit.search(actor, filters, page=page)
if result.total == 0:
    st.markdown("没有记录!")
else:
    shown = result.rows.assign(at=result.rows["at"].map(clock.fmt_datetime))
    card_table(shown[list(audit.COLUMNS)].rename(columns=audit.COLUMNS), key="audit", title=audit.COLUMNS["at"])
pager("log_page", result)
applied = {"账户名": username, "服务券号": number, "操作": action if labels[action] else "",
           "日期": f"{start}至{end}" if start else ""}
export_button(lambda: audit.export_rows(actor, filters), audit.COLUMNS, title="操作日志", filters=applied,
              label="导出Excel（最多50,000条）", disabled=result.total == 0)
