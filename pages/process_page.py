"""业务流程: the voucher life cycle, drawn from the same table the services enforce."""
import pandas as pd
import streamlit as st

from lib import diagram
from lib.labels import ROLE_LABELS
from lib.workflow import STATUS_LABELS, STATUS_MEANINGS, TRANSITIONS, Action
from ui.auth_gate import current_actor

actor = current_actor()
st.subheader("业务流程")
st.caption(f"方框是服务券的状态，箭头是改变状态的操作（括号中是执行者）；蓝色粗线是{ROLE_LABELS[actor.role]}自己的操作，"
           "虚线是退回或过期。")
st.graphviz_chart(diagram.life_cycle(actor.role), width="stretch")
for note in diagram.notes():
    st.markdown(f"- {note}")
st.markdown("##### 服务券状态")
st.dataframe(pd.DataFrame({"状态": list(STATUS_LABELS.values()), "说明": [STATUS_MEANINGS[s] for s in STATUS_LABELS]}),
             hide_index=True, width="stretch")
st.markdown("##### 操作与权限")
rows = []
for action, t in TRANSITIONS.items():
    if action == Action.EXPIRE:
        continue
    rows.append({"操作": t.label, "执行者": "、".join(ROLE_LABELS[r] for r in sorted(t.roles)),
                 "适用状态": "、".join(STATUS_LABELS[s] for s in t.sources) or "—",
                 "操作后状态": STATUS_LABELS[t.target] if t.target
                 else ("过期前的状态" if action == Action.EXTEND else "不变")})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption("待激活15天内未激活、已激活30天内未选择产品的服务券自动过期；企业评价后服务信息和交付记录不可再修改。")
