"""Helpers for AppTest page tests: run Home.py as a logged-in user, read what it shows."""
from __future__ import annotations

import html
from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from lib import auth, clock, db, sessions
from lib.models import User
from ui.auth_gate import TOKEN

HOME = str(Path(__file__).resolve().parent.parent / "Home.py")


def logged_in(username: str, **query) -> AppTest:
    """Home.py for `username`, set up the way the authenticator leaves a logged-in session (a server-side
    session opened as a login opens it)."""
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        token = sessions.start(session, user, client=None, now=clock.utcnow())
    account = auth.session_account(token)
    at = AppTest.from_file(HOME, default_timeout=20)
    at.session_state[TOKEN] = token
    at.session_state["authentication_status"] = True
    at.session_state["username"] = account.username
    at.session_state["name"] = account.display_name
    at.session_state["roles"] = [str(account.role)]
    at.query_params.update(query)
    return at.run()


def texts(at: AppTest) -> str:
    """Everything written as markdown, captions and alerts, one block per line, as a reader sees it (the
    character references that keep typed text plain are decoded)."""
    parts = [str(m.value) for m in at.markdown] + [str(c.value) for c in at.caption]
    parts += [str(e.value) for e in at.error] + [str(s.value) for s in at.success] + [str(i.value) for i in at.info]
    parts += [str(w.value) for w in at.warning]
    return html.unescape("\n".join(parts)).replace("\u2060", "")


def button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Choose tab `label` of the st.tabs with `key` (drawn lazily: only the open tab's content exists)."""
    assert label in [t.label for t in at.tabs], [t.label for t in at.tabs]
    at.session_state[key] = label
    return at.run()


def click(at: AppTest, label: str, nth: int = 0) -> AppTest:
    """Click the nth button (plain or form submit) with this label and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert matches, f"没有按钮“{label}”：{button_labels(at)}"
    return matches[nth].click().run()
