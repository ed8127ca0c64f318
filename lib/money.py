"""Money rules shared by every screen that shows a price against a voucher."""
from __future__ import annotations

from decimal import Decimal

ZERO = Decimal("0.00")


def payable(price: Decimal | None, face_value: Decimal) -> Decimal | None:
    """应付 = 价格 − 面额, never below 0: the part of the price the enterprise pays itself."""
    if price is None:
        return None
    return max(ZERO, price - face_value)
