"""The statistics' summary tables (lib.summaries) equal a full recomputation from the base tables after a
random sequence of every action, on both databases; the rebuild command restores them; caches key on
table versions that every write moves and logins do not."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from lib import db, engineers, enterprises, products, review, risk, summaries, vouchers
from lib.derived_models import RiskFlag, VoucherCube
from lib.errors import DomainError
from lib.models import Enterprise, Evaluation, Product, ServiceRecord, Voucher
from lib.workflow import VoucherStatus as S
from tests.builders import (
    COMMISSION,
    NOW,
    enterprise_actor,
    make_engineer,
    make_enterprise,
    make_product,
    make_provider,
    make_voucher,
    provider_actor,
)
from tests.test_vouchers import evaluation_args, own_profile

RARE = {"void": 0.2, "expire": 0.2, "size": 0.1, "category": 0.1, "rename": 0.1}  # the rest weigh 4
TEXTS = ["上门调试系统并培训操作人员", "现场排查网络故障并恢复服务", "远程协助", "安装部署并完成数据迁移"]
STATUSES = [S.ISSUED, S.ISSUED, S.ISSUED, S.ACTIVATED, S.PENDING_CONFIRM, S.CONFIRMED, S.DELIVERED, S.EVALUATED]


def stored_and_recomputed() -> tuple[dict, dict]:
    with db.get_engine().connect() as conn:
        stored = summaries.read_all(conn)
        recomputed = {k: v for k, v in summaries.total(conn.execute(summaries.SOURCE)).items() if any(v)}
    return stored, recomputed | kept_medians(recomputed)


def kept_medians(recomputed: dict) -> dict:
    """`cycle_medians` as the recomputed histograms of each 服务商 over every month give it: the two middle
    values of the sorted days (equal for an odd count) and the count."""
    days: dict[tuple, list] = {}
    provider, series = summaries.KEYS["cycles"].index("provider_id"), summaries.KEYS["cycles"].index("series")
    for (table, key), measures in recomputed.items():
        if table == "cycles" and key[0] == summaries.PROVIDER_GRAIN:
            days.setdefault((key[provider], key[series]), []).extend([key[-1]] * measures[0])
    return {("medians", k): (sorted(v)[(len(v) - 1) // 2], sorted(v)[len(v) // 2], len(v)) for k, v in days.items()}


class Walk:
    """Vouchers in every status, then random actions by every role, each one transaction as in the app."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.providers = [make_provider() for _ in range(3)]
        self.engineers = {p: make_engineer(p) for p in self.providers}
        self.products = {p: [make_product(p, price=rng.choice(["8000.00", "19800.00", "12345.67"]))
                             for _ in range(2)] for p in self.providers}
        self.vouchers = []
        for i in range(24):
            status = rng.choice(STATUSES)
            provider = rng.choice(self.providers)
            issued = NOW - timedelta(days=rng.randint(0, 120))
            self.vouchers.append(make_voucher(status, provider_id=provider, issued_at=issued,
                                              contract=True if status == S.CONFIRMED else None,
                                              enterprise_id=make_enterprise(region=rng.choice(["江宁区", "鼓楼区"]))
                                              if i % 3 else None))
        # a record dated before its contract (a back-dated contract), raised as the voucher is written
        self.vouchers.append(make_voucher(S.DELIVERED, provider_id=self.providers[0], service_records=2,
                                          contract_date=NOW.date() - timedelta(days=9)))
        self.done: Counter = Counter()
        self.now = NOW
        self.last = self.vouchers[0]

    def _current(self, v: dict) -> Voucher:
        with db.read_session() as s:
            return s.scalars(select(Voucher).where(Voucher.number == v["number"])).one()

    def actions(self, v: dict) -> dict:
        row = self._current(v)
        provider = provider_actor(row.provider_id or self.providers[0])
        engineer = self.engineers.get(row.provider_id, self.engineers[self.providers[0]])
        ent, day, rng = enterprise_actor(v["enterprise_id"]), self.now.date(), self.rng
        return {
            "activate": lambda: vouchers.activate(actor=ent, number=v["number"], profile=own_profile(v), now=self.now),
            "choose": lambda: vouchers.choose_product(actor=ent, number=v["number"], now=self.now,
                                                     product_id=rng.choice(self.products[rng.choice(self.providers)])),
            "withdraw": lambda: vouchers.request_withdrawal(actor=ent, number=v["number"], reason="服务商未联系",
                                                            now=self.now),
            "decide": lambda: vouchers.decide_withdrawal(actor=COMMISSION, number=v["number"], now=self.now,
                                                         approve=rng.random() < 0.6, reason="理由不充分"),
            "confirm": lambda: vouchers.confirm_purchase(actor=provider, number=v["number"], now=self.now),
            "decline": lambda: vouchers.decline(actor=provider, number=v["number"], reason="无法服务", now=self.now),
            "contract": lambda: vouchers.sign_contract(actor=provider, number=v["number"], contract_date=day,
                                                       now=self.now),
            "service": lambda: vouchers.add_service_record(actor=provider, number=v["number"], engineer_id=engineer,
                                                           service_date=day - timedelta(days=rng.randint(0, 3)),
                                                           description=rng.choice(TEXTS), now=self.now),
            "edit_service": lambda: self._edit_service(v, provider),
            "rename": lambda: engineers.update_engineer(actor=provider, engineer_id=engineer, now=self.now,
                                                        data={"name": rng.choice(["张工", "李工", "王工"]),
                                                              "mobile": f"1391234{engineer:04d}"}),
            "deliver": lambda: vouchers.record_delivery(actor=provider, number=v["number"], now=self.now,
                                                        delivered_on=day, content="系统上线"),
            "evaluate": lambda: vouchers.evaluate(actor=ent, number=v["number"], now=self.now, **evaluation_args()),
            "settle": lambda: vouchers.settle(actor=COMMISSION, number=v["number"], now=self.now,
                                              amount=rng.choice([None, "9876.54"]), settled_on=day),
            "extend": lambda: vouchers.extend(actor=COMMISSION, number=v["number"], days=10, reason="企业申请",
                                              now=self.now),
            "void": lambda: vouchers.void(actor=COMMISSION, number=v["number"], reason="企业注销", now=self.now),
            "expire": lambda: vouchers.expire(number=v["number"], now=self.now + timedelta(days=60)) or self.fail(),
            "size": lambda: self._enterprise(v),
            "category": lambda: self._category(row.product_id),
        }

    @staticmethod
    def fail():
        raise DomainError("nothing expired")

    def _edit_service(self, v: dict, provider) -> None:
        with db.read_session() as s:
            records = list(s.scalars(select(ServiceRecord).where(ServiceRecord.voucher_id == v["id"])
                                     .order_by(ServiceRecord.id)))
        if not records:
            raise DomainError("no record")
        record = self.rng.choice(records)
        vouchers.edit_service_record(actor=provider, record_id=record.id, now=self.now,
                                     engineer_id=self.rng.choice([record.engineer_id, *self.engineers.values()]),
                                     service_date=record.service_date + timedelta(days=self.rng.choice([-1, 0, 1])),
                                     description=self.rng.choice(TEXTS))

    def _enterprise(self, v: dict) -> None:
        size = self.rng.choice(["小型", "微型", "中型"])
        region = self.rng.choice(["江宁区", "鼓楼区", "玄武区"])
        with db.read_session() as s:
            ent = s.get(Enterprise, v["enterprise_id"])
        enterprises.admin_update(actor=COMMISSION, enterprise_id=ent.id, now=self.now,
                                 data={"credit_code": ent.credit_code, "name": ent.name, "region": region,
                                       "size": size})

    def _category(self, product_id: int | None) -> None:
        if product_id is None:
            raise DomainError("no product")
        with db.read_session() as s:
            product = s.get(Product, product_id)
        category = self.rng.choice(["信息安全", "企业资源计划（ERP）/进销存"])
        actor = provider_actor(product.provider_id)
        products.update_product(actor=actor, product_id=product_id, now=self.now,
                                data={"name": product.name, "category": category, "price": str(product.price),
                                      "problems": "一体化"})
        review.decide(actor=COMMISSION, product_id=product_id, approve=True, now=self.now)

    def step(self) -> None:
        # often the next step on the same voucher minutes later (as a user works), else another one hours later
        same = self.rng.random() < 0.5
        self.now += timedelta(minutes=self.rng.randint(1, 10) if same else self.rng.randint(10, 300))
        v = self.last = self.last if same else self.rng.choice(self.vouchers)
        actions = self.actions(v)
        # the actions in a random order, rare ones late (a weighted shuffle); the first the rules allow is done
        order = sorted(actions, key=lambda n: self.rng.random() ** (1 / RARE.get(n, 4)), reverse=True)
        for name in order:
            try:
                actions[name]()
            except DomainError:
                continue
            self.done[name] += 1
            return


