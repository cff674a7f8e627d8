"""`formloom demo-data`: realistic returns cases written through the projection path.

Each case gets variables and an event log shaped like those of a real `returns.rma`
case (the ERP order with the customer's country and the order lines, the returned
items, the policy decision, routing, label, transit, inspection and refund as in
/work/notes/CONTRACT.md), and is folded into its row by the same `project_case` the
projector uses: demo rows and real rows fill the same columns the same way.
They are written straight into the projection table (COPY on PostgreSQL, batched
executemany on SQLite) without flow instances: a million instances with their event
logs would take the database far longer to write than the five minutes we allow, and
nothing on a board needs them. Rows have `instance_id` NULL and case numbers `DEMO-…`.

Memory stays flat: cases are generated, folded and written in batches.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import sqlalchemy as sa

from app.extensions import db
from app.models import utcnow
from app.reports.demo_catalog import (
    BAD_REASONS,
    CATEGORIES,
    COSTS,
    DISPOSITIONS,
    GRADE_WEIGHTS,
    LABEL_FEES,
    MARKETS,
    REASONS,
    TEAMS,
    p,
)
from app.reports.tables import PROJECTIONS, TABLES
from runtime.reports.projection import CaseFacts, EventFacts, project_case

BATCH = 20_000
CENT = Decimal("0.01")
_GRADES = tuple(DISPOSITIONS)


def generate(cases: int, seed: int | None = None, months: int = 12,
             progress: Callable[[int], None] | None = None, batch: int = BATCH) -> int:
    """Write `cases` demo cases into the `returns` projection; returns how many."""
    rng = np.random.default_rng(seed)
    now = utcnow().replace(microsecond=0)
    offset = db.session.execute(
        sa.select(sa.func.count()).select_from(TABLES["returns"])
        .where(TABLES["returns"].c.instance_id.is_(None))
    ).scalar_one()
    written = 0
    while written < cases:
        size = min(batch, cases - written)
        rows = _batch(rng, size, now, months, offset + written)
        _write(rows)
        db.session.commit()
        written += size
        if progress:
            progress(size)
    return written


def delete_demo_rows() -> int:
    table = TABLES["returns"]
    result = db.session.execute(sa.delete(table).where(table.c.instance_id.is_(None)))
    db.session.commit()
    return result.rowcount or 0


def _batch(rng: np.random.Generator, size: int, now: datetime, months: int, start: int) -> list:
    """One batch of rows; the random draws are vectorised, the story is per case."""
    spec = PROJECTIONS["returns"]
    span = months * 30.4
    # More returns lately (a growing shop).
    age_days = span * (1 - np.sqrt(rng.random(size)))
    draws = {
        "country": rng.choice(list(MARKETS), size, p=p(m[0] for m in MARKETS.values())),
        "category": rng.choice(list(CATEGORIES), size, p=p(c[0] for c in CATEGORIES.values())),
        "sku": np.minimum(rng.zipf(1.6, size), 60), "price": rng.lognormal(0, 0.45, size),
        "roll": rng.random((size, 8)), "review_h": rng.lognormal(np.log(5), 0.9, size),
        "handling_h": rng.lognormal(np.log(20), 0.7, size),
    }
    rows = []
    for i in range(size):
        created = now - timedelta(days=float(age_days[i]))
        facts, events = _case(draws, i, created, now, start + i)
        rows.append(project_case(spec, facts, events))
    return rows


def _case(d: dict, i: int, created: datetime, now: datetime, n: int
          ) -> tuple[CaseFacts, list[EventFacts]]:
    country, category = str(d["country"][i]), str(d["category"][i])
    _, currency, local, warehouse, transit_days = MARKETS[country]
    _, prefix, hs_code, median_eur, name, _, suppliers = CATEGORIES[category]
    roll = d["roll"][i]
    names, edges = REASONS[category]
    reason = names[min(int(np.searchsorted(edges, roll[0])), len(names) - 1)]
    number = int(d["sku"][i])
    sku = f"{prefix}-{1000 + number * 7}"
    price = _price(median_eur * float(d["price"][i]) * float(local), currency)
    quantity = 1 + int(roll[1] < 0.12)
    lines = [{"sku": sku, "name": f"{name} {number}", "quantity": quantity,
              "unit_price": str(price), "hs_code": hs_code, "supplier": suppliers[number %
                                                                                   len(suppliers)]}]
    variables = {
        "case_number": f"DEMO-{n + 1:07d}", "reason": reason,
        "resolution": "store_credit" if roll[2] < 0.22 else "refund", "return_method": "label",
        "items": [{"sku": sku, "name": lines[0]["name"], "quantity": quantity}],
        "order": {"currency": currency, "customer": {"country": country}, "lines": lines},
    }
    story = _Story(created, now, variables)
    story.add("event", None, {"type": "started"}, 0)
    value = price * quantity
    if roll[3] < 0.07:  # outside the window or an exempt item
        variables["policy"] = {"decision": "reject", "reason_code": "outside_window"}
        return story.end("rejected", 0.01)
    value_eur = value / Decimal(local)
    label_eur = COSTS[0] + COSTS[1] * transit_days
    keep = value_eur < 10 or label_eur > value_eur / 2  # the policy's returnless rule
    decision = ("returnless" if keep and reason not in BAD_REASONS and roll[4] < 0.8 else
                "manual_review" if reason in BAD_REASONS or roll[4] < 0.12 else "auto_approve")
    variables["policy"] = {"decision": decision}
    hours = 0.02
    if decision == "manual_review":
        story.add("task_created", "review", {}, hours)
        hours += float(d["review_h"][i])
        if roll[5] < 0.1:
            story.add("task_decided", "review", {"outcome": "reject"}, hours)
            return story.end("rejected", hours)
        story.add("task_decided", "review", {"outcome": "approve"}, hours)
    route = "return_centre" if reason == "defective" or decision == "manual_review" else "hub"
    variables["routing"] = {"warehouse": warehouse, "team": TEAMS[warehouse],
                            "route": "home" if warehouse == "CN-SHA" else route}
    story.add("node_entered", "routing", {"node_type": "decision"}, hours)
    handling_h = float(d["handling_h"][i])
    if decision == "returnless":
        variables["returnless"] = True
        return _refund(story, variables, value, "A", hours + handling_h / 10, roll)
    hours += 0.01
    fx = Decimal(local)
    label_cost = label_eur * fx
    variables["label"] = {"tracking_number": f"RR{n:09d}CN",
                          "cost": str(label_cost.quantize(CENT))}
    story.add("service_succeeded", "label", {}, hours)
    if roll[6] < 0.03:  # never handed to the carrier: cancelled after 30 days
        return story.end("cancelled", hours + 30 * 24)
    scan = hours + 24 * (0.5 + 2 * roll[6])
    delivered = scan + 24 * transit_days * (0.7 + roll[7])
    variables["transit"] = {}
    if not story.reached(scan):
        return story.open()
    variables["transit"]["first_scan_at"] = story.at(scan).isoformat()
    if not story.reached(delivered):
        return story.open()
    variables["transit"]["delivered_at"] = story.at(delivered).isoformat()
    variables["costs"] = {"handling": str((COSTS[2] * fx).quantize(CENT)), "duties": "0.00"}
    inspected = delivered + handling_h * (3.5 if roll[7] > 0.93 else 1)
    if not story.reached(inspected):
        return story.open()
    grade = _grade(reason, roll[5])
    variables["inspection"] = {"grade": grade, "disposition": _disposition(grade, roll[2]),
                               "serial_ok": grade not in ("missing", "wrong_item")}
    story.add("task_completed", "inspection", {"outcome": grade}, inspected)
    if grade in ("missing", "wrong_item"):  # no refund; an investigation case follows
        return story.end("completed", inspected)
    return _refund(story, variables, value, grade, inspected + 0.05, roll)


def _refund(story: _Story, variables: dict, value: Decimal, grade: str, hours: float,
            roll: np.ndarray) -> tuple[CaseFacts, list[EventFacts]]:
    """The refund the returns.refund table would pay (fees, loss of value, credit bonus)."""
    if not story.reached(hours):
        return story.open()
    country = variables["order"]["customer"]["country"]
    currency = variables["order"]["currency"]
    amount = value
    if variables["reason"] not in ("defective", "damaged", "wrong_item"):
        amount -= LABEL_FEES.get(country, Decimal(0)) if not variables.get("returnless") else 0
        if grade == "B" and variables["order"]["currency"] in ("EUR", "GBP", "PLN"):
            amount -= value * Decimal("0.10")
    credit = variables["resolution"] == "store_credit"
    if credit:
        amount *= Decimal("1.10")
    amount = max(amount, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    variables["refund"] = {"amount": str(amount), "currency": currency, "status": "succeeded",
                           "method": "store_credit" if credit else "original_payment",
                           "id": f"re_demo{int(roll[0] * 1e12):012d}"}
    story.add("service_succeeded", "refund", {}, hours)
    return story.end("completed", hours)


class _Story:
    """A case's event log as it unfolds, cut off at `now` (later steps have not happened)."""

    def __init__(self, created: datetime, now: datetime, variables: dict) -> None:
        self.created, self.variables = created, variables
        self.age_hours = (now - created).total_seconds() / 3600
        self.events: list[EventFacts] = []

    def at(self, hours: float) -> datetime:
        return self.created + timedelta(hours=hours)

    def reached(self, hours: float) -> bool:
        return hours <= self.age_hours

    def add(self, kind: str, node: str | None, data: dict, hours: float) -> None:
        if self.reached(hours):
            self.events.append(EventFacts(len(self.events) + 1, kind, node, {"data": data},
                                          self.at(hours)))

    def open(self) -> tuple[CaseFacts, list[EventFacts]]:
        return self._facts("waiting", None), self.events

    def end(self, status: str, hours: float) -> tuple[CaseFacts, list[EventFacts]]:
        if not self.reached(hours):
            return self.open()
        self.add("instance_ended", None, {"status": status}, hours)
        return self._facts(status, self.at(hours)), self.events

    def _facts(self, status: str, ended: datetime | None) -> CaseFacts:
        return CaseFacts(public_id=secrets.token_hex(16),
                         case_number=self.variables["case_number"], instance_id=None,
                         flow_version=1, status=status, created_at=self.created,
                         ended_at=ended, variables=self.variables)


def _price(amount: float, currency: str) -> Decimal:
    """A shop price: whole units minus one cent (JPY-like currencies: whole units)."""
    return max(Decimal(int(amount) + 1) - CENT, Decimal("0.99"))


def _grade(reason: str, roll: float) -> str:
    weights = GRADE_WEIGHTS["bad" if reason in BAD_REASONS else "good"]
    edge = 0.0
    for grade, weight in zip(_GRADES, weights, strict=True):
        edge += weight
        if roll < edge:
            return grade
    return "D"


def _disposition(grade: str, roll: float) -> str:
    if grade == "C" and roll < 0.4:
        return "return_to_supplier"
    return DISPOSITIONS[grade]


def _write(rows: list[dict]) -> None:
    table = TABLES["returns"]
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), rows)
        return
    # Table and column names come from the projection definition shipped with the code.
    names = [c.name for c in table.columns if c.name != "id"]
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(
        f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(tuple(row.get(name) for name in names))
