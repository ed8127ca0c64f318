"""选择服务商/产品: approved products of active providers; choosing one binds the 已激活 voucher."""
import streamlit as st

from lib import products, queries, vouchers
from lib.workflow import Action
from ui.auth_gate import current_actor
from ui.widgets import attempt, page_header, pager, plain, yuan

CHOICE = "chosen_product"
actor = current_actor()
page_header("选择服务商/产品")
mine = queries.enterprise_vouchers(actor)
target = next((v for v in mine if Action.CHOOSE_PRODUCT in v.actions), None)
if target is None:
    waiting = next((v for v in mine if Action.ACTIVATE in v.actions), None)
    bound = next((v for v in mine if v.product_name), None)
    if waiting:
        st.info(f"服务券{waiting.number}尚未激活：请先在“企业信息”中完善信息并激活，然后再选择产品。")
    elif bound:
        st.info(f"服务券{bound.number}已选择“{plain(bound.product_name)}”（{bound.status_label}）。以下产品仅供浏览。")
    else:
        st.info("您目前没有可用于选择产品的服务券。以下产品仅供浏览。")
else:
    st.caption(f"为服务券{target.number}选择服务产品（剩余{target.days_left}天）。价格超出面额的部分（应付）由企业自付。")

categories = ["全部类别", *products.category_names()]
c1, c2 = st.columns([1, 2])
category = c1.selectbox("类别", categories, key="cat_category")
search = c2.text_input("搜索产品或服务商名称", key="cat_search", max_chars=50)
page = st.session_state.get("cat_page", 1)
result = products.offered_products(category=None if category == "全部类别" else category, search=search, page=page)
if result.total == 0:
    st.markdown("没有记录!")
for row in result.rows.itertuples():
    with st.container(border=True):
        head, action = st.columns([5, 1], vertical_alignment="center")
        head.markdown(f"**{plain(row.name)}**　｜　{plain(row.provider_name)}　｜　{row.category}")
        st.markdown(f"价格：{yuan(row.price)}　　应付：{yuan(row.payable)}")
        st.markdown(f"适用对象：{plain(row.target)}  \n解决问题：{plain(row.problems)}  \n应用案例：{plain(row.cases)}")
        if action.button("选择", key=f"choose_{row.id}", disabled=target is None, type="primary"):
            st.session_state[CHOICE] = row.id
        if st.session_state.get(CHOICE) == row.id and target is not None:
            st.warning(f"确认用服务券{target.number}选择“{row.name}”（{row.provider_name}）？"
                       f"价格{yuan(row.price)}，企业应付{yuan(row.payable)}。提交后等待服务商确认。")
            ok, cancel, _ = st.columns([1, 1, 5])
            if ok.button("确认选择", key=f"confirm_{row.id}", type="primary"):
                attempt(lambda row=row: vouchers.choose_product(actor=actor, number=target.number, product_id=row.id),
                        f"已选择“{row.name}”，请等待服务商确认。", close=CHOICE)
            if cancel.button("取消", key=f"cancel_{row.id}"):
                st.session_state.pop(CHOICE, None)
                st.rerun()
pager("cat_page", result)
