"""The layers stay visible: lib never imports streamlit, pages hold no SQL or SQLAlchemy."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "lib").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_lib_never_imports_streamlit(path):
    assert not imports(path) & {"streamlit", "streamlit_authenticator", "ui"}


@pytest.mark.parametrize("path",
                         sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "Home.py"]),
                         ids=lambda p: p.name)
def test_pages_and_ui_build_no_sql(path):
    assert "sqlalchemy" not in imports(path)
    source = path.read_text(encoding="utf-8")
    assert "lib.db" not in source and "from lib import db" not in source


def test_every_menu_page_exists():
    from ui.nav import LOGOUT, MENUS
    for items in MENUS.values():
        for item in items:
            assert item is LOGOUT or (ROOT / item.path).exists(), item.path


LIB = sorted((ROOT / "lib").rglob("*.py"))
SCREENS = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "Home.py"])
READ_SIDE = ["queries", "audit", "settlement", "risk", "stats", "paging", "money", "documents", "exports", "todo",
             "sizes"]
WRITE_SIDE = {"lib.vouchers", "lib.issuing", "lib.expiry"}


def modules_imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


@pytest.mark.parametrize("path",
                         [p for p in LIB if p.relative_to(ROOT / "lib").parts[0].removesuffix(".py") in READ_SIDE],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_read_side_does_not_import_the_write_side(path):
    assert not modules_imported(path) & WRITE_SIDE


def _status_values() -> set[str]:
    from lib.workflow import ProductStatus, ProviderStatus, VoucherStatus, WithdrawalStatus
    return {str(s) for enum in (VoucherStatus, ProductStatus, ProviderStatus, WithdrawalStatus) for s in enum}


@pytest.mark.parametrize("path", SCREENS, ids=lambda p: p.name)
def test_screens_compare_no_status(path):
    """A page asks the selector (`Action.EVALUATE in v.actions`, `row.suspended`), it does not compare statuses:
    no status string and no status enum member in any comparison."""
    statuses, found = _status_values(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and part.value in statuses:
                    found.append(f"line {node.lineno}: {part.value!r}")
                if isinstance(part, ast.Attribute) and isinstance(part.value,
                                                                  ast.Name) and part.value.id.endswith("Status"):
                    found.append(f"line {node.lineno}: {part.value.id}.{part.attr}")
    assert not found, found


def test_every_history_action_has_one_chinese_label():
    from lib.history import ACTION_LABELS, AdminAction
    from lib.workflow import Action, ProductAction
    every = [str(a) for enum in (Action, ProductAction, AdminAction) for a in enum]
    assert sorted(every) == sorted(ACTION_LABELS) and len(set(every)) == len(every)
    assert all(label and not label.isascii() for label in ACTION_LABELS.values())
    assert len(set(ACTION_LABELS.values())) == len(ACTION_LABELS)  # the 操作日志 filter finds each action by its name


@pytest.mark.parametrize("path", LIB, ids=lambda p: str(p.relative_to(ROOT)))
def test_history_is_written_with_registered_actions_only(path):
    """`record(session, actor, <action>, …)` takes an enum member, never a bare string the registry may not know."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record" and len(node.args) >= 3:
            assert not any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(node.args[2])), \
                f"line {node.lineno}"


def _long_functions(path: Path) -> list[str]:
    return [f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 60]


@pytest.mark.parametrize("path", [*LIB, *SCREENS], ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path):
    """A module past 400 lines becomes a package; a function past 60 lines becomes smaller functions."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400
    assert not _long_functions(path)


@pytest.mark.parametrize("path", [p for p in SCREENS if p.name not in ("widgets.py", "auth_gate.py")],
                         ids=lambda p: p.name)
def test_screens_show_refusals_one_way(path):
    """A refusal reaches the user through ui.widgets (attempt for actions, answer for reads), so every screen
    shows it the same way; only the login form, which Streamlit-Authenticator drives, catches its own."""
    import lib.errors
    domain = {name for name, value in vars(lib.errors).items()
              if isinstance(value, type) and issubclass(value, lib.errors.DomainError)}
    handlers = [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ExceptHandler) and node.type is not None
                and {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)} & domain]
    assert not handlers, f"lines {handlers}"
