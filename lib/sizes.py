"""企业规模 by 工信部联企业〔2011〕300号《中小企业划型标准规定》第四条, for all sixteen industries.

Each industry is measured by one or two of 从业人员 (people), 营业收入 and 资产总额 (万元). The article
gives, per industry, the limits below which an enterprise is 中小微型 and the lower limits of 中型 and
小型; it reads the same way for every industry:
- 大型 when every measure is at or above the first limit (“…以下或…以下的为中小微型企业”);
- 中型 when every measure is at or above the 中型 limit (“…及以上，且…及以上”), 小型 likewise;
- 微型 otherwise (“…以下或…以下的为微型企业”: one measure below the 小型 limit is enough).
"""
from __future__ import annotations

from decimal import Decimal

MEASURES = {"employees": "从业人员（人）", "revenue": "营业收入（万元）", "assets": "资产总额（万元）"}
LEVELS = ("大型", "中型", "小型")
# industry → measure → (大型 lower limit, 中型 lower limit, 小型 lower limit), in the article's order
SIZE_RULES: dict[str, dict[str, tuple[int, int, int]]] = {
    "农、林、牧、渔业": {"revenue": (20000, 500, 50)},
    "工业": {"employees": (1000, 300, 20), "revenue": (40000, 2000, 300)},
    "建筑业": {"revenue": (80000, 6000, 300), "assets": (80000, 5000, 300)},
    "批发业": {"employees": (200, 20, 5), "revenue": (40000, 5000, 1000)},
    "零售业": {"employees": (300, 50, 10), "revenue": (20000, 500, 100)},
    "交通运输业": {"employees": (1000, 300, 20), "revenue": (30000, 3000, 200)},
    "仓储业": {"employees": (200, 100, 20), "revenue": (30000, 1000, 100)},
    "邮政业": {"employees": (1000, 300, 20), "revenue": (30000, 2000, 100)},
    "住宿业": {"employees": (300, 100, 10), "revenue": (10000, 2000, 100)},
    "餐饮业": {"employees": (300, 100, 10), "revenue": (10000, 2000, 100)},
    "信息传输业": {"employees": (2000, 100, 10), "revenue": (100000, 1000, 100)},
    "软件和信息技术服务业": {"employees": (300, 100, 10), "revenue": (10000, 1000, 50)},
    "房地产开发经营": {"revenue": (200000, 1000, 100), "assets": (10000, 5000, 2000)},
    "物业管理": {"employees": (1000, 300, 100), "revenue": (5000, 1000, 500)},
    "租赁和商务服务业": {"employees": (300, 100, 10), "assets": (120000, 8000, 100)},
    "其他未列明行业": {"employees": (300, 100, 10)},
}
INDUSTRIES = list(SIZE_RULES)
# Beyond these a figure is a typo, not a company: no suggestion is made from it.
PLAUSIBLE = {"employees": Decimal(1_000_000), "revenue": Decimal(100_000_000), "assets": Decimal(100_000_000)}


def measures_for(industry: str) -> list[str]:
    """The measures the industry is classified by (ask for 资产总额 only where it counts)."""
    return list(SIZE_RULES.get(industry, {}))


def _plausible(name: str, value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except ArithmeticError:
        return None
    if not number.is_finite() or number < 0 or number > PLAUSIBLE[name]:
        return None
    return number


def suggest_size(industry: str, **figures: object) -> str | None:
    """大型/中型/小型/微型 from the figures the industry needs (employees, revenue, assets; 万元); None when
    the industry is unknown or a needed figure is missing, negative, not a number or absurd."""
    rule = SIZE_RULES.get(industry)
    if rule is None:
        return None
    values = {name: _plausible(name, figures.get(name)) for name in rule}
    if any(value is None for value in values.values()):
        return None
    for level, label in enumerate(LEVELS):
        if all(values[name] >= limits[level] for name, limits in rule.items()):
            return label
    return "微型"
