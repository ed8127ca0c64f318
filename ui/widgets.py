"""What every page shares: the one way to run an action and show its refusal (attempt, answer), add/edit
forms and lists, Excel downloads, the pager, money."""
from __future__ import annotations

import hashlib
import html
import json
import pickle
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TypeVar

import pandas as pd
import streamlit as st

from lib import exports, stats, validation
from lib.errors import DomainError, FormErrors, ValidationError
from lib.paging import Page

FLASH = "flash"
FIELD_NOTES = "field_notes"
# Typed text goes to Markdown with every ASCII punctuation character as a numeric character reference: it
# then starts no image, link, GFM autolink (http:// www. a@b.c), emphasis, heading, list, HTML tag, LaTeX or
# Streamlit directive. GFM autolinks are found in the text after parsing, so an invisible WORD JOINER
# (U+2060) goes where a web link would start: http|:// and www|. (an e-mail address may stay a mailto: link).
_MARKDOWN_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")
_AUTOLINK = re.compile(r"(?i)(https?(?=:)|www(?=\.))")
T = TypeVar("T")


def attempt(action: Callable[[], T], done: str | None = None, *, close: str | None = None,
            on_done: Callable[[T], object] | None = None, fields: str | None = None) -> None:
    """Run one service call: the one way a page acts. A refusal shows here, next to the form that
    asked for it; with `fields` (the form's key) every field's message is also kept for `field_note` to
    show under that field. Success hands the result to `on_done` (to keep what the next run shows, such
    as a one-time password), closes the form (`close` is its session key), remembers `done` for
    show_flash, and reruns."""
    try:
        result = action()
    except DomainError as exc:
        if fields and isinstance(exc, ValidationError):  # drawn under each field by the run this starts
            wrong = exc.errors if isinstance(exc, FormErrors) else [exc]
            st.session_state[f"{FIELD_NOTES}:{fields}"] = {e.field: e.reason for e in wrong}
            st.session_state[f"{FIELD_NOTES}:{fields}:summary"] = (
                f"有{len(wrong)}项需要修改，已在各项下方标出：" + "、".join(e.field for e in wrong)
                if len(wrong) > 1 else exc.message)
            st.rerun()
        st.error(exc.message)
        return
    if fields:
        st.session_state.pop(f"{FIELD_NOTES}:{fields}", None)
        st.session_state.pop(f"{FIELD_NOTES}:{fields}:summary", None)
    if on_done is not None:
        on_done(result)
    if close:
        _close(close)
    if done:
        st.session_state[FLASH] = done
    st.rerun()


def form_summary(form: str) -> None:
    """Beside the submit button: what the form's last submit was refused for (see `attempt(fields=…)`)."""
    if summary := st.session_state.get(f"{FIELD_NOTES}:{form}:summary"):
        st.error(summary)


def field_note(form: str, label: str, where=st) -> None:
    """Under a field: what was wrong with it at the form's last submit (kept until a submit succeeds)."""
    if message := st.session_state.get(f"{FIELD_NOTES}:{form}", {}).get(label):
        where.markdown(f":red[{plain(message)}]")


def plain(text: object) -> str:
    """Text a user typed, for st.markdown/st.write: shown as the characters typed (line breaks kept), never
    as Markdown or HTML (an image in 服务描述 would make every viewer's browser fetch its URL)."""
    if text is None:
        return ""
    escaped = _MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", _AUTOLINK.sub("\\1\u2060", str(text)))
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


class Phone(str):
    """A phone number as displayed (lib.validation.display_phone): drawn as a tel: link where it can be dialled."""


def phone_link(shown: str | None) -> str:
    """HTML for a phone number: tappable (tel:) on a phone when it can be dialled, plain text otherwise."""
    dial = validation.dial_number(shown)
    if not dial:
        return plain(shown)
    return f'<a href="tel:{html.escape(dial)}">{plain(shown)}</a>'


def _close(form_key: str) -> None:
    """Close a form and forget the record versions it was opened with."""
    st.session_state.pop(form_key, None)
    for key in [k for k in st.session_state if str(k).startswith(f"{form_key}__version")]:
        del st.session_state[key]


