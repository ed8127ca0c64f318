"""兑付管理: vouchers waiting for settlement with their checklist, 20 a page; settle one or several; export."""
import streamlit as st

from lib import clock, settlement, vouchers
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.widgets import attempt, export_button, keypad, page_header, pager

SETTLED_SHOWN = 200  # the newest; a province has hundreds of thousands

actor = current_actor()
page_header("兑付管理")
st.caption("企业评价后的服务券在此兑付。兑付前核对材料：" + "、".join(settlement.CHECKLIST) + "。")
result = settlement.awaiting_page(actor, page=st.session_state.get("settle_page", 1))
if result.total == 0:
    st.markdown("没有记录!")
else:
    shown = result.rows.assign(ready=result.rows["ready"].map({True: "✅ 齐全", False: "❌ 不齐"}))
    card_table(shown[list(settlement.COLUMNS)].rename(columns=settlement.COLUMNS), key="to_settle",
               title=settlement.COLUMNS["number"], voucher=settlement.COLUMNS["number"])
    export_button(lambda: settlement.awaiting_settlement(actor), settlement.COLUMNS, title="待兑付清单",
                  filters={"状态": "已评价"}, label="导出待兑付清单（最多5,000条）")  # read when clicked
    pager("settle_page", result)
    with st.form("settle"):
        choices = settlement.ready_numbers(actor)
        more = (f"材料齐全的服务券多于{len(choices):,}张：此处按服务券号列出前{len(choices):,}张，兑付后再列出其余的。"
                if len(choices) == settlement.READY_LISTED else None)
        numbers = st.multiselect("选择要兑付的服务券（仅材料齐全的可选）", choices, placeholder="请选择",
                                 select_all=True, help=more)
        c1, c2 = st.columns(2)
        with c1, keypad("decimal", "amount"):
            amount = st.text_input("兑付金额（元，留空则按面额）")
        day = c2.date_input("兑付日期", value=clock.local_date(), format="YYYY-MM-DD")
        if st.form_submit_button("兑付", type="primary"):
            attempt(lambda: vouchers.settle_many(actor=actor, numbers=numbers, amount=amount, settled_on=day),
                    f"已兑付{len(numbers)}张服务券。")
st.markdown("##### 已兑付")
settled = settlement.settlements(actor, limit=SETTLED_SHOWN)
if settled.empty:
    st.caption("暂无已兑付的服务券。")
else:
    if len(settled) == SETTLED_SHOWN:
        st.caption(f"显示最近兑付的{SETTLED_SHOWN}张，导出可得更多（最多5,000张）。")
    card_table(settled.rename(columns=settlement.SETTLED_COLUMNS), key="settled",
               title=settlement.SETTLED_COLUMNS["number"], voucher=settlement.SETTLED_COLUMNS["number"])
    export_button(lambda: settlement.settlements(actor), settlement.SETTLED_COLUMNS, title="兑付清单",
                  filters={"状态": "已兑付"}, label="导出兑付清单")  # read when clicked