def test_the_summaries_equal_a_full_recomputation_after_random_actions_of_every_kind(database):
    walk = Walk(random.Random(14))
    raised = set()
    for _ in range(400):
        walk.step()
        with db.read_session() as s:  # a later step may clear a flag again: note every signal ever raised
            raised |= set(s.scalars(select(RiskFlag.signal).distinct()))
    assert set(walk.done) == set(walk.actions(walk.vouchers[0])), f"some actions never succeeded: {walk.done}"
    stored, recomputed = stored_and_recomputed()
    assert stored == recomputed
    for grain in range(len(summaries.GRAINS)):  # every grain counts every voucher once
        assert sum(m[0] for (table, key), m in stored.items() if table == "cube" and key[0] == grain) \
            == len(walk.vouchers)
    with db.get_engine().connect() as conn:
        flags, decided = risk.stored(conn), risk.recompute(conn)
    assert flags == decided
    assert raised == {s.key for s in risk.SIGNALS}, "the walk raised every signal at some point"


def test_rebuild_summaries_restores_what_a_bulk_write_left_behind(database):
    v = make_voucher(S.DELIVERED)
    make_voucher(S.SETTLED)
    with db.get_engine().begin() as conn:  # a bulk UPDATE passes by the flush listeners
        conn.execute(update(Voucher).where(Voucher.id == v["id"]).values(status=str(S.VOIDED)))
    stored, recomputed = stored_and_recomputed()
    assert stored != recomputed
    with db.get_engine().begin() as conn:
        assert summaries.rebuild(conn) == len(recomputed)
    stored, recomputed = stored_and_recomputed()
    assert stored == recomputed
    with db.read_session() as s:
        assert s.scalar(select(VoucherCube.n).where(VoucherCube.grain == 0, VoucherCube.status == str(S.VOIDED))) == 1