def opened_version(form_key: str, record: object, version: int) -> int:
    """The version `record` had when its form (`form_key`) opened: the save sends it back, so a change made
    by someone else meanwhile is refused (记录已被他人修改，请刷新后重试) instead of silently overwritten."""
    return st.session_state.setdefault(f"{form_key}__version_{record}", version)


def keep(key: str, shape: Callable[[T], object] = lambda result: result) -> Callable[[T], None]:
    """An `on_done` that stores the (shaped) result under `key` for the next run."""
    return lambda result: st.session_state.__setitem__(key, shape(result))


def answer(read: Callable[[], T]) -> T | None:
    """A read that may be refused (无权查看…, a file that cannot be read): its result, or None after
    showing why in the same place an action's refusal shows."""
    try:
        return read()
    except DomainError as exc:
        st.error(exc.message)
        return None


def download_excel(label: str, data: Callable[[], bytes] | bytes, file_name: str, **kwargs) -> None:
    """Every Excel download button: a callable builds the file only when clicked; the page does not rerun."""
    st.download_button(label, data=data, file_name=file_name, mime=exports.XLSX_MIME, icon=":material/download:",
                       on_click="ignore", **kwargs)


def export_button(rows: pd.DataFrame | Callable[[], pd.DataFrame], columns: dict[str, str], *, title: str,
                  filters: dict[str, object] | None = None, label: str = "导出Excel", file_name: str | None = None,
                  **kwargs) -> None:
    """导出Excel of a list: its columns in Chinese under a title line and the filters used. `rows` may be a
    callable, so a long export is read from the database only when the button is clicked."""
    def build() -> bytes:
        return exports.to_excel(rows() if callable(rows) else rows, columns, title=title, filters=filters)
    download_excel(label, build, file_name or f"{title}.xlsx", **kwargs)


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _reference(name: str, _read: Callable, version: tuple):
    # `name` stands for the reader (Streamlit does not hash `_read`); `version` holds the write counts of the tables
    # it reads, from the database: an edit shows at the next run, in every replica.
    return _read()


def reference(read: Callable, *tables: str):
    """Options read from reference tables (区域, 服务商, 产品类别, 批次年度): read again only after a write to
    `tables`, not on every run (the commission's 服务商 filter lists every provider: 500 at province scale)."""
    return _reference(f"{read.__module__}.{read.__qualname__}", read, stats.data_version(*tables))


def digest(frame: pd.DataFrame) -> str:
    """What stands for a small frame's data in the caches of its drawn forms (six times cheaper than Streamlit's
    own hashing of a frame of strings)."""
    return hashlib.sha256(pickle.dumps(frame)).hexdigest()


def with_voucher_links(shown: pd.DataFrame, label: str = "服务券号") -> tuple[pd.DataFrame, dict]:
    """A table's 服务券号 column as links to each voucher's detail: the frame and its column_config."""
    linked = shown.assign(**{label: "/?voucher=" + shown[label].astype(str)})
    return linked, {label: st.column_config.LinkColumn(label, display_text=r"voucher=(\d+)")}


def page_header(title: str, caption: str | None = None) -> None:
    """A page's title, its one-line explanation, and the confirmation of the action just done."""
    st.subheader(title)
    if caption:
        st.caption(caption)
    show_flash()


def show_flash() -> None:
    """The confirmation of the action just done: at the top of the page, and as a toast in the corner of the
    screen, so it is seen wherever the user had scrolled to (a form low on a phone's page)."""
    if message := st.session_state.pop(FLASH, None):
        st.success(message)
        st.toast(message, icon=":material/check_circle:")


def ok_cancel() -> tuple[bool, bool]:
    """The 确定 / 取消 pair at the bottom of a form."""
    left, right, _ = st.columns([1, 1, 6])
    return left.form_submit_button("确定", type="primary"), right.form_submit_button("取消")


def form_buttons(form_key: str, save: Callable[[], T], done: str, **kwargs) -> None:
    """确定 / 取消 at the bottom of an add/edit form: 取消 closes it, 确定 saves through `attempt` (which
    closes it on success and shows a refusal next to it)."""
    ok, cancel = ok_cancel()
    if cancel:
        _close(form_key)
        st.rerun()
    if ok:
        attempt(save, done, close=form_key, **kwargs)


