"""Statistics (DESIGN.md §6), aggregated in SQL: `scope` (filters and the voucher set they select, shared
helpers), `vouchers` (服务券统计) and `evaluations` (评价统计). The names below are the 服务券统计 API."""
from lib.stats.scope import NO_FILTERS, StatsFilters, cache_key, data_version, filter_options
from lib.stats.vouchers import (
    DEFINITIONS,
    ageing,
    category_share,
    cycle_times,
    funnel,
    kpis,
    monthly,
    provider_league,
    region_rates,
    region_status,
)
from lib.summaries import one_reading

__all__ = ["DEFINITIONS", "NO_FILTERS", "StatsFilters", "ageing", "cache_key", "category_share", "cycle_times",
           "data_version", "filter_options", "funnel", "kpis", "monthly", "one_reading", "provider_league",
           "region_rates", "region_status"]
