"""The selectors behind filters and queues, read as their screens use them: order, contents, labels."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select, update

from lib import db, importing, queries, settlement, stats, vouchers
from lib.errors import PermissionDenied
from lib.labels import CATEGORIES, DEV_ZONES, DISTRICTS
from lib.models import Region
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    TODAY,
    make_batch,
    make_enterprise,
    make_provider,
    make_voucher,
    provider_actor,
    voucher_row,
)


def test_regions_list_districts_first_then_development_zones(database):
    regions = queries.regions()
    assert regions["name"].tolist() == DISTRICTS + DEV_ZONES  # DESIGN.md §7, in the manual's order
    with db.read_session() as s:
        kinds = dict(s.execute(select(Region.name, Region.kind)).all())
    assert regions["kind"].tolist() == [kinds[n] for n in DISTRICTS + DEV_ZONES]
    assert len(set(regions["kind"])) == 2
    with db.transaction() as s:
        s.execute(update(Region).where(Region.name == "高淳区").values(active=False))
    assert "高淳区" not in queries.regions()["name"].tolist()  # a retired region is no longer offered


def test_provider_and_category_options(database):
    b, a = make_provider("B服务商"), make_provider("A服务商")
    assert list(queries.provider_options().items()) == [(a, "A服务商"), (b, "B服务商")]  # by name
    assert list(queries.category_options().values()) == CATEGORIES


def test_filter_options_of_the_statistics(database):
    make_batch(2025)
    make_batch(2027)
    make_batch(2026)
    b, a = make_provider("B服务商"), make_provider("A服务商")
    options = stats.filter_options()
    assert options["years"] == [2027, 2026, 2025]
    assert list(options["regions"].values()) == DISTRICTS + DEV_ZONES
    assert list(options["providers"].items()) == [(a, "A服务商"), (b, "B服务商")]
    assert list(options["categories"].values()) == CATEGORIES


def test_the_withdrawal_queue_lists_open_requests_oldest_first(database):
    later = make_voucher(S.CONFIRMED, enterprise_id=make_enterprise("南京后申请有限公司"))
    first = make_voucher(S.PENDING_CONFIRM, enterprise_id=make_enterprise("南京先申请有限公司"))
    decided = make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=first["enterprise"], number=first["number"], reason="需求变化", now=NOW)
    vouchers.request_withdrawal(actor=later["enterprise"], number=later["number"], reason="换服务商",
                                now=NOW + timedelta(hours=1))
    vouchers.request_withdrawal(actor=decided["enterprise"], number=decided["number"], reason="x", now=NOW)
    vouchers.decide_withdrawal(actor=COMMISSION, number=decided["number"], approve=False, reason="不同意", now=NOW)
    queue = queries.open_withdrawals(COMMISSION)
    assert queue[["number", "enterprise_name", "status_label", "reason", "requested_at"]].values.tolist() == [
        [first["number"], "南京先申请有限公司", "已购买产品，待购买确认", "需求变化", NOW],
        [later["number"], "南京后申请有限公司", "已确认", "换服务商", NOW + timedelta(hours=1)],
    ]
    assert queue["provider_name"].notna().all() and queue["product_name"].notna().all()


def test_settled_vouchers_newest_first_with_their_amounts(database):
    a = make_voucher(S.EVALUATED, enterprise_id=make_enterprise("南京甲企业"))
    b = make_voucher(S.EVALUATED, enterprise_id=make_enterprise("南京乙企业"))
    make_voucher(S.EVALUATED)  # not settled
    vouchers.settle(actor=COMMISSION, number=a["number"], amount="8000", settled_on=TODAY - timedelta(days=2), now=NOW)
    vouchers.settle(actor=COMMISSION, number=b["number"], amount=None, settled_on=TODAY, now=NOW)
    settled = settlement.settlements(COMMISSION)
    assert settled.values.tolist() == [
        [b["number"], "南京乙企业", settled["provider_name"][0], Decimal("10000.00"), TODAY],
        [a["number"], "南京甲企业", settled["provider_name"][1], Decimal("8000.00"), TODAY - timedelta(days=2)],
    ]
    assert list(settled.columns) == list(settlement.SETTLED_COLUMNS)
    assert len(settlement.awaiting_settlement(COMMISSION)) == 1  # the settled ones left the queue


def test_the_settlement_queue_is_per_provider_when_asked(database):
    mine = make_provider()
    v = make_voucher(S.EVALUATED, provider_id=mine)
    make_voucher(S.EVALUATED)
    assert settlement.awaiting_settlement(COMMISSION, provider_id=mine)["number"].tolist() == [v["number"]]
    assert len(settlement.awaiting_settlement(COMMISSION)) == 2


def test_the_settlement_queue_is_paged_by_number_with_each_checklist(database):
    made = [make_voucher(S.EVALUATED, **({"contract_date": None} if i % 4 == 0 else {})) for i in range(23)]
    make_voucher(S.DELIVERED)  # not in the queue
    whole = settlement.awaiting_settlement(COMMISSION)
    first, last = settlement.awaiting_page(COMMISSION, page=1), settlement.awaiting_page(COMMISSION, page=9)
    assert (first.total, first.pages, last.page) == (23, 2, 2)  # a page past the end is the last one
    numbers = sorted(v["number"] for v in made)
    assert first.rows["number"].tolist() == numbers[:20] and last.rows["number"].tolist() == numbers[20:]
    paged = pd.concat([first.rows, last.rows], ignore_index=True)
    assert paged.equals(whole)  # the page and the export say the same of each voucher
    assert dict(zip(whole["number"], whole["missing"], strict=True)) == {
        v["number"]: "已签订合同" if i % 4 == 0 else "" for i, v in enumerate(made)}
    # the 兑付 form offers exactly the complete files, in number order, up to its limit
    assert settlement.ready_numbers(COMMISSION) == whole.loc[whole["ready"], "number"].tolist()
    assert settlement.ready_numbers(COMMISSION, limit=3) == whole.loc[whole["ready"], "number"].tolist()[:3]


def test_only_the_commission_reads_the_settlement_queue(database):
    v = make_voucher(S.EVALUATED)
    for read in (settlement.awaiting_page, settlement.ready_numbers, settlement.awaiting_settlement):
        with pytest.raises(PermissionDenied):
            read(provider_actor(v["provider_id"]))


def test_an_import_reports_each_bad_row_in_a_table(database):
    import io

    from tests.test_issuing import good_row, workbook
    make_batch(2026)
    rows = [good_row(1), good_row(2, region="上海市")]
    preview = importing.read_import(workbook(rows), batch_year=2026)
    assert not preview.ok
    table = pd.read_excel(io.BytesIO(preview.errors_excel("名单.xlsx")), header=4)
    assert list(table.columns) == ["行号", "列", "问题"]
    assert table.values.tolist() == [[3, "所属区", "“上海市”不是南京市的行政区或开发区，请填写："
                                      + "、".join(DISTRICTS + DEV_ZONES)]]


def test_name_searches_ignore_case_on_both_databases(database):
    from lib import auth, enterprises, products, providers
    from tests.builders import make_product, make_user
    ent = make_enterprise("ABC科技有限公司")
    make_voucher(S.ISSUED, enterprise_id=ent)
    provider = make_provider("Langkun智慧")
    make_product(provider)
    make_user("zeta")
    assert queries.voucher_page(COMMISSION, queries.VoucherFilters(enterprise_name="abc")).total == 1
    assert enterprises.search_enterprises(COMMISSION, search="abc").total == 1
    assert providers.all_providers(COMMISSION, "LANGKUN")["name"].tolist() == ["Langkun智慧"]
    assert products.offered_products(search="langkun").total == 1
    assert auth.accounts(COMMISSION, search="ZETA")["username"].tolist() == ["zeta"]


def test_a_settlement_queue_row_field_by_field(database):
    from tests.builders import rows
    provider = make_provider("朗坤")
    v = make_voucher(S.EVALUATED, provider_id=provider, enterprise_id=make_enterprise("测试1212"), service_records=2,
                     scores=[9, 9, 9, 14, 13, 13, 9, 14])
    frame = settlement.awaiting_settlement(COMMISSION)
    assert list(frame.columns) == ["number", "enterprise_name", "provider_name", "product_name", "face_value", "price",
                                   "contract_date", "delivered_on", "delivery_content", "services", "total", "missing",
                                   "ready"]
    [row] = rows(frame.drop(columns=["product_name"]))
    assert row == [v["number"], "测试1212", "朗坤", Decimal("10000.00"), Decimal("19800.00"),
                   TODAY - timedelta(days=16),
                   TODAY - timedelta(days=5), "系统上线", 2, 90, "", True]
    assert frame["product_name"][0].startswith("产品")


def test_the_settlement_export_stops_at_its_limit_in_number_order(database):
    from sqlalchemy import insert

    from lib.models import Voucher
    v = make_voucher(S.EVALUATED)
    stored = voucher_row(v["number"])
    template = {c: getattr(stored, c) for c in ("batch_id", "enterprise_id", "face_value", "status", "issued_at",
                                                "updated_at", "withdrawal_pending", "provider_id", "product_id",
                                                "price",
                                                "contract_date", "delivered_on", "delivery_content")}
    with db.transaction() as s:
        s.execute(insert(Voucher), [{**template, "number": f"27{i:05d}"} for i in range(2000)])
    exported = settlement.awaiting_settlement(COMMISSION, limit=1500)
    assert len(exported) == 1500 and exported["number"].iloc[0] == v["number"]
    assert len(settlement.awaiting_settlement(COMMISSION)) == 2001


def test_the_settlement_queue_counts_each_vouchers_records_in_number_order(database):
    late = make_voucher(S.EVALUATED, number="2600009", service_records=3)
    early = make_voucher(S.EVALUATED, number="2600001", service_records=1)
    queue = settlement.awaiting_settlement(COMMISSION)
    assert queue[["number", "services"]].values.tolist() == [[early["number"], 1], [late["number"], 3]]


def test_a_region_added_later_takes_its_place_by_kind_and_order(database):
    from sqlalchemy import select as sql_select
    with db.transaction() as s:
        district = s.scalar(sql_select(Region.kind).where(Region.name == "玄武区"))
        s.add(Region(name="新设区", kind=district, sort_order=999, active=True))
        s.add(Region(name="首设区", kind=district, sort_order=-1, active=True))
    names = queries.regions()["name"].tolist()
    assert names == ["首设区", *DISTRICTS, "新设区", *DEV_ZONES]
    with db.read_session() as s:
        ids = dict(s.execute(sql_select(Region.name, Region.id)).all())
    assert queries.regions().set_index("name")["id"].to_dict() == {n: ids[n] for n in names}


def test_the_settled_list_shows_at_most_5000(database):
    from sqlalchemy import insert
    from sqlalchemy import select as sql_select

    from lib.models import Settlement, Voucher
    v = make_voucher(S.SETTLED)
    stored = voucher_row(v["number"])
    template = {c: getattr(stored, c) for c in ("batch_id", "enterprise_id", "face_value", "status", "issued_at",
                                                "updated_at", "withdrawal_pending", "provider_id", "product_id")}
    with db.transaction() as s:
        s.execute(insert(Voucher), [{**template, "number": f"27{i:05d}"} for i in range(5000)])
        ids = s.scalars(sql_select(Voucher.id)).all()
        s.execute(insert(Settlement), [{"voucher_id": i, "amount": Decimal("1.00"), "settled_on": TODAY,
                                        "created_at": NOW} for i in ids])
    assert len(settlement.settlements(COMMISSION)) == 5000


def test_the_withdrawal_queue_is_by_time_of_request_not_of_entry(database):
    a, b = make_voucher(S.CONFIRMED), make_voucher(S.CONFIRMED)
    vouchers.request_withdrawal(actor=a["enterprise"], number=a["number"], reason="晚", now=NOW + timedelta(hours=2))
    vouchers.request_withdrawal(actor=b["enterprise"], number=b["number"], reason="早", now=NOW)
    assert queries.open_withdrawals(COMMISSION)["reason"].tolist() == ["早", "晚"]


def test_statistics_filters_offer_regions_added_later_in_place(database):
    from sqlalchemy import select as sql_select
    with db.transaction() as s:
        district = s.scalar(sql_select(Region.kind).where(Region.name == "玄武区"))
        s.add(Region(name="新设区", kind=district, sort_order=999, active=True))
        s.add(Region(name="首设区", kind=district, sort_order=-1, active=True))
    assert list(stats.filter_options()["regions"].values()) == ["首设区", *DISTRICTS, "新设区", *DEV_ZONES]


def test_every_paged_list_keeps_the_page_within_its_pages(database):
    """企业管理, the catalogue, the audit log and the voucher list share one Page: a page past the end shows the
    last page (a bookmark after rows were deleted), a page before the start shows the first."""
    from lib import enterprises
    for n in range(25):
        make_enterprise(f"分页企业{n:02d}")
    last = enterprises.search_enterprises(COMMISSION, search="分页企业", page=9)
    assert (last.total, last.page, last.pages, last.first_row, last.last_row) == (25, 2, 2, 21, 25)
    assert last.rows["name"].tolist() == [f"分页企业{n:02d}" for n in (4, 3, 2, 1, 0)]  # newest first
    first = enterprises.search_enterprises(COMMISSION, search="分页企业", page=0)
    assert (first.page, first.first_row, first.last_row, len(first.rows)) == (1, 1, 20, 20)
    none = enterprises.search_enterprises(COMMISSION, search="没有这家企业", page=3)
    assert (none.total, none.page, none.pages, none.first_row, none.last_row, len(none.rows)) == (0, 1, 0, 0, 0, 0)


def test_an_incomplete_file_in_the_settlement_queue_says_what_is_missing(database):
    """A voucher evaluated without any service record: 0 records, not ready, and the one item missing named."""
    from tests.builders import rows
    v = make_voucher(S.EVALUATED, service_records=0)
    frame = settlement.awaiting_settlement(COMMISSION)
    [row] = rows(frame[["number", "services", "ready", "missing"]])
    assert row == [v["number"], 0, False, "至少一条服务信息"]


def test_an_empty_settlement_queue_still_has_its_columns(database):
    frame = settlement.awaiting_settlement(COMMISSION)
    assert frame.empty and list(frame.columns) == ["number", "enterprise_name", "provider_name", "product_name",
                                                   "face_value", "price", "contract_date", "delivered_on",
                                                   "delivery_content", "services", "total", "missing", "ready"]


def test_my_vouchers_carry_what_the_enterprise_may_do_next(database):
    """我的服务券 answers what the pages ask (Action.X in v.actions, v.evaluated, v.expired) from the workflow."""
    from lib.workflow import Action
    from tests.builders import enterprise_actor
    ent = make_enterprise()
    made = {status: make_voucher(status, enterprise_id=ent)["number"] for status in
            (S.ISSUED, S.ACTIVATED, S.PENDING_CONFIRM, S.DELIVERED, S.EVALUATED, S.SETTLED, S.EXPIRED)}
    waiting = make_voucher(S.CONFIRMED, enterprise_id=ent, withdrawal_pending=True)["number"]
    mine = {v.number: v for v in queries.enterprise_vouchers(enterprise_actor(ent), now=NOW)}
    assert {s: mine[n].actions for s, n in made.items()} == {
        S.ISSUED: {Action.ACTIVATE}, S.ACTIVATED: {Action.CHOOSE_PRODUCT},
        S.PENDING_CONFIRM: {Action.REQUEST_WITHDRAWAL},
        S.DELIVERED: {Action.EVALUATE}, S.EVALUATED: set(), S.SETTLED: set(), S.EXPIRED: set()}
    assert mine[waiting].actions == set()  # already withdrawn: waits for the commission
    assert [s for s, n in made.items() if mine[n].evaluated] == [S.EVALUATED, S.SETTLED]
    assert [s for s, n in made.items() if mine[n].expired] == [S.EXPIRED]


def test_the_voucher_detail_carries_what_its_viewer_may_do(database):
    from lib.workflow import Action
    v = make_voucher(S.CONFIRMED, contract=False)
    assert queries.voucher_detail(v["provider"], v["number"]).actions == {Action.SIGN_CONTRACT}
    assert queries.voucher_detail(v["enterprise"], v["number"]).actions == {Action.REQUEST_WITHDRAWAL}
    assert queries.voucher_detail(COMMISSION, v["number"]).actions == {Action.VOID}
