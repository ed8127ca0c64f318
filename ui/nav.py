"""The menus of each role (DESIGN.md §1) as data: page file, Chinese title, URL path."""
from __future__ import annotations

from dataclasses import dataclass

from lib.labels import Role


@dataclass(frozen=True)
class MenuItem:
    path: str  # file under pages/, or "" for the logout callable
    title: str
    url: str


def _item(url: str, title: str) -> MenuItem:
    # The file stem must differ from the URL path: Streamlit hashes legacy pages/ files by stem and
    # st.Page by URL path, and a collision makes a rerun execute the page without Home.py's gate.
    return MenuItem(f"pages/{url}_page.py", title, url)


VOUCHERS = _item("vouchers", "服务券")
MY_VOUCHERS = _item("my_vouchers", "我的服务券")
PROCESS = _item("process", "业务流程")
CHANGE_PASSWORD = _item("change_password", "修改密码")
LOGOUT = MenuItem("", "退出", "logout")

MENUS: dict[Role, list[MenuItem]] = {
    Role.COMMISSION: [
        VOUCHERS, _item("enterprises", "企业管理"), _item("providers", "服务商管理"),
        _item("product_review", "产品审核"), _item("withdrawals", "撤回审核"), _item("settlements", "兑付管理"),
        _item("voucher_stats", "服务券统计"), _item("evaluation_stats", "评价统计"), _item("risk", "风险预警"),
        _item("users", "用户管理"), _item("audit_log", "操作日志"), PROCESS, CHANGE_PASSWORD, LOGOUT,
    ],
    Role.PROVIDER: [
        VOUCHERS, _item("products", "产品管理"), _item("engineers", "人员管理"), _item("voucher_stats", "服务券统计"),
        _item("evaluation_stats", "评价统计"), PROCESS, CHANGE_PASSWORD, LOGOUT,
    ],
    Role.ENTERPRISE: [
        MY_VOUCHERS, _item("catalogue", "选择服务商/产品"), _item("evaluate", "服务评价"), _item("profile", "企业信息"),
        PROCESS, CHANGE_PASSWORD, LOGOUT,
    ],
}


def all_urls() -> list[str]:
    """Every URL path of every role except logout (registered while logged out so deep links survive)."""
    seen: dict[str, None] = {}
    for items in MENUS.values():
        for item in items:
            if item is not LOGOUT:
                seen[item.url] = None
    return list(seen)