@contextmanager
def edit_form(form_id: str, noun: str, row: object | None) -> Iterator[None]:
    """The add (row None) or edit form of a list's item, headed 新增… or 修改…：name."""
    with st.form(form_id):
        st.markdown(f"**新增{noun}**" if row is None else f"**修改{noun}：{plain(row.name)}**")
        yield


def edit_button(place, form_key: str, row_id: int, *, label: str = "编辑", key: str | None = None) -> None:
    """The button on a list row that opens that row's edit form."""
    if place.button(label, key=key or f"{form_key}_edit_{row_id}"):
        st.session_state[form_key] = row_id
        st.rerun()


def editable_list(form_key: str, new_form: Callable[[], None], rows: pd.DataFrame, add_label: str) -> bool:
    """A list with an add/edit form: the 新增… button and, when it is open, the add form; then 没有记录!
    for an empty list. True when there are rows to draw."""
    if st.button(add_label, type="primary"):
        st.session_state[form_key] = "new"
    if st.session_state.get(form_key) == "new":
        new_form()
    if rows.empty:
        st.markdown("没有记录!")
    return not rows.empty


def wan(value: Decimal | None) -> str:
    """123.00 → '123万' as the manual prints amounts in 万元."""
    if value is None:
        return ""
    return f"{value.normalize():f}万"


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}元"


def pager(state_key: str, result: Page) -> None:
    """首页/上一页/下一页/末页 with the manual's "第1页 共N页" and "第1到第20条 共M条", for any paged selector."""
    page, pages, total = result.page, result.pages, result.total
    cols = st.columns([1, 1, 1, 1, 2, 3])
    targets = [("首页", 1), ("上一页", max(1, page - 1)), ("下一页", min(max(pages, 1), page + 1)),
               ("末页", max(pages, 1))]
    for col, (label, target) in zip(cols[:4], targets, strict=True):
        disabled = total == 0 or target == page
        if col.button(label, key=f"{state_key}_{label}", disabled=disabled):
            st.session_state[state_key] = target
            st.query_params["page"] = str(target)
            st.rerun()
    cols[4].markdown(f"第{page if total else 1}页 共{pages}页")
    cols[5].markdown(f"第{result.first_row}到第{result.last_row}条 共{total}条")


# Phones bring up the keypad a field needs: inputs inside a keypad(kind, …) container get inputmode=kind
# (decimal: digits and a point; numeric: digits; tel: the phone pad). Streamlit has no parameter for it, and
# names the password eye button in English for screen readers; Home.py loads this observer once per page.
KEYPAD_KINDS = ("decimal", "numeric", "tel")
ARIA_LABELS = {"Show password": "显示密码", "Hide password": "隐藏密码"}
KEYPAD_JS = ("<script>(() => {if (window.__keypad) return; window.__keypad = true;"
             f"const kinds = {json.dumps(list(KEYPAD_KINDS))}; const names = {json.dumps(ARIA_LABELS)};"
             "const apply = () => {kinds.forEach(k => document.querySelectorAll("
             "`[class*=\"st-key-keypad_${k}_\"] input:not([inputmode])`).forEach(i => i.setAttribute('inputmode', k)));"
             "document.querySelectorAll('[aria-label]').forEach(e => {const t = names[e.getAttribute('aria-label')];"
             "if (t) e.setAttribute('aria-label', t);});};"
             "new MutationObserver(apply).observe(document.body, {childList: true, subtree: true, attributes: true,"
             " attributeFilter: ['aria-label']}); apply();})();</script>")


def keypad(kind: str, name: str):
    """A container whose text inputs bring up the `kind` keypad on a phone (see KEYPAD_JS)."""
    if kind not in KEYPAD_KINDS:
        raise ValueError(kind)
    return st.container(key=f"keypad_{kind}_{name}")


def required_marks(keys: list[str]) -> None:
    """A red * after the label of each required field (by widget key), said once in the caption above the form."""
    selectors = ",".join(f".st-key-{key} label p::after" for key in sorted(keys))
    st.html(f"<style>{selectors}{{content:' *';color:#d33}}</style>")
