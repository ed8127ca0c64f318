"""产品审核: products waiting for review with what changed; approve or reject; 上架/下架."""
import streamlit as st

from lib import review
from lib.workflow import PRODUCT_STATUS_LABELS, ProductStatus
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.widgets import attempt, export_button, page_header, plain, yuan

COLUMNS = {"name": "服务产品名称", "provider_name": "服务商", "category": "类别", "price": "价格（元）",
           "status_label": "状态", "review_note": "审核意见", "updated_at": "更新时间"}
actor = current_actor()
page_header("产品审核")
queue, everything = st.tabs(["待审核", "全部产品"])
with queue:
    pending = review.products_in(actor, ProductStatus.PENDING)
    if pending.empty:
        st.markdown("没有记录!")
    for row in pending.itertuples():
        with st.container(border=True):
            st.markdown(f"**{plain(row.name)}**　｜　{plain(row.provider_name)}　｜　{row.category}"
                        f"　｜　{yuan(row.price)}")
            changes = review.last_change(actor, row.id)
            if changes:
                st.markdown("修改内容：" + "；".join(f"{f}：{plain(a) or '（空）'} → {plain(b) or '（空）'}"
                                                  for f, a, b in changes))
            else:
                st.markdown("新增产品")
            st.markdown(f"适用对象：{plain(row.target)}  \n解决问题：{plain(row.problems)}  \n"
                        f"应用案例：{plain(row.cases)}")
            with st.form(f"review_{row.id}"):
                note = st.text_input("审核意见（不通过时必填）", max_chars=500)
                ok, no, _ = st.columns([1, 1, 5])
                if ok.form_submit_button("审核通过", type="primary"):
                    attempt(lambda row=row, note=note: review.decide(actor=actor, product_id=row.id, approve=True,
                                                                     reason=note), f"“{row.name}”已上架。")
                if no.form_submit_button("不通过"):
                    attempt(lambda row=row, note=note: review.decide(actor=actor, product_id=row.id, approve=False,
                                                                     reason=note), f"“{row.name}”审核不通过。")
with everything:
    status = st.selectbox("状态", ["全部", *PRODUCT_STATUS_LABELS.values()], key="review_status")
    code = next((k for k, v in PRODUCT_STATUS_LABELS.items() if v == status), None)
    products = review.products_in(actor, code)
    card_table(products[list(COLUMNS)].rename(columns=COLUMNS), key="all_products", title="服务产品名称")
    export_button(products, COLUMNS, title="产品列表", filters={"状态": status})
    with st.form("on_sale"):
        choices = dict(zip(products["id"], products["name"] + "（" + products["provider_name"] + "，"
                           + products["status_label"] + "）", strict=True))
        product_id = st.selectbox("产品", list(choices), format_func=choices.get, index=None, placeholder="请选择")
        reason = st.text_input("原因（下架时必填）", max_chars=500)
        up, down, _ = st.columns([1, 1, 5])
        if up.form_submit_button("上架"):
            attempt(lambda: review.set_on_sale(actor=actor, product_id=product_id, on_sale=True, reason=reason),
                    "已上架。")
        if down.form_submit_button("下架"):
            attempt(lambda: review.set_on_sale(actor=actor, product_id=product_id, on_sale=False, reason=reason),
                    "已下架。")
