"""The voucher PDF read back by pypdf: rare characters set by a fallback font or shown as 〓 and logged,
and a value that wraps keeps its row's borders whole."""
from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from lib import db, documents
from lib.models import Product, Voucher
from lib.workflow import VoucherStatus as S
from tests.builders import make_enterprise, make_voucher

RARE = "𪚥"  # U+2A6A5 (CJK Extension B): not in Noto Sans CJK
needs_font = pytest.mark.skipif(documents.chinese_font() is None, reason="需要 fonts-noto-cjk（.ci/run 会安装）")
needs_fallback = pytest.mark.skipif(not documents.fallback_fonts(), reason="需要 fonts-hanazono（.ci/run 会安装）")


def delivered(name: str, product_name: str | None = None) -> dict:
    v = make_voucher(S.DELIVERED, enterprise_id=make_enterprise(name))
    if product_name:
        with db.transaction() as s:
            product_id = s.scalar(select(Voucher.product_id).where(Voucher.number == v["number"]))
            s.execute(update(Product).where(Product.id == product_id).values(name=product_name))
    return v


def read(pdf: bytes) -> tuple[str, set[str]]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].get_object().values()}
    # pypdf reads fpdf2's two-byte glyph codes with a NUL before each character: drop them
    return page.extract_text().replace("\x00", ""), fonts


@needs_font
def test_the_primary_font_lacks_the_rare_character():
    assert ord(RARE) not in documents.coverage(*documents.chinese_font())
    assert ord("南") in documents.coverage(*documents.chinese_font())


@needs_font
@needs_fallback
def test_a_rare_character_is_set_in_the_fallback_font(database, caplog):
    v = delivered(f"南京{RARE}龙科技有限公司")
    with caplog.at_level(logging.WARNING, logger="lib.documents"):
        text, fonts = read(documents.voucher_pdf(v["enterprise"], v["number"]))
    assert f"南京{RARE}龙科技有限公司" in text and documents.MISSING_GLYPH not in text
    assert any("HanaMin" in font for font in fonts) and any("NotoSansCJK" in font for font in fonts)
    assert caplog.records == []


@needs_font
def test_a_character_no_font_has_is_shown_as_a_geta_mark_said_and_logged(database, caplog, monkeypatch):
    monkeypatch.setattr(documents, "FALLBACK_CANDIDATES", [])  # a server with only fonts-noto-cjk
    monkeypatch.delenv("PDF_FALLBACK_FONT", raising=False)
    v = delivered(f"南京{RARE}龙科技有限公司")
    with caplog.at_level(logging.WARNING, logger="lib.documents"):
        text, fonts = read(documents.voucher_pdf(v["enterprise"], v["number"]))
    assert "南京〓龙科技有限公司" in text and RARE not in text
    assert "注：〓处为服务器字体缺少的字符（U+2A6A5），以平台记录为准。" in text.replace("\n", "")
    assert [r.getMessage() for r in caplog.records] == [
        f"voucher {v['number']} PDF: no installed font has U+2A6A5; printed as U+3013"]
    assert not any("HanaMin" in font for font in fonts)


def cell_boxes(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """Every rectangle the page strokes (x, y, width, height), as fpdf2 draws a bordered table cell."""
    from pypdf.generic import ContentStream
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    stream = ContentStream(page.get_contents(), reader)
    return [tuple(round(float(n), 2) for n in operands) for operands, op in stream.operations if op == b"re"]


def rows_of(boxes: list[tuple]) -> dict[float, list[tuple]]:
    rows: dict[float, list[tuple]] = {}
    for box in boxes:
        rows.setdefault(box[1], []).append(box)
    return rows


@needs_font
def test_a_value_that_wraps_keeps_every_border_of_its_row(database):
    long_name = "企业资源计划（ERP）与生产执行系统（MES）一体化云平台" * 3 + "标准版"
    v = delivered("南京长名称科技有限公司", product_name=long_name)
    pdf = documents.voucher_pdf(v["enterprise"], v["number"])
    text, _ = read(pdf)
    assert long_name in text.replace("\n", "")  # nothing cut off
    rows = rows_of(cell_boxes(pdf))
    assert len(rows) == 14 and all(len(cells) == 2 for cells in rows.values())
    for cells in rows.values():  # the label's box is as tall as the value's, wrapped or not
        assert cells[0][3] == cells[1][3]
    heights = sorted(abs(cells[0][3]) for cells in rows.values())
    assert heights[-1] >= 2 * heights[0]  # the product's row grew to hold its lines
    tops = sorted(rows)
    for upper, lower in zip(tops, tops[1:], strict=False):  # rows meet: no gap and no overlap between borders
        assert round(upper + rows[upper][0][3], 1) == round(lower, 1) or \
            round(lower + rows[lower][0][3], 1) == round(upper, 1)
