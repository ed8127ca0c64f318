"""The printable voucher (PDF) with an embedded Chinese font."""
from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

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
NO_FONT = "服务器未安装中文字体（Debian 软件包 fonts-noto-cjk），暂时无法生成PDF，请联系平台管理员。"


def chinese_font() -> tuple[str, int] | None:
    """PDF_FONT (a .ttf/.otf/.ttc path) if set, else the first Chinese font installed."""
    if configured := os.environ.get("PDF_FONT"):
        return (configured, 0) if Path(configured).exists() else None
    return next(((path, index) for path, index in FONT_CANDIDATES if Path(path).exists()), None)


def voucher_pdf(actor: Actor, number: str) -> bytes:
    """The voucher as a one-page PDF, for whoever may see it, once it has been delivered."""
    detail = queries.voucher_detail(actor, number)  # the same access rule as the screen
    if not detail.printable:
        raise TransitionRefused("服务交付后才能打印服务券")
    font = chinese_font()
    if font is None:
        raise DomainError(NO_FONT)
    pdf = FPDF(format="A4")
    pdf.set_title(f"服务券 {detail.number}")
    pdf.add_font("cjk", fname=font[0], collection_font_number=font[1])
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, PLATFORM_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 10, "中小企业信息化服务券", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
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
    pdf.set_font("cjk", size=11)
    for label, value in rows:
        pdf.cell(45, 9, label, border=1)
        pdf.multi_cell(0, 9, str(value or ""), border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 6, f"打印时间：{clock.fmt_datetime(clock.utcnow())}。本凭证由{PLATFORM_TITLE}生成，"
                          "服务券状态以平台记录为准。")
    return bytes(pdf.output())
