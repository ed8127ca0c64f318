"""撤回审核: open withdrawal requests; approve (→ 已激活) or reject with a reason."""
import streamlit as st

from lib import clock, queries, vouchers
from ui.auth_gate import current_actor
from ui.voucher_views import open_voucher
from ui.widgets import attempt, export_button, page_header, plain

actor = current_actor()
page_header("撤回审核")
if st.query_params.get("voucher"):
    st.switch_page("pages/vouchers_page.py", query_params={"voucher": st.query_params["voucher"]})
pending = queries.open_withdrawals(actor)
COLUMNS = {"number": "服务券号", "enterprise_name": "企业名称", "provider_name": "服务商", "product_name": "服务产品",
           "status_label": "状态", "reason": "撤回原因", "requested_at": "申请时间"}
if pending.empty:
    st.markdown("没有记录!")
    st.caption("目前没有待审核的撤回申请。")
else:
    export_button(pending, COLUMNS, title="待审核撤回申请", filters={"状态": "待审核"}, file_name="撤回申请.xlsx")
for row in pending.itertuples():
    with st.container(border=True):
        with st.form(f"decide_{row.number}", border=False):
            st.markdown(f"**服务券[{row.number}](/?voucher={row.number})**　{plain(row.enterprise_name)}"
                        f"　｜　{plain(row.provider_name)}　{plain(row.product_name)}　｜　{row.status_label}")
            st.markdown(f"撤回原因：{plain(row.reason)}　　申请时间：{clock.fmt_datetime(row.requested_at)}")
            note = st.text_input("审核意见（驳回时必填）", max_chars=500)
            ok, no, _ = st.columns([1, 1, 5])
            if ok.form_submit_button("批准", type="primary"):
                attempt(lambda row=row, note=note: vouchers.decide_withdrawal(
                    actor=actor, number=row.number, approve=True, reason=note), f"已批准服务券{row.number}的撤回。")
            if no.form_submit_button("驳回"):
                attempt(lambda row=row, note=note: vouchers.decide_withdrawal(
                    actor=actor, number=row.number, approve=False, reason=note), f"已驳回服务券{row.number}的撤回。")
        st.button("查看办理记录", key=f"view_{row.number}", on_click=open_voucher, args=(row.number,))
