"""Commission-only reads are refused by the service itself, not only hidden by the menu: every selector
behind 用户管理, 兑付管理, 撤回审核, 服务商管理, 操作日志, 企业管理 and 产品审核 takes the actor."""
from __future__ import annotations

import pytest

from lib import audit, auth, enterprises, permissions, providers, queries, review, settlement
from lib.errors import PermissionDenied
from lib.labels import Role
from lib.permissions import Area
from lib.workflow import VoucherStatus as S
from tests.builders import COMMISSION, make_voucher
from ui.nav import MENUS

SELECTORS = {
    Area.USERS: [lambda a: auth.accounts(a)],
    Area.SETTLEMENTS: [lambda a: settlement.awaiting_settlement(a), lambda a: settlement.settlements(a)],
    Area.WITHDRAWALS: [lambda a: queries.open_withdrawals(a)],
    Area.PROVIDERS: [lambda a: providers.all_providers(a), lambda a: providers.live_vouchers(a, 1)],
    Area.AUDIT_LOG: [lambda a: audit.search(a), lambda a: audit.export_rows(a)],
    Area.ENTERPRISES: [lambda a: enterprises.search_enterprises(a)],
    Area.PRODUCT_REVIEW: [lambda a: review.products_in(a), lambda a: review.last_change(a, 1)],
}


def test_every_area_has_its_selectors_listed():
    assert set(SELECTORS) == set(Area)


@pytest.mark.parametrize("area", list(Area))
def test_providers_and_enterprises_are_refused_by_each_commission_selector(database, area):
    v = make_voucher(S.CONFIRMED)
    for outsider in (v["provider"], v["enterprise"]):
        for read in SELECTORS[area]:
            with pytest.raises(PermissionDenied) as err:
                read(outsider)
            assert err.value.message == f"只有经信委可以使用“{permissions.AREA_NAMES[area]}”"
    for read in SELECTORS[area]:
        read(COMMISSION)  # and the commission reads


def test_the_menus_offer_an_area_only_to_the_roles_permissions_allow():
    for role, items in MENUS.items():
        for item in items:
            if item.url in {str(a) for a in Area}:
                assert role in permissions.ALLOWED[Area(item.url)], (role, item.title)
    offered = {item.url for item in MENUS[Role.COMMISSION]}
    assert {str(a) for a in Area} <= offered  # every area has its screen
