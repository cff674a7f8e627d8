"""`formloom demo-data`: realistic returns cases written through the projection path.

Each case gets variables and an event log shaped like the returns flow's (started,
review decided, parcel received, refund paid, ended) and is folded into its row by the
same `project_case` the projector uses, so demo rows obey every projection rule.
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

import numpy as np
import sqlalchemy as sa

from app.extensions import db
from app.models import utcnow
from app.reports.tables import PROJECTIONS, TABLES
from runtime.reports.projection import CaseFacts, EventFacts, project_case

BATCH = 20_000
COUNTRIES = {"DE": (.22, "EUR", 4), "GB": (.16, "GBP", 5), "FR": (.13, "EUR", 4),
             "US": (.14, "USD", 9), "NL": (.07, "EUR", 3), "IT": (.07, "EUR", 5),
             "ES": (.06, "EUR", 5), "PL": (.05, "PLN", 4), "AU": (.05, "AUD", 12),
             "CN": (.05, "CNY", 11)}
#: category: (share, SKU prefix, median item value in EUR, reasons with weights)
CATEGORIES = {
    "apparel": (.38, "APP", 55, {"size": .46, "changed_mind": .2, "not_as_described": .15,
                                 "defective": .07, "damaged": .06, "late": .06}),
    "footwear": (.20, "FTW", 85, {"size": .5, "changed_mind": .16, "defective": .12,
                                  "not_as_described": .1, "damaged": .06, "late": .06}),
    "electronics": (.14, "ELE", 240, {"defective": .38, "not_as_described": .2,
                                      "changed_mind": .18, "damaged": .14, "late": .1}),
    "home": (.12, "HOM", 70, {"damaged": .34, "not_as_described": .22, "changed_mind": .2,
                              "defective": .14, "late": .1}),
    "beauty": (.09, "BEA", 30, {"changed_mind": .4, "not_as_described": .25, "damaged": .2,
                                "defective": .15}),
    "toys": (.07, "TOY", 40, {"defective": .3, "damaged": .3, "changed_mind": .25,
                              "late": .15}),
}
GRADES = {"A": "restock", "B": "refurbish", "C": "outlet", "D": "recycle"}
_BAD_REASONS = ("defective", "damaged")


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
    """One batch of rows; the random draws are vectorised, the fold is per case."""
    spec = PROJECTIONS["returns"]
    span = months * 30.4
    # More returns lately (a growing shop).
    age_days = span * (1 - np.sqrt(rng.random(size)))
    created = [now - timedelta(days=float(d)) for d in age_days]
    countries = rng.choice(list(COUNTRIES), size, p=_p([c[0] for c in COUNTRIES.values()]))
    categories = rng.choice(list(CATEGORIES), size, p=_p([c[0] for c in CATEGORIES.values()]))
    reason_roll = rng.random(size)
    skus = np.minimum(rng.zipf(1.6, size), 60)
    review_h = rng.lognormal(np.log(5), 0.9, size)
    handling_h = rng.lognormal(np.log(20), 0.7, size)
    fate = rng.random(size)
    grade_roll = rng.random(size)
    value_noise = rng.lognormal(0, 0.45, size)
    rows = []
    for i in range(size):
        country, category = str(countries[i]), str(categories[i])
        _, currency, transit_days = COUNTRIES[country]
        _, prefix, median_value, _ = CATEGORIES[category]
        names, edges = _REASONS[category]
        reason = names[min(int(np.searchsorted(edges, reason_roll[i])), len(names) - 1)]
        value = round(median_value * float(value_noise[i]), 2)
        grade = _grade(reason, float(grade_roll[i]))
        variables = {
            "country": country, "category": category, "reason": reason,
            "sku": f"{prefix}-{1000 + int(skus[i]) * 7}", "currency": currency,
            "item_value": {"amount": value, "currency": currency},
            "return_cost": round(4.5 + transit_days * 0.9 + value * 0.03, 2),
            "inspection": {"grade": grade, "disposition": GRADES[grade]},
        }
        facts, events = _life(created[i], float(review_h[i]), transit_days,
                              float(handling_h[i]), float(fate[i]), now, start + i, variables)
        if facts.status == "completed":
            fee = 0.1 if grade in ("C", "D") and reason not in _BAD_REASONS else 0.0
            variables["refund"] = {"amount": round(value * (1 - fee), 2)}
        elif facts.status == "rejected":
            variables["refund"] = {"amount": 0.0}
        if not _received(events):
            variables.pop("inspection")  # nothing was inspected yet
        rows.append(project_case(spec, facts, events))
    return rows


def _life(created: datetime, review_h: float, transit_days: int, handling_h: float,
          fate: float, now: datetime, n: int, variables: dict
          ) -> tuple[CaseFacts, list[EventFacts]]:
    """A case's story: review, shipping, inspection, refund — cut off at `now`."""
    events = [EventFacts(1, "event", None, {"data": {"type": "started"}}, created)]
    status, ended = "running", None
    approved = created + timedelta(hours=review_h)
    if fate < 0.09:  # rejected at review
        if approved <= now:
            events.append(EventFacts(2, "task_decided", "review", {"data": {"outcome": "reject"}},
                                     approved))
            status, ended = "rejected", approved
    elif fate < 0.11:  # the customer cancelled
        if approved <= now:
            status, ended = "cancelled", approved
    else:
        received = approved + timedelta(days=transit_days * (0.6 + fate), hours=handling_h / 4)
        refunded = received + timedelta(hours=handling_h * (3.5 if fate > 0.93 else 1))
        steps = [(approved, "task_decided", "review", {"outcome": "approve"}),
                 (received, "message_received", "wait_parcel", {"name": "parcel_received"}),
                 (refunded, "service_succeeded", "refund", {})]
        for seq, (at, kind, node, data) in enumerate(steps, start=2):
            if at > now:
                break
            events.append(EventFacts(seq, kind, node, {"data": data}, at))
        if refunded <= now:
            status, ended = "completed", refunded
    if ended is not None:
        events.append(EventFacts(len(events) + 1, "instance_ended", None,
                                 {"data": {"status": status}}, ended))
    facts = CaseFacts(public_id=secrets.token_hex(16), case_number=f"DEMO-{n + 1:07d}",
                      instance_id=None, flow_version=1, status=status, created_at=created,
                      ended_at=ended, variables=variables)
    return facts, events


def _received(events: list[EventFacts]) -> bool:
    return any(e.type == "message_received" for e in events)


def _grade(reason: str, roll: float) -> str:
    weights = (.15, .25, .35, .25) if reason in _BAD_REASONS else (.62, .24, .1, .04)
    edge = 0.0
    for grade, weight in zip(GRADES, weights, strict=True):
        edge += weight
        if roll < edge:
            return grade
    return "D"


def _p(weights: list[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


#: category → (reasons, cumulative probabilities) for vectorised draws.
_REASONS = {name: (list(c[3]), np.cumsum(_p(list(c[3].values()))))
            for name, c in CATEGORIES.items()}


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
