"""The printable voucher (PDF) with an embedded Chinese font."""
from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import WrapMode

from lib import clock, queries
from lib.actors import Actor
from lib.errors import DomainError, TransitionRefused
from lib.labels import PLATFORM_TITLE

# (file, index inside a .ttc collection); Debian's fonts-noto-cjk first (index 2 = Simplified Chinese).
FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]
# Fonts for characters the Chinese font lacks (rare characters of CJK Extension B and beyond, as in some
# names): Debian's fonts-hanazono covers them all; PDF_FALLBACK_FONT adds another.
FALLBACK_CANDIDATES = [
    ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", 0),
    ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", 0),
]
MISSING_GLYPH = "〓"  # GB 2312's 1-14 (U+3013), what Chinese print uses for a character it cannot set
log = logging.getLogger(__name__)
NO_FONT = "服务器未安装中文字体（Debian 软件包 fonts-noto-cjk），暂时无法生成PDF，请联系平台管理员。"


def chinese_font() -> tuple[str, int] | None:
    """PDF_FONT (a .ttf/.otf/.ttc path) if set, else the first Chinese font installed."""
    if configured := os.environ.get("PDF_FONT"):
        return (configured, 0) if Path(configured).exists() else None
    return next(((path, index) for path, index in FONT_CANDIDATES if Path(path).exists()), None)


def fallback_fonts() -> list[tuple[str, int]]:
    configured = os.environ.get("PDF_FALLBACK_FONT")
    candidates = ([(configured, 0)] if configured else []) + FALLBACK_CANDIDATES
    return [(path, index) for path, index in candidates if Path(path).exists()]


@lru_cache(maxsize=16)
def coverage(path: str, index: int) -> frozenset[int]:
    """The code points a font file (or a face of a .ttc collection) has glyphs for."""
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def fonts_for(text: str, primary: tuple[str, int]) -> tuple[list[tuple[str, int]], str]:
    """The fallback fonts `text` needs beyond `primary`, and the characters no installed font has."""
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in coverage(*primary)}
    needed = []
    for font in fallback_fonts():
        covered = {ch for ch in missing if ord(ch) in coverage(*font)}
        if covered:
            needed.append(font)
            missing -= covered
    return needed, "".join(sorted(missing))


def voucher_pdf(actor: Actor, number: str) -> bytes:
    """The voucher as a one-page PDF, for whoever may see it, once it has been delivered."""
    detail = queries.voucher_detail(actor, number)  # the same access rule as the screen
    if not detail.printable:
        raise TransitionRefused("服务交付后才能打印服务券")
    font = chinese_font()
    if font is None:
        raise DomainError(NO_FONT)
    p = detail.product or {}
    rows = [
        ("服务券号", detail.number),
        ("服务券状态", detail.status_label),
        ("企业名称", detail.enterprise["name"]),
        ("统一社会信用代码", detail.enterprise["credit_code"]),
        ("所属区", detail.enterprise["region"]),
        ("服务商", p.get("provider_name", "")),
        ("服务产品", p.get("name", "")),
        ("面额", f"{detail.face_value:,.2f} 元"),
        ("价格", f"{p['price']:,.2f} 元" if p.get("price") is not None else ""),
        ("应付", f"{p['payable']:,.2f} 元" if p.get("payable") is not None else ""),
        ("发券时间", clock.fmt_datetime(detail.issued_at)),
        ("合同签订日期", clock.fmt_date(detail.contract_date)),
        ("交付日期", clock.fmt_date(detail.delivered_on)),
        ("兑付日期", clock.fmt_date(detail.settled_on)),
    ]
    rows = [(label, str(value or "")) for label, value in rows]
    fallbacks, missing = fonts_for("".join(value for _, value in rows), font)
    if missing:
        log.warning("voucher %s PDF: no installed font has %s; printed as U+3013", detail.number,
                    ", ".join(f"U+{ord(ch):04X}" for ch in missing))
        rows = [(label, "".join(MISSING_GLYPH if ch in missing else ch for ch in value)) for label, value in rows]
    return _render(detail.number, rows, font, fallbacks, missing)


def _render(number: str, rows: list[tuple[str, str]], font: tuple[str, int], fallbacks: list[tuple[str, int]],
            missing: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"服务券 {number}")
    pdf.add_font("cjk", fname=font[0], collection_font_number=font[1])
    for index, (path, face) in enumerate(fallbacks):
        pdf.add_font(f"fallback{index}", fname=path, collection_font_number=face)
    pdf.set_fallback_fonts([f"fallback{index}" for index in range(len(fallbacks))])
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, PLATFORM_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 10, "中小企业信息化服务券", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=11)
    # A table, not cell by cell: a value that wraps makes its whole row taller, so every border stays whole.
    with pdf.table(col_widths=(45, 145), first_row_as_headings=False, text_align="LEFT", line_height=7,
                   padding=1, wrapmode=WrapMode.CHAR) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(6)
    pdf.set_font("cjk", size=9)
    if missing:
        pdf.multi_cell(0, 6, f"注：{MISSING_GLYPH}处为服务器字体缺少的字符（"
                              + "、".join(f"U+{ord(ch):04X}" for ch in missing) + "），以平台记录为准。",
                       new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"打印时间：{clock.fmt_datetime(clock.utcnow())}。本凭证由{PLATFORM_TITLE}生成，"
                          "服务券状态以平台记录为准。")
    return bytes(pdf.output())
