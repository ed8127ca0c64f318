"""The commission's tabs on the 服务券 page: 发放, 批量发放 and 批次设置."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import clock, importing, issuing, queries, validation
from lib.actors import Actor
from lib.labels import ENTERPRISE_SIZES
from ui.widgets import answer, attempt, download_excel, keep, plain, show_flash, yuan


def _batch_year(key: str) -> int | None:
    batches = issuing.batches()
    if batches.empty:
        st.warning("还没有批次，请先在“批次设置”中设置年度批次。")
        return None
    years = batches["year"].tolist()
    face_values = dict(zip(batches["year"], batches["face_value"], strict=True))
    return st.selectbox("批次年度", years, key=key, format_func=lambda y: f"{y}年度（面额{yuan(face_values[y])}）")


def _show_logins(key: str) -> None:
    """Show a just-issued result once: one-time passwords must not be shown again."""
    if result := st.session_state.pop(key, None):
        st.success(f"已发放服务券{result['number']}（{result['name']}）。")
        st.info(f"企业登录账户名：{result['username']}　一次性密码：{result['password']}　"
                "（仅显示这一次，请转交企业；企业首次登录须修改密码）")
        if warning := validation.credit_code_warning(result["credit_code"]):
            st.warning(f"统一社会信用代码{result['credit_code']}：{warning}。")


def issue_one(actor: Actor) -> None:
    st.markdown("##### 发放服务券")
    st.caption("按统一社会信用代码查找企业，没有则新建；企业没有登录账户时同时创建账户和一次性密码。")
    _show_logins("issued_one")
    year = _batch_year("issue_year")
    if year is None:
        return
    regions = queries.regions()["name"].tolist()
    with st.form("issue_one", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        data = {"credit_code": c1.text_input("统一社会信用代码", max_chars=18),
                "name": c2.text_input("企业名称", max_chars=100),
                "region": c3.selectbox("所属区", regions, index=None, placeholder="请选择")}
        c1, c2, c3 = st.columns(3)
        data["size"] = c1.selectbox("企业规模", ENTERPRISE_SIZES, index=None, placeholder="可留空")
        data["legal_rep"] = c2.text_input("法定代表人", max_chars=40)
        data["contact"] = c3.text_input("联系人", max_chars=40)
        c1, c2, c3 = st.columns(3)
        data["phone"] = c1.text_input("联系电话", max_chars=40)
        data["email"] = c2.text_input("邮箱", max_chars=100)
        data["address"] = c3.text_input("地址", max_chars=200)
        if st.form_submit_button("发放", type="primary"):
            attempt(lambda: issuing.issue_single(actor=actor, data=data, batch_year=year), on_done=keep("issued_one"))


ERRORS_SHOWN = 100  # listed on the page; the download has them all


def batch_import(actor: Actor) -> None:
    st.markdown("##### 批量发放")
    download_excel("下载Excel模板", issuing.template_excel, "服务券批量发放模板.xlsx")  # built when clicked
    st.caption(f"按模板填写企业名单后上传；每个文件最多{issuing.MAX_ROWS}行。先检查全部行，任何一行有错误时都不会发放，"
               "请修改文件后重新上传；全部正确时一次发放全部服务券。")
    results = st.session_state.get("batch_results")
    if results is not None:
        st.success(f"已发放{len(results)}张服务券。请下载发放结果（含企业登录账户名和一次性密码，仅此一次）。")
        download_excel("下载发放结果", st.session_state["batch_results_xlsx"], "服务券发放结果.xlsx", type="primary")
        st.dataframe(results.rename(columns=issuing.RESULT_COLUMNS).drop(columns=["一次性密码"]), hide_index=True,
                     width="stretch")
        if st.button("继续导入其他文件"):
            st.session_state.pop("batch_results", None)
            st.session_state.pop("batch_results_xlsx", None)
            st.rerun()
        return
    year = _batch_year("batch_year")
    if year is None:
        return
    upload = st.file_uploader("上传企业名单（.xlsx）", type=None, key="batch_file")
    if upload is None:
        return
    preview = answer(lambda: importing.read_import(upload.getvalue(), batch_year=year))
    if preview is None:
        return
    if preview.file_error:
        st.error(preview.file_error)
        return
    if preview.notes:
        st.info("文件已读取，请核对：\n" + "\n".join(f"- {note}" for note in preview.notes))
    if preview.errors:
        st.error(f"发现{len(preview.errors)}处错误（共{len(preview.rows) + len(preview.errors)}行），未发放任何服务券。"
                 "请按下列提示修改文件后重新上传：")
        st.markdown("\n".join(f"- **第{e.row}行 {plain(e.column)}**：{plain(e.message)}"
                               for e in preview.errors[:ERRORS_SHOWN]))
        if len(preview.errors) > ERRORS_SHOWN:
            st.caption(f"以上为前{ERRORS_SHOWN}处，全部{len(preview.errors)}处请下载错误清单。")
        download_excel("下载错误清单", lambda: preview.errors_excel(upload.name), "批量发放错误清单.xlsx")
        return
    st.success(f"检查通过：共{len(preview.rows)}家企业，将发放{year}年度服务券{len(preview.rows)}张。")
    st.dataframe(pd.DataFrame(preview.rows)[["row", "credit_code", "name", "region", "size"]].fillna("").rename(
        columns={"row": "行号", "credit_code": "统一社会信用代码", "name": "企业名称", "region": "所属区",
                 "size": "企业规模"}).head(200),
        hide_index=True, width="stretch")
    if st.button(f"发放全部{len(preview.rows)}张", type="primary"):
        bar = st.progress(0.0, text="正在发放…")
        attempt(lambda: issuing.issue_batch(actor=actor, preview=preview, batch_year=year,
                                            progress=lambda done, total: bar.progress(done / total,
                                                                                      text=f"已发放{done}/{total}张")),
                on_done=lambda results: st.session_state.update(batch_results=results,
                                                                batch_results_xlsx=issuing.result_excel(results, year)))


def batches(actor: Actor) -> None:
    st.markdown("##### 批次设置")
    show_flash()
    frame = issuing.batches()
    if not frame.empty:
        st.dataframe(frame.rename(columns={"year": "年度", "face_value": "面额（元）",
                                           "days_after_issue": "发放后有效天数",
                                           "days_after_activation": "激活后有效天数", "issued": "已发放张数"})
                     .drop(columns=["next_serial"]), hide_index=True, width="stretch")
    with st.form("batch_settings"):
        st.caption("新建年度批次，或修改已有批次的面额和期限（只影响之后发放或激活的服务券）。")
        c1, c2, c3, c4 = st.columns(4)
        year = c1.text_input("年度", value=str(clock.utcnow().year))
        face = c2.text_input("面额（元）", value="10000")
        issue_days = c3.text_input("发放后有效天数", value="15")
        activation_days = c4.text_input("激活后有效天数", value="30")
        if st.form_submit_button("保存批次", type="primary"):
            attempt(lambda: issuing.save_batch(actor=actor, year=year, face_value=face, days_after_issue=issue_days,
                                               days_after_activation=activation_days), "批次已保存。")
