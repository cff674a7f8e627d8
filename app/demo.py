"""Demo accounts for `make run`: one per role and team the returns template routes work to.

They share one password and are printed at start-up; they are created only by
`formloom users demo`, never in production mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import User
from app.services import users

DEMO_PASSWORD = "formloom-demo-2026"  # noqa: S105  (printed for the demo on purpose)

#: (team key, name, escalation team)
DEMO_TEAMS = [
    ("cs_lead", "Customer service leads", None),
    ("cs_agent", "Customer service agents", "cs_lead"),
    ("managers", "Managers", None),
    ("warehouse_eu", "Warehouse EU (NL hub)", "managers"),
    ("warehouse_uk", "Warehouse UK", "managers"),
    ("warehouse_us", "Warehouse US", "managers"),
    ("warehouse_au", "Warehouse AU", "managers"),
    ("warehouse_cn", "Warehouse CN (Shenzhen)", "managers"),
    ("finance", "Finance", "managers"),
    ("purchasing", "Purchasing", "managers"),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...] = ()


DEMO_USERS = [
    DemoUser("admin@formloom.test", "Ada Admin", ("admin",)),
    DemoUser("builder@formloom.test", "Bo Builder", ("builder",)),
    DemoUser("manager@formloom.test", "Mia Manager", ("manager", "staff"), ("managers",)),
    DemoUser("agent@formloom.test", "Chen Agent", ("staff",), ("cs_agent",)),
    DemoUser("lead@formloom.test", "Lena Lead", ("staff",), ("cs_lead", "cs_agent")),
    DemoUser("warehouse.eu@formloom.test", "Wim Warehouse", ("staff",), ("warehouse_eu",)),
    DemoUser("warehouse.uk@formloom.test", "Una Warehouse", ("staff",), ("warehouse_uk",)),
    DemoUser("warehouse.us@formloom.test", "Sam Warehouse", ("staff",), ("warehouse_us",)),
    DemoUser("warehouse.au@formloom.test", "Ava Warehouse", ("staff",), ("warehouse_au",)),
    DemoUser("warehouse.cn@formloom.test", "Li Warehouse", ("staff",), ("warehouse_cn",)),
    DemoUser("finance@formloom.test", "Fay Finance", ("staff",), ("finance",)),
    DemoUser("purchasing@formloom.test", "Pia Purchasing", ("staff",), ("purchasing",)),
]


def create_demo_accounts() -> list[DemoUser]:
    """Create the demo teams and users that do not exist yet; return every demo user."""
    for key, name, _manager in DEMO_TEAMS:
        users.ensure_team(key, name)
    for key, _name, manager in DEMO_TEAMS:
        if manager:
            users.ensure_team(key, manager=manager)
    for demo in DEMO_USERS:
        if db.session.scalar(db.select(User.id).where(User.email == demo.email)) is None:
            users.create_user(demo.email, demo.name, DEMO_PASSWORD, demo.roles, demo.teams)
    db.session.commit()
    return DEMO_USERS
