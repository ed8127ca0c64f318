"""人员管理: the provider's service engineers — add, edit, mark 离职 (kept on old records)."""
import streamlit as st

from lib import engineers
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
    page_header,
)

FORM = "engineer_form"
actor = current_actor()
page_header("人员管理", "离职人员仍保留在其填写过的服务记录中，但不能再被选为新的服务工程师。")
staff = engineers.provider_engineers(actor)


def engineer_form(row=None) -> None:
    with edit_form("engineer_edit", "人员", row):
        data = {"name": st.text_input("姓名", value=row.name if row is not None else "", max_chars=40)}
        field_note(FORM, "姓名")
        with keypad("tel", "mobile"):
            data["mobile"] = st.text_input("手机", value=(row.mobile or "") if row is not None else "", max_chars=20)
        field_note(FORM, "手机")
        data["title"] = st.text_input("职务/专长", value=(row.title or "") if row is not None else "", max_chars=100)
        field_note(FORM, "职务/专长")
        form_summary(FORM)
        if row is None:
            form_buttons(FORM, lambda: engineers.add_engineer(actor=actor, data=data), "人员已添加。", fields=FORM)
        else:
            form_buttons(FORM, lambda: engineers.update_engineer(actor=actor, engineer_id=row.id, data=data),
                         "人员信息已修改。", fields=FORM)


if editable_list(FORM, engineer_form, staff, "新增人员"):
    for row, cols in list_rows(staff, [2, 2, 3, 1, 1.5, 1.2, 1.2],
                               ["姓名", "手机", "职务/专长", "状态", "服务记录", "操作", ""], key="engineers"):
        cols.text(0, row.name)
        cols.phone(1, row.mobile)
        cols.text(2, row.title)
        cols.text(3, "在职" if row.active else "离职")
        cols.text(4, f"{row.records}条")
        edit_button(cols[5], FORM, row.id, key=f"edit_engineer_{row.id}")
        label, done = ("离职", "已标记为离职。") if row.active else ("复职", "已恢复为在职。")
        if cols[6].button(label, key=f"toggle_{row.id}"):
            attempt(lambda row=row: engineers.set_employed(actor=actor, engineer_id=row.id, employed=not row.active),
                    done)
        if st.session_state.get(FORM) == row.id:
            engineer_form(row)
