"""Time: stored in UTC, shown and reasoned about as dates in Asia/Shanghai."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime | None = None) -> date:
    """The calendar day in Nanjing at `moment` (now by default)."""
    return (moment or utcnow()).astimezone(LOCAL_TZ).date()


def to_local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LOCAL_TZ) if moment else None


def day_start(day: date) -> datetime:
    """Midnight in Nanjing at the start of `day`: the bound of a date filter on UTC timestamps."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def fmt_datetime(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def fmt_datetimes(moments: pd.Series) -> pd.Series:
    """`fmt_datetime` of a column at once (a list of 200 waiting vouchers, converted one by one, was a sixth of
    服务券统计's run)."""
    shown = pd.to_datetime(moments, utc=True).dt.tz_convert(LOCAL_TZ).dt.strftime("%Y-%m-%d %H:%M")
    return shown.fillna("").astype(object)


def fmt_date(day: date | None) -> str:
    return day.isoformat() if day else ""
