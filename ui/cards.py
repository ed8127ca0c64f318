"""Lists that read on a phone. Below 640 px Streamlit stacks a row's columns one under another and a table
needs sideways swiping, so every list has a second form there: one bordered card per record, each value
after its label. The CSS that switches between the two forms is `CSS` (loaded once by Home.py)."""
from __future__ import annotations

import html
from collections.abc import Callable, Iterator

import pandas as pd
import pyarrow as pa
import streamlit as st

from ui.widgets import digest, phone_link, plain, with_voucher_links

PHONE_WIDTH = 640  # Streamlit's own breakpoint for stacking columns
CSS = (
    # list_rows: the header row goes, each row is a card, each cell says what it is.
    ".cell-label{display:none}[class*=st-key-cards_]{display:none}"
    f"@media (max-width:{PHONE_WIDTH}px){{[class*=st-key-cardhead_],[class*=st-key-wide_]{{display:none}}"
    "[class*=st-key-cardrows_] [data-testid=stHorizontalBlock]{border:1px solid rgba(49,51,63,.2);"
    "border-radius:.5rem;padding:.25rem .75rem .5rem;margin-bottom:.5rem;gap:0}"
    "[class*=st-key-cardrows_] [data-testid=stColumn]:has(.cell-empty){display:none}"
    ".cell-label{display:inline;color:#555}[class*=st-key-cards_]{display:block}}"
    # card_table: the cards drawn from a table.
    ".card{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.5rem .75rem;margin-bottom:.5rem;"
    "line-height:1.6;overflow-wrap:anywhere}.card-title{font-weight:600}.card .k{color:#555}"
)


class Cells:
    """One row of a `list_rows` list: `text` writes a labelled value (the label shows on a phone only);
    a cell's column itself (`cells[i]`) takes buttons."""

    def __init__(self, columns: list, labels: list[str]) -> None:
        self._columns, self._labels = columns, labels

    def __getitem__(self, index: int):
        return self._columns[index]

    def text(self, index: int, value: object, *, as_html: str | None = None) -> None:
        """The value as typed (or `as_html`, already safe, such as a tel: link); an empty value leaves
        no empty line in the phone's card."""
        shown = as_html if as_html is not None else plain(value)
        label = self._labels[index]
        if not shown:
            self._columns[index].markdown("<span class='cell-empty'></span>", unsafe_allow_html=True)
            return
        prefix = f"<span class='cell-label'>{html.escape(label)}：</span>" if label else ""
        self._columns[index].markdown(prefix + shown, unsafe_allow_html=True)

    def phone(self, index: int, value: str | None) -> None:
        self.text(index, value, as_html=phone_link(value))


def list_rows(rows: pd.DataFrame, widths: list[float], labels: list[str], *, key: str
              ) -> Iterator[tuple[object, Cells]]:
    """A list drawn as columns: the bold header row (a blank label leaves its column empty), then each
    row with its cells to fill. On a phone each row is a card and the header row is hidden."""
    with st.container(key=f"cardhead_{key}"):
        for col, label in zip(st.columns(widths), labels, strict=True):
            if label:
                col.markdown(f"**{label}**")
    with st.container(key=f"cardrows_{key}"):
        for row in rows.itertuples():
            yield row, Cells(st.columns(widths, vertical_alignment="center"), labels)


def card_table(frame: pd.DataFrame, *, key: str, title: str, voucher: str | None = None,
               phones: tuple[str, ...] = ()) -> None:
    """A read-only table (its columns already in Chinese): st.dataframe on a wide screen, one card per row
    on a phone, headed by the `title` column. The `voucher` column's numbers link to each voucher's detail
    (in both forms); phone numbers (`phones`) are tappable on the cards."""
    if frame.empty:
        return
    wide, config, cards = _drawn(digest(frame), title, voucher, phones, frame)
    with st.container(key=f"wide_{key}"):
        st.dataframe(wide, hide_index=True, width="stretch", column_config=config)
    with st.container(key=f"cards_{key}"):
        st.html(cards)


@st.cache_resource(max_entries=256, show_spinner=False)
def _drawn(frame_digest: str, title: str, voucher: str | None, phones: tuple[str, ...], _frame: pd.DataFrame
           ) -> tuple[pa.Table | pd.DataFrame, dict | None, str]:
    # Both forms of a table, made once per data (`frame_digest`: Streamlit does not hash `_frame`), shared and
    # never modified. The links, the dashes, the Arrow table st.dataframe sends and the cards were a sixth of
    # 服务券统计's run, made again on every run.
    table, config = with_voucher_links(_frame, voucher) if voucher else (_frame, None)
    wide = _dashes(table)
    try:
        wide = pa.Table.from_pandas(wide, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass  # a column Arrow cannot type: st.dataframe converts the frame its own way
    return wide, config, "".join(_card(row, title, voucher, phones) for row in _frame.to_dict("records"))


def _dashes(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty cells as “—”: a column with an empty cell becomes text (a mixed column is not valid Arrow)."""
    gaps = [c for c in frame.columns if frame[c].isna().any()]
    return frame.assign(**{c: [("—" if pd.isna(x) else str(x)) for x in frame[c]] for c in gaps})


def _card(row: dict, title: str, voucher: str | None, phones: tuple[str, ...]) -> str:
    def value(column: str) -> str:
        cell = row[column]
        if cell is None or (not isinstance(cell, str) and pd.isna(cell)) or cell in ("", "—"):
            return ""
        shown: Callable[[str], str] = _phone_html if column in phones else _text_html
        if column == voucher:
            return f'<a href="/?voucher={html.escape(str(cell))}" target="_self">{html.escape(str(cell))}</a>'
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)  # 36 days, as the wide table shows it, not 36.0
        return shown(str(cell))

    lines = [f"<div class='card-title'>{value(title) or '—'}</div>"]
    lines += [f"<div><span class='k'>{html.escape(column)}：</span>{value(column)}</div>"
              for column in row if column != title and value(column)]
    return f"<div class='card'>{''.join(lines)}</div>"


def _text_html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _phone_html(text: str) -> str:
    linked = phone_link(text)
    return linked if linked.startswith("<a ") else _text_html(text)
