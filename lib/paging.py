"""One page of a list, counted and sliced in SQL: the shape every paged selector returns."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

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


def fetch_page(session: Session, query: Select, columns: list[str], *, page: int, page_size: int = PAGE_SIZE,
               count: Select | None = None) -> Page:
    """Count the rows of `count` (default: the query itself), keep `page` within 1…pages, and read that
    page of the ordered `query`."""
    total = session.scalar(select(func.count()).select_from((query if count is None else count).order_by(None)
                                                            .subquery()))
    page = min(max(1, page), max(1, -(-total // page_size)))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return Page(rows=pd.DataFrame(rows, columns=columns), total=total, page=page, page_size=page_size)
