"""Sign-in accounts of the demo, one per role, so that the web app can be tried at once.

They exist only in the synthetic demo database, with one published password;
a real database gets its accounts with ``mineaction users add``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.services import users
from mineaction.store.tables import User

#: The demo's one password: published in the docs, so never for real data.
DEMO_PASSWORD = "synthetic demo only 2020"
#: (user name, role, organisation code) of each demo account.
ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    ("demo-admin", "admin", None),
    ("demo-im", "im_officer", None),
    ("demo-operator", "operator_officer", "MES"),
    ("demo-qa", "qa_officer", None),
    ("demo-viewer", "viewer", None),
)


def create_demo_accounts(session: Session) -> list[str]:
    """Add the demo accounts that are missing; return the names of those added."""
    existing = set(session.scalars(select(User.username)))
    added = []
    for username, role, organisation in ACCOUNTS:
        if username in existing:
            continue
        users.add_user(
            session=session,
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            organisation=organisation,
            full_name=f"Demo {role.replace('_', ' ')}",
        )
        added.append(username)
    return added
