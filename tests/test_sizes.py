"""企业规模 against the text of 工信部联企业〔2011〕300号 第四条 itself: the thresholds are read out of the
article (tests/fixtures/sme_size_rule_2011_article4.txt) and every limit of every industry is tried at the
limit, one unit below and one unit above."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from lib import sizes

ARTICLE = (Path(__file__).parent / "fixtures" / "sme_size_rule_2011_article4.txt").read_text(encoding="utf-8")
WORDS = {"从业人员": "employees", "营业收入": "revenue", "资产总额": "assets"}
CLAUSE = re.compile(r"(.*?)的为(中小微型|中型|小型|微型)企业")
LIMIT = re.compile(r"(从业人员|营业收入|资产总额)(\d+)(?:人|万元)(以下|及以上)")


def parse_article() -> dict[str, dict]:
    """industry → {"limits": {measure: (large, medium, small)}, "joins": {level: 或/且}, "micro": {...}}."""
    industries = {}
    for name, body in re.findall(r"（[一二三四五六七八九十]+）(.+?)。(.+)", ARTICLE):
        clauses = {level: text for text, level in CLAUSE.findall(body)}
        limits: dict[str, list[int]] = {}
        found = {}
        for level, text in clauses.items():
            found[level] = [(WORDS[w], int(n), side) for w, n, side in LIMIT.findall(text)]
            found[level + "连接"] = "且" if "且" in text else "或"
        for level in ("中小微型", "中型", "小型"):
            for measure, number, _ in found[level]:
                limits.setdefault(measure, []).append(number)
        industries[name] = {"limits": {m: tuple(v) for m, v in limits.items()}, "found": found}
    return industries


PARSED = parse_article()


def test_the_article_has_sixteen_industries_and_the_table_matches_it_exactly():
    assert list(PARSED) == sizes.INDUSTRIES and len(PARSED) == 16
    assert {name: entry["limits"] for name, entry in PARSED.items()} == sizes.SIZE_RULES


@pytest.mark.parametrize("industry", list(PARSED))
def test_the_article_reads_the_same_way_for_every_industry(industry):
    """The semantics lib.sizes assumes: the 中小微型 limits are 以下, joined by 或; 中型 and 小型 are
    及以上, joined by 且 when there are two measures; 微型 is 以下 the 小型 limits, joined by 或."""
    found, measures = PARSED[industry]["found"], sizes.measures_for(industry)
    assert {side for _, _, side in found["中小微型"]} == {"以下"}
    assert {side for _, _, side in found["中型"] + found["小型"]} == {"及以上"}
    assert [(m, n) for m, n, side in found["微型"]] == [(m, n) for m, n, _ in found["小型"]]
    assert {side for _, _, side in found["微型"]} == {"以下"}
    if len(measures) == 2:
        joins = (found["中小微型连接"], found["中型连接"], found["小型连接"], found["微型连接"])
        assert joins == ("或", "且", "且", "或")


def unit(measure: str) -> Decimal:
    return Decimal(1) if measure == "employees" else Decimal("0.01")  # one person, one hundred yuan


def boundary_cases() -> list[tuple]:
    """From the article's numbers: at each level's limits → that level; one measure one unit below → the
    level below (every other measure stays at the limit); one unit above every limit → still that level."""
    cases = []
    labels = ["大型", "中型", "小型", "微型"]
    for industry, entry in PARSED.items():
        limits = entry["limits"]
        for level in range(3):
            at = {m: Decimal(v[level]) for m, v in limits.items()}
            cases.append((industry, at, labels[level]))
            cases.append((industry, {m: x + unit(m) for m, x in at.items()}, labels[level]))
            for measure in limits:
                below = {**at, measure: at[measure] - unit(measure)}
                cases.append((industry, below, labels[level + 1]))
    return cases


CASES = boundary_cases()


@pytest.mark.parametrize("industry,figures,size", CASES,
                         ids=[f"{i}-{'-'.join(f'{k}{v}' for k, v in f.items())}" for i, f, _ in CASES])
def test_every_limit_of_every_industry_at_below_and_above(industry, figures, size):
    assert sizes.suggest_size(industry, **figures) == size


def test_the_boundary_table_covers_every_limit():
    assert len(CASES) == sum(3 * (2 + len(entry["limits"])) for entry in PARSED.values()) == 186


@pytest.mark.parametrize("figures", [
    {"employees": -1, "revenue": 100}, {"employees": 50, "revenue": -0.01}, {"employees": 50},
    {"employees": 50, "revenue": None}, {"employees": 50, "revenue": "abc"}, {"employees": 50, "revenue": "NaN"},
    {"employees": 2_000_000, "revenue": 100}, {"employees": 50, "revenue": Decimal("1e12")},
    {"employees": True, "revenue": 100},
])
def test_no_suggestion_for_missing_negative_or_absurd_figures(figures):
    assert sizes.suggest_size("工业", **figures) is None


def test_only_the_measures_an_industry_uses_are_needed_and_asked():
    assert sizes.measures_for("建筑业") == ["revenue", "assets"]
    assert sizes.measures_for("租赁和商务服务业") == ["employees", "assets"]
    assert sizes.measures_for("农、林、牧、渔业") == ["revenue"]
    assert sizes.suggest_size("农、林、牧、渔业", revenue=600) == "中型"  # no 从业人员 needed
    assert sizes.suggest_size("其他未列明行业", employees="9") == "微型"
    assert sizes.suggest_size("建筑业", revenue=7000) is None  # 资产总额 missing
    assert sizes.suggest_size("未知行业", employees=10, revenue=1) is None


def test_zero_is_a_figure_and_a_new_company_is_micro():
    assert sizes.suggest_size("工业", employees=0, revenue=0) == "微型"