def test_table_versions_move_with_the_tables_a_write_touches(database):
    v = make_voucher(S.PENDING_CONFIRM)
    with db.get_engine().connect() as conn:
        before = dict(zip(["evaluations", "vouchers"], summaries.versions(conn, ["evaluations", "vouchers"]),
                          strict=True))
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)
    with db.get_engine().connect() as conn:
        after = dict(zip(["evaluations", "vouchers"], summaries.versions(conn, ["evaluations", "vouchers"]),
                         strict=True))
    assert after["vouchers"] == before["vouchers"] + 1
    assert after["evaluations"] == before["evaluations"]  # a result read from evaluations only stays cached


def test_date_ranges_that_cut_months_add_the_edge_days_from_the_vouchers(database):
    from datetime import date

    from lib import clock, stats
    from lib.workflow import CHOSEN, in_order
    walk = Walk(random.Random(7))
    with db.read_session() as s:
        rows = [(clock.local_date(v.issued_at), v.status, v.face_value) for v in s.scalars(select(Voucher))]
    days = sorted({d for d, _, _ in rows})
    ranges = [(None, None), (days[0], days[-1]), (date(2026, 9, 1), date(2026, 10, 31)),  # whole months
              (date(2026, 9, 17), date(2026, 11, 3)), (date(2026, 10, 5), date(2026, 10, 20)),  # cut months
              (date(2026, 10, 31), date(2026, 11, 1)), (date(2026, 11, 1), None), (None, date(2026, 8, 31)),
              (date(2026, 11, 5), date(2026, 10, 5))]  # an empty range
    for start, end in ranges:
        inside = [(st, face) for d, st, face in rows if (start is None or d >= start) and (end is None or d <= end)]
        k = stats.kpis(COMMISSION, stats.StatsFilters(start=start, end=end))
        assert k["issued"] == len(inside), (start, end)
        assert k["used"] == sum(1 for st, _ in inside if st in in_order(CHOSEN)), (start, end)
        assert k["committed"] == sum((f for st, f in inside if st in in_order(CHOSEN)), 0), (start, end)
        issued = stats.monthly(COMMISSION, stats.StatsFilters(start=start, end=end))
        assert issued.loc[issued["series"] == "发放", "count"].sum() == len(inside), (start, end)
    assert len(walk.vouchers) == len(rows)


