"""产品管理: the provider's own products — add, edit, 下架; changes wait for 产品审核."""
import streamlit as st

from lib import products
from lib.labels import PRODUCT_FIELDS as F
from ui.auth_gate import current_actor
from ui.cards import list_rows
from ui.widgets import (
    attempt,
    edit_button,
    edit_form,
    editable_list,
    field_note,
    form_buttons,
    form_summary,
    keypad,
    opened_version,
    page_header,
    plain,
    yuan,
)

FORM = "product_form"
actor = current_actor()
page_header("产品管理",
            "新增或修改的产品需经信委审核通过（已上架）后，企业才能选择；下架后企业不能再选择，已选择该产品的服务券不受影响。")
own = products.provider_products(actor)


def product_form(row=None) -> None:
    categories = products.category_names()
    with edit_form("product_edit", "产品", row):
        data = {"name": st.text_input(F["name"], value=row.name if row is not None else "", max_chars=100)}
        field_note(FORM, F["name"])
        data["category"] = st.selectbox(F["category_id"], categories, index=categories.index(row.category)
                                        if row is not None and row.category in categories else None,
                                        placeholder="请选择")
        field_note(FORM, F["category_id"])
        with keypad("decimal", "price"):
            data["price"] = st.text_input(F["price"], value=f"{row.price:.2f}" if row is not None else "")
        field_note(FORM, F["price"])
        for field, limit in (("target", 500), ("problems", 1000), ("cases", 2000)):
            data[field] = st.text_area(F[field], value=(getattr(row, field) or "") if row is not None else "",
                                       max_chars=limit)
            field_note(FORM, F[field])
        version = None if row is None else opened_version(FORM, row.id, int(row.version))
        save = (lambda: products.create_product(actor=actor, data=data)) if row is None else (
            lambda: products.update_product(actor=actor, product_id=row.id, data=data, version=version))
        form_summary(FORM)
        form_buttons(FORM, save, "产品已提交，等待经信委审核。" if row is None else "修改已提交，等待经信委审核。",
                     fields=FORM)


if editable_list(FORM, product_form, own, "新增产品"):
    for row, cols in list_rows(own, [4, 3, 2, 1.5, 3, 1.2, 1.5],
                               ["服务产品名称", "类别", "价格", "状态", "审核意见", "操作", ""], key="products"):
        cols.text(0, row.name)
        cols.text(1, row.category)
        cols.text(2, yuan(row.price))
        cols.text(3, row.status_label)
        cols.text(4, row.review_note)
        edit_button(cols[5], FORM, row.id, key=f"edit_product_{row.id}")
        if row.can_take_off_sale:
            with cols[6].popover("下架"):
                st.write(f"确定下架“{plain(row.name)}”？下架后企业不能再选择该产品。")
                if st.button("确认下架", key=f"off_{row.id}", type="primary"):
                    attempt(lambda row=row: products.take_off_sale(actor=actor, product_id=row.id), "产品已下架。")
        if st.session_state.get(FORM) == row.id:
            product_form(row)
