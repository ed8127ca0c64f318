"""业务流程: the voucher life cycle, drawn from the same table the services enforce."""
import pandas as pd
import streamlit as st

from lib.labels import ROLE_LABELS
from lib.workflow import STATUS_LABELS, STATUS_MEANINGS, TRANSITIONS, Action
from ui.auth_gate import current_actor

current_actor()
st.subheader("业务流程")
st.markdown("经信委发放服务券 → 企业激活并完善信息 → 企业选择服务商产品 → 服务商确认购买 → 签订合同 → "
            "上门服务并填写服务信息 → 记录交付 → 企业评价 → 经信委审核兑付。")
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
