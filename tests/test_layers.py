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


@pytest.mark.parametrize("path", sorted((ROOT / "lib").glob("*.py")), ids=lambda p: p.name)
def test_lib_never_imports_streamlit(path):
    assert not imports(path) & {"streamlit", "streamlit_authenticator", "ui"}


@pytest.mark.parametrize("path", sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "Home.py"]),
                         ids=lambda p: p.name)
def test_pages_and_ui_build_no_sql(path):
    assert "sqlalchemy" not in imports(path)
    assert "lib.db" not in path.read_text(encoding="utf-8") and "from lib import db" not in path.read_text(encoding="utf-8")


def test_every_menu_page_exists():
    from ui.nav import LOGOUT, MENUS
    for items in MENUS.values():
        for item in items:
            assert item is LOGOUT or (ROOT / item.path).exists(), item.path