def test_a_date_range_counts_a_voucher_by_its_nanjing_day_of_issue_at_midnight(database):
    """Nanjing is UTC+8: a voucher issued at 00:30 on 10 October in Nanjing was issued on 9 October in UTC. A range
    from 10 October (cutting the month, so its first days are read at the day grain) counts it; one that ends on 9
    October does not. 23:30 on 31 October belongs to October, not to November."""
    from datetime import UTC, date, datetime

    from lib import stats
    utc = UTC
    early = make_voucher(S.ISSUED, issued_at=datetime(2026, 10, 9, 16, 30, tzinfo=utc))  # 10 Oct 00:30 in Nanjing
    late = make_voucher(S.ISSUED, issued_at=datetime(2026, 10, 31, 15, 30, tzinfo=utc))  # 31 Oct 23:30 in Nanjing
    assert early and late

    def issued(start, end):
        return stats.kpis(COMMISSION, stats.StatsFilters(start=start, end=end))["issued"]
    assert issued(date(2026, 10, 10), date(2026, 10, 20)) == 1
    assert issued(date(2026, 9, 20), date(2026, 10, 9)) == 0
    assert issued(date(2026, 10, 31), date(2026, 11, 15)) == 1
    assert issued(date(2026, 11, 1), date(2026, 11, 15)) == 0
    assert issued(date(2026, 9, 20), date(2026, 11, 15)) == 2


def test_the_statistics_cache_key_is_the_scope_and_the_versions_of_what_it_reads(database):
    from dataclasses import replace

    from lib import stats
    v = make_voucher(S.CONFIRMED, contract=True)
    other_officer = replace(COMMISSION, user_id=99, username="officer2", display_name="另一位")
    key = stats.cache_key(stats.kpis, COMMISSION)
    assert stats.cache_key(stats.kpis, other_officer) == key  # every commission user shares the result
    assert stats.cache_key(stats.kpis, v["provider"]) != key  # a provider sees only its own vouchers
    vouchers.add_service_record(actor=v["provider"], number=v["number"], engineer_id=v["engineer_id"],
                                service_date=NOW.date(), description="上门培训", now=NOW)
    assert stats.cache_key(stats.kpis, COMMISSION) == key  # no figure changed: the cached result stays
    before_ageing = stats.cache_key(stats.ageing, COMMISSION)
    vouchers.record_delivery(actor=v["provider"], number=v["number"], delivered_on=NOW.date(), content="上线",
                             now=NOW)
    assert stats.cache_key(stats.kpis, COMMISSION) != key
    assert stats.cache_key(stats.ageing, COMMISSION) != before_ageing


