"""服务评价: the evaluation form of DESIGN.md §3, submitted once per delivered voucher."""
import streamlit as st

from lib import queries, vouchers
from lib.labels import CRITERIA, IMPROVEMENTS, NEXT_FOCUS, band
from lib.workflow import Action
from ui.auth_gate import current_actor
from ui.widgets import attempt, page_header, plain

actor = current_actor()
page_header("服务评价")
mine = queries.enterprise_vouchers(actor)
ready = [v for v in mine if Action.EVALUATE in v.actions]
done = [v for v in mine if v.evaluated]
if not ready:
    st.info("暂无待评价的服务券：服务商记录交付后即可评价。")
    for v in done:
        st.markdown(f"服务券{v.number}已评价，评价内容可在“我的服务券”详情中查看。")
    st.stop()
numbers = [v.number for v in ready]
number = numbers[0] if len(numbers) == 1 else st.selectbox("服务券", numbers, format_func=lambda n: next(
    f"{v.number}　{v.provider_name}　{v.product_name}" for v in ready if v.number == n))
chosen = next(v for v in ready if v.number == number)
st.markdown(f"服务券：**{chosen.number}**　服务商：{plain(chosen.provider_name)}　产品：{plain(chosen.product_name)}")
st.caption("每张服务券只能评价一次，提交后服务商的服务信息和交付记录将被锁定。")

scores, counted = {}, {}
cols = st.columns(2)
for index, (field, label, maximum) in enumerate(CRITERIA):
    # No min/max on the widget: the browser would refuse 99 in English and keep the old value silently.
    scores[field] = cols[index % 2].number_input(f"{label}（满分{maximum}分）", step=1, value=None,
                                                 placeholder=f"0–{maximum}", key=f"ev_{field}")
    if scores[field] is not None and 0 <= scores[field] <= maximum:
        counted[field] = scores[field]
    elif scores[field] is not None:
        cols[index % 2].markdown(f":red[应在0到{maximum}分之间]")
total = sum(counted.values())
left, right = st.columns(2)
left.metric("总分", f"{total} / 100")
right.metric("等级", band(total) if len(counted) == len(CRITERIA) else "—")
if missing := [label for field, label, _ in CRITERIA if field not in counted]:
    st.caption("总分尚未计入：" + "、".join(missing) + "（未打分或分数超出范围）")
solved = st.radio("问题是否解决", ["已解决", "未解决"], index=None, horizontal=True, key="ev_solved")
improvements = st.multiselect("实施信息化后对企业有哪些改善（必选，可多选）", IMPROVEMENTS, key="ev_improvements",
                              select_all=False,
                              placeholder="请选择")
next_focus = st.multiselect("企业下一步信息化建设的重点（必选，可多选）", NEXT_FOCUS, key="ev_next_focus",
                            placeholder="请选择",
                            select_all=False)
comment = st.text_area("意见和建议（200字以内）", max_chars=200, key="ev_comment")
if st.button("提交评价", type="primary"):
    if solved is None:
        st.error("问题是否解决：请选择")
    else:
        attempt(lambda: vouchers.evaluate(
            actor=actor, number=number, scores={k: v for k, v in scores.items() if v is not None},
            solved=solved == "已解决", improvements=improvements, next_focus=next_focus, comment=comment),
            f"评价已提交：总分{total}（{band(total)}）。感谢您的评价！")
