"""One page of a list, counted and sliced in SQL: the shape every paged selector returns."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

PAGE_SIZE = 20  # rows per page, as in the manual


@dataclass(frozen=True)
class Page:
    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size)) if self.total else 0

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.page * self.page_size, self.total)


def _reversed(clause: ColumnElement) -> ColumnElement:
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op:
        return clause.element.asc()
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.asc_op:
        return clause.element.desc()
    return clause.desc()


def fetch_page(session: Session, query: Select, columns: list[str], *, page: int, order: list[ColumnElement],
               page_size: int = PAGE_SIZE, count: Select | None = None, total: int | None = None) -> Page:
    """Count the rows of `count` (default: the query itself) unless `total` is known already, keep `page`
    within 1…pages, and read that page of `query` in `order` (which must be unique). A page in the second
    half is read from the end backwards, so that 末页 costs what 首页 does, not an OFFSET over every row."""
    if total is None:
        total = session.scalar(select(func.count()).select_from((query if count is None else count).order_by(None)
                                                                .subquery()))
    page = min(max(1, page), max(1, -(-total // page_size)))
    start = (page - 1) * page_size
    if start > total - start - page_size:  # nearer the end than the start
        after = max(0, total - start - page_size)  # rows after this page
        backwards = query.order_by(*[_reversed(c) for c in order]).limit(min(page_size, total - start)).offset(after)
        rows = list(reversed(session.execute(backwards).mappings().all()))
    else:
        rows = session.execute(query.order_by(*order).limit(page_size).offset(start)).mappings().all()
    return Page(rows=pd.DataFrame(rows, columns=columns), total=total, page=page, page_size=page_size)