def test_every_page_of_a_list_holds_what_reading_from_the_start_gives_and_totals_match_a_count(database):
    from lib import queries
    from lib.queries import VoucherFilters
    walk = Walk(random.Random(3))
    for _ in range(40):
        walk.step()
    provider = provider_actor(walk.providers[0])
    with db.read_session() as s:
        everything = list(s.scalars(select(Voucher.number).order_by(Voucher.number.desc())))
        region = s.scalar(select(Enterprise.region_id).limit(1))
    pages = [queries.voucher_page(COMMISSION, page=p, page_size=7) for p in range(1, -(-len(everything) // 7) + 1)]
    assert [n for page in pages for n in page.rows["number"]] == everything  # 末页 read backwards, same rows
    assert {page.total for page in pages} == {len(everything)}
    assert queries.voucher_page(COMMISSION, page=99, page_size=7).rows["number"].tolist() == everything[21:]
    for actor in (COMMISSION, provider):
        for f in (VoucherFilters(), VoucherFilters(status=str(S.ISSUED)), VoucherFilters(region_id=region),
                  VoucherFilters(provider_id=walk.providers[1]), VoucherFilters(category_id=1),
                  VoucherFilters(status=str(S.DELIVERED), region_id=region), VoucherFilters(number="26")):
            page = queries.voucher_page(actor, f, page_size=5)
            counted = len(queries.voucher_export_rows(actor, f))  # the rows themselves, counted one by one
            assert page.total == counted, (actor.role, f)


def test_a_name_search_finds_renamed_and_new_enterprises_through_the_trigram_index(database):
    from lib import queries
    from lib.queries import VoucherFilters
    v = make_voucher(S.ISSUED)
    with db.read_session() as s:
        old_name = s.get(Enterprise, v["enterprise_id"]).name
    enterprises.admin_update(actor=COMMISSION, enterprise_id=v["enterprise_id"], now=NOW,
                             data={"credit_code": voucher_credit_code(v), "name": "南京栖霞Alpha智造有限公司",
                                   "region": "栖霞区"})
    make_voucher(S.ISSUED, enterprise_id=make_enterprise("南京江北新区智造科技有限公司"))
    found = {text: queries.voucher_page(COMMISSION, VoucherFilters(enterprise_name=text)).rows["enterprise_name"]
             .tolist() for text in ("智造", "栖霞alpha智造", "ALPHA", old_name, "新区智造科", "100%智造")}
    assert found["智造"] == ["南京江北新区智造科技有限公司", "南京栖霞Alpha智造有限公司"]  # two characters: no index
    assert found["栖霞alpha智造"] == found["ALPHA"] == ["南京栖霞Alpha智造有限公司"]  # any case, like before
    assert found["新区智造科"] == ["南京江北新区智造科技有限公司"]
    assert found[old_name] == found["100%智造"] == []


def test_two_characters_of_a_name_are_looked_up_in_an_index_of_name_pieces(database):
    """A trigram index cannot narrow two characters; the names' two-character pieces are indexed (PostgreSQL's GIN
    index, migration 0012; SQLite's FTS5 table kept by triggers, migration 0013). The lookup finds what a scan finds:
    in any case of Latin letters, with digits and punctuation, after a rename (the old name's pieces are gone), and
    the database answers it from the index (PostgreSQL forbidden to scan the table, as it would for a province's
    million names; SQLite's plan reads the pieces' table)."""
    from sqlalchemy import func, text

    from lib import queries
    from lib.queries import VoucherFilters
    names = ["南京栖霞Alpha智造有限公司", "南京江北新区智造科技有限公司", "南京智能制造有限公司",
             "南京紫金科技（2026）有限公司"]
    ids = [make_enterprise(name) for name in names]
    for enterprise_id in ids:
        make_voucher(S.ISSUED, enterprise_id=enterprise_id)

    def search(piece: str) -> set[str]:
        return set(queries.voucher_page(COMMISSION, VoucherFilters(enterprise_name=piece)).rows["enterprise_name"])
    for piece in ("智造", "ph", "PH", "南京", "造科", "科技", "紫", "司有", "20", "（2", "6）", "华为"):
        assert search(piece) == {n for n in names if piece.lower() in n.lower()}, piece
    enterprises.admin_update(actor=COMMISSION, enterprise_id=ids[2], now=NOW,
                             data={"credit_code": credit_code_of(ids[2]), "name": "南京玄武数控有限公司",
                                   "region": "玄武区"})
    names[2] = "南京玄武数控有限公司"
    for piece in ("智能", "制造", "数控", "玄武"):
        assert search(piece) == {n for n in names if piece in n}, piece
    with db.get_engine().connect() as conn:
        query = select(func.count()).select_from(Enterprise).where(db.name_contains(Enterprise, "智造"))
        compiled = query.compile(conn)
        if conn.dialect.name == "postgresql":
            for scan in ("seqscan", "indexscan", "indexonlyscan"):  # the table, or the name's own b-tree, whole
                conn.execute(text(f"SET enable_{scan} = off"))
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
            assert "Bitmap Index Scan on ix_enterprises_name_bigrams" in plan, plan
        else:
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[k] for k in compiled.positiontup)))
            assert "VIRTUAL TABLE INDEX" in plan and "enterprises_name_pieces" in plan, plan
            kept = conn.exec_driver_sql("SELECT rowid FROM enterprises_name_pieces WHERE pieces MATCH ?",
                                        ('"智能"',)).all()
            assert kept == [], "the renamed name's old pieces are gone from the index"
        assert conn.scalar(query) == 2


def credit_code_of(enterprise_id: int) -> str:
    with db.read_session() as s:
        return s.get(Enterprise, enterprise_id).credit_code


def voucher_credit_code(v: dict) -> str:
    with db.read_session() as s:
        return s.get(Enterprise, v["enterprise_id"]).credit_code


def test_upgrading_a_database_that_holds_vouchers_fills_every_derived_table(database):
    """A database from before the summaries (revision 0006) gets them filled by the upgrade, at the newest
    schema, equal to what the writes themselves kept."""
    from alembic import command
    walk = Walk(random.Random(23))
    for _ in range(40):
        walk.step()
    with db.get_engine().connect() as conn:
        kept, flags = summaries.read_all(conn), risk.stored(conn)
    assert {table for table, _ in kept} == {*summaries.TABLES, "medians"}  # every summary has rows to lose
    db.get_engine().dispose()
    command.downgrade(db.alembic_config(), "0006")
    command.upgrade(db.alembic_config(), "head")
    with db.get_engine().connect() as conn:
        assert summaries.read_all(conn) == kept
        assert risk.stored(conn) == flags


def test_upgrading_to_the_kept_medians_fills_them_from_the_histograms_alone(database):
    """Revision 0010 adds cycle_medians and fills them from cycle_times (no rebuild of the other summaries): the
    same medians as the writes keep."""
    from alembic import command
    walk = Walk(random.Random(29))
    for _ in range(40):
        walk.step()
    with db.get_engine().connect() as conn:
        kept = {k: v for k, v in summaries.read_all(conn).items() if k[0] == "medians"}
    assert kept, "the walk confirmed or delivered some vouchers"
    db.get_engine().dispose()
    command.downgrade(db.alembic_config(), "0009")
    command.upgrade(db.alembic_config(), "head")
    with db.get_engine().connect() as conn:
        assert {k: v for k, v in summaries.read_all(conn).items() if k[0] == "medians"} == kept


def test_upgrading_to_the_day_grain_fills_it_from_the_vouchers_and_keeps_the_rest(database):
    """Revision 0011 adds the day grain (the edge days of a 发放日期 range) and fills it from the base tables,
    equal to what the writes keep; the other grains are left as they were."""
    from alembic import command
    walk = Walk(random.Random(31))
    for _ in range(40):
        walk.step()
    with db.get_engine().connect() as conn:
        kept = summaries.read_all(conn)
    from lib import clock
    with db.read_session() as s:
        issued = {clock.local_date(v).isoformat() for v in s.scalars(select(Voucher.issued_at))}
    assert {k[2] for (t, k) in kept if t == "cube" and k[0] == summaries.DAY_GRAIN} == issued  # by day of issue
    db.get_engine().dispose()
    command.downgrade(db.alembic_config(), "0010")
    with db.get_engine().connect() as conn:
        assert not {k for (t, k) in summaries.read_all(conn) if k[0] % summaries.BY_EVAL_MONTH
                    == summaries.DAY_GRAIN}
    command.upgrade(db.alembic_config(), "head")
    with db.get_engine().connect() as conn:
        assert summaries.read_all(conn) == kept


def test_editing_a_record_away_clears_the_flag_it_raised_on_the_other_voucher(database):
    provider = make_provider()
    engineer = make_engineer(provider)
    first, second = (make_voucher(S.CONFIRMED, provider_id=provider, contract=True) for _ in range(2))
    actor, day = provider_actor(provider), NOW.date()
    ids = {}
    for v in (first, second):
        ids[v["number"]] = vouchers.add_service_record(actor=actor, number=v["number"], engineer_id=engineer,
                                                       service_date=day, description="上门调试系统并培训操作人员",
                                                       now=NOW)

    def raised() -> set:
        with db.get_engine().connect() as conn:
            flags = risk.stored(conn)
            assert flags == risk.recompute(conn)
        return {(key, voucher_id) for key, voucher_id, *_ in flags}

    both = {first["id"], second["id"]}
    assert raised() == {(k, i) for k in ("same_day", "same_text") for i in both}
    vouchers.edit_service_record(actor=actor, record_id=ids[second["number"]], engineer_id=engineer,
                                 service_date=day - timedelta(days=1), description="现场排查网络故障并恢复服务",
                                 now=NOW)
    assert raised() == set()  # the first voucher's flags went with the second's old day and text


def test_medians_from_day_histograms_equal_the_median_of_the_days_themselves():
    import statistics

    import pandas as pd

    from lib.stats.vouchers import medians
    rng = random.Random(5)
    samples = {g: [rng.choice([-1, 0, 0, 1, 2, 3, 5, 8, 13, 40]) for _ in range(rng.randint(1, 30))]
               for g in range(60)}
    histograms = pd.DataFrame([(g, day, n) for g, days in samples.items() for day, n in Counter(days).items()]
                              + [(0, 99, 0)], columns=["group", "days", "n"])  # an emptied bucket counts for nothing
    found = medians(histograms, ["group"])
    assert {g: found[g] for g in samples} == {g: round(statistics.median(days), 1) for g, days in samples.items()}


def test_the_databases_medians_from_day_histograms_equal_the_median_of_the_days_themselves(database):
    """服务商排行's medians are computed by the database from the summary's day histograms (only the medians come
    back; over every month, kept in cycle_medians): against Python's statistics.median of the days themselves,
    odd and even counts, negative days."""
    import statistics

    from lib.derived_models import CycleTime
    from lib.stats import NO_FILTERS, cube
    rng = random.Random(7)
    samples = {(g, series): [rng.choice([-1, 0, 0, 1, 2, 3, 5, 8, 13, 40]) for _ in range(rng.randint(1, 30))]
               for g in range(1, 41) for series in ("confirm", "deliver")}
    blank = {"grain": summaries.GRAINS.index(("provider_id",)), "batch_id": 0, "month": "", "region_id": 0,
             "size": "", "category_id": 0}
    with db.transaction() as s:
        s.add_all(CycleTime(**blank, provider_id=g, series=series, days=day, n=n)
                  for (g, series), days in samples.items() for day, n in Counter(days).items())
        s.add(CycleTime(**blank, provider_id=1, series="confirm", days=99, n=0))  # an emptied bucket: nothing
        s.flush()
        summaries.refresh_medians(s.connection())  # unfiltered, 服务商排行 reads them as kept (cycle_medians)
    found = cube.median_days(COMMISSION, NO_FILTERS, ["provider_id", "series"])
    assert {(g, series): m for g, series, m in found.itertuples(index=False)} == {
        key: round(statistics.median(days), 1) for key, days in samples.items()}


def test_every_filter_combination_reads_a_grain_that_counts_like_the_vouchers_themselves(database):
    import statistics
    from dataclasses import replace
    from itertools import product as combinations

    import pandas as pd

    from lib import clock, stats
    from lib.stats import evaluations
    from lib.workflow import CHOSEN, in_order
    walk = Walk(random.Random(11))
    for _ in range(60):
        walk.step()
    with db.read_session() as s:
        scores = dict(s.execute(select(Evaluation.voucher_id, Evaluation.total)).all())
        rows = [(clock.local_date(v.issued_at), v.status, v.enterprise.region_id, v.enterprise.size or "",
                 v.provider_id, v.product.category_id if v.product else None, scores.get(v.id))
                for v in s.scalars(select(Voucher))]
    assert sum(1 for row in rows if row[6] is not None) >= 3  # the walk evaluated some: 评价统计 is compared too
    region, size = rows[0][2], next(r[3] for r in rows if r[3])
    category = next(r[5] for r in rows if r[5])
    provider = walk.providers[0]
    for r, z, p, c, span in combinations((None, region), (None, size), (None, provider), (None, category),
                                         ((None, None), (NOW.date() - timedelta(days=45), NOW.date()))):
        f = stats.StatsFilters(region_id=r, size=z, provider_id=p, category_id=c, start=span[0], end=span[1])
        inside = [row for row in rows if (r is None or row[2] == r) and (z is None or row[3] == z)
                  and (p is None or row[4] == p) and (c is None or row[5] == c)
                  and (span[0] is None or span[0] <= row[0] <= span[1])]
        k = stats.kpis(COMMISSION, f)
        assert (k["issued"], k["used"]) == (len(inside), sum(1 for row in inside if row[1] in in_order(CHOSEN))), f
        mine = stats.kpis(provider_actor(provider), f)["issued"]  # a provider counts its own vouchers only
        assert mine == sum(1 for row in inside if row[4] == provider), f
        by_region = stats.region_status(COMMISSION, f)
        assert int(by_region["count"].sum()) == len(inside), f
        evaluated = [row[6] for row in inside if row[6] is not None]
        e = evaluations.kpis(COMMISSION, f)
        assert (e["evaluations"], e["mean"]) == (len(evaluated), round(sum(evaluated) / len(evaluated), 1)
                                                 if evaluated else None), f
        by_month = evaluations.monthly(COMMISSION, f)  # the grains that hold the month of evaluation
        assert (int(by_month["evaluations"].sum()) if len(by_month) else 0) == len(evaluated), f
        league = stats.provider_league(COMMISSION, f).set_index("provider_id")  # medians in the database, or
        cycles = stats.cycle_times(COMMISSION, replace(f, provider_id=provider), cap=10**6)  # with edge days here
        for series, column in (("下单→确认", "to_confirm"), ("确认→交付", "to_deliver")):
            days = [d for d, n, s in cycles[["days", "count", "series"]].itertuples(index=False) if s == series
                    for _ in range(n)]
            shown = league.loc[provider, column] if provider in league.index else None
            assert (None if pd.isna(shown) else shown) == (round(statistics.median(days), 1) if days else None), f


def test_the_risk_and_evaluation_caches_stay_until_a_flag_or_a_figure_they_show_changes(database):
    from lib import stats
    from lib.stats import evaluations
    provider = make_provider()
    engineer = make_engineer(provider)
    first, second = (make_voucher(S.CONFIRMED, provider_id=provider, contract=True) for _ in range(2))
    actor, day = provider_actor(provider), NOW.date()

    def keys() -> tuple:
        return stats.cache_key(risk.signals, COMMISSION), stats.cache_key(evaluations.kpis, COMMISSION)

    before = keys()
    vouchers.add_service_record(actor=actor, number=first["number"], engineer_id=engineer, service_date=day,
                                description="上门调试系统并培训操作人员", now=NOW)
    assert keys() == before  # a record that raises nothing: 风险预警 and 评价统计 stay cached
    vouchers.add_service_record(actor=actor, number=second["number"], engineer_id=engineer, service_date=day,
                                description="另一次上门服务的记录", now=NOW)
    raised = keys()
    assert raised[0] != before[0] and raised[1] == before[1]  # same engineer, same day, two enterprises


def test_the_ageing_totals_from_the_summaries_equal_counting_the_vouchers(database):
    """需要跟进's waiting lists are counted as all of a status (from the summaries) less the recent ones: the same
    numbers as counting every voucher that has waited, after any walk, at any time and under any filter."""
    from sqlalchemy import func

    from lib.stats import StatsFilters
    from lib.stats import vouchers as voucher_stats
    from lib.stats.scope import scoped
    walk = Walk(random.Random(17))
    for _ in range(70):
        walk.step()
    with db.read_session() as s:
        region = s.scalar(select(Enterprise.region_id).limit(1))
    filters = (StatsFilters(region_id=region), StatsFilters(provider_id=walk.providers[0]),
               StatsFilters(start=NOW.date() - timedelta(days=40), end=NOW.date()))
    hours = range(-24 * 10, 24 * 20, 9)  # every 9 hours around the walk: each waiting voucher crosses its threshold
    seen = Counter()
    for now, f in [(NOW + timedelta(hours=h), StatsFilters()) for h in hours] + [(NOW, f) for f in filters]:
        lean = scoped(COMMISSION, f)
        with db.read_session() as s:
            counted = {name: s.scalar(select(func.count()).select_from(lean).where(condition))
                       for name, condition in voucher_stats._chase_lists(lean, now).items()}
        found = {name: total for name, (_, total) in voucher_stats.ageing(COMMISSION, f, now=now).items()}
        assert found == counted, (now, f)
        seen.update(name for name, n in counted.items() if n)
    assert seen["待购买确认超过3天"] and seen["已确认超过14天仍无服务记录"]  # the walk left vouchers waiting


def test_two_writers_moving_one_providers_histogram_at_once_keep_the_median_of_both(database):
    """The second writer waits for the first's commit before it reads the histogram, so the kept median counts
    both writes (without the lock it would keep the median of its own write alone, read before the first's
    commit)."""
    import threading

    from lib.derived_models import CycleMedian, CycleTime
    blank = {"grain": summaries.PROVIDER_GRAIN, "batch_id": 0, "month": "", "region_id": 0, "size": "",
             "category_id": 0, "provider_id": 1, "series": "confirm"}
    engine = db.get_engine()
    first = engine.connect()
    first.begin()
    first.execute(CycleTime.__table__.insert().values(**blank, days=1, n=1))
    summaries.refresh_medians(first, {1})
    second_done = threading.Event()

    def second() -> None:
        with engine.begin() as conn:
            conn.execute(CycleTime.__table__.insert().values(**blank, days=5, n=2))
            summaries.refresh_medians(conn, {1})
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not second_done.wait(0.5), "the second writer waits for the first"
    first.commit()
    first.close()
    thread.join(timeout=30)
    with engine.connect() as conn:
        kept = conn.execute(select(CycleMedian.lower, CycleMedian.upper, CycleMedian.n)
                            .where(CycleMedian.provider_id == 1, CycleMedian.series == "confirm")).one()
    assert tuple(kept) == (5, 5, 3)  # days 1, 5, 5
