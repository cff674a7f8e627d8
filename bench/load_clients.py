"""The people of the load run: customers, customer-service agents and managers.

Each client is a thread with its own `Session`; clients are spread over a few processes
(one Python process cannot drive 64 connections past its own GIL on two cores). All
start at one moment and stop starting requests at the deadline. Nobody waits between
requests (a closed loop), except an agent whose team pool is empty, who looks again
half a second later, as a person would.

* **customer**: opens the return page, looks an order up (the ERP sandbox answers), sends
  the prefilled request as the portal's multipart form, opens the case's status page.
  Which order decides the path: auto-approved, manual review or rejected (`SCENARIOS`).
* **agent** (team `cs_agent`): lists the team pool, opens a task, claims it and
  completes it (approve, sometimes reject with a reason). Losing a claim to a colleague
  (409) is the app working as designed (checklist 7): counted as a conflict, not an error.
* **manager**: views the returns boards and the whole team's inbox.

What each request should answer is fixed per route; anything else (or no answer) is an
error, kept with a sample of the page for the report.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from http_session import Reply, Session, csrf_of, hidden_fields, path_of

FLOW = "returns.rma"
PREFILLED = re.compile(r'name="([a-z_]+(?:/\d+/[a-z_]+)?)"[^>]*? value="([^"]*)"')
TASK_ROW = re.compile(r'data-task-id="(\d+)"')
THANKS = re.compile(r"/portal/case/([^/]+)/thanks$")
BOARDS = ("returns.operations", "returns.quality")
REJECT_SHARE = 0.15  # of the agents' decisions

#: (order, e-mail, answers, weight): the sandbox ERP's seeded orders (connectors/sandbox).
SCENARIOS: tuple[tuple[str, str, dict[str, str], float], ...] = (
    ("SO-DE-10630", "max.mueller@example.de", {"reason": "size"}, 0.30),  # R1: auto-approved
    ("SO-US-30412", "marcus.lee@example.com", {"reason": "changed_mind"}, 0.15),
    ("SO-DE-10711", "sven.koch@example.de", {"reason": "size"}, 0.20),  # R9: review
    ("SO-UK-20377", "oliver.hughes@example.co.uk", {"reason": "size"}, 0.15),  # > 300 EUR
    ("SO-US-30777", "jake.miller@example.com", {"reason": "size"}, 0.10),  # R8: window
    ("SO-FR-10955", "camille.durand@example.fr",  # R7: opened hygiene seal
     {"reason": "changed_mind", "hygiene_seal": "opened"}, 0.10),
)
ANSWERS = {"hygiene_seal": "not_applicable", "resolution": "refund", "return_method": "label",
           "consent": "true"}


@dataclass
class Tally:
    """What one client process saw; merged by the run."""

    requests: list[tuple[str, float, str]] = field(default_factory=list)  # route, s, kind
    accepted: list[tuple[str, str]] = field(default_factory=list)  # client token, order
    completed: list[tuple[int, str, str]] = field(default_factory=list)  # task, outcome, who
    samples: list[str] = field(default_factory=list)  # the first errors, for the report
    reconnects: int = 0  # requests sent again after an idle connection was closed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, reply: Reply, expected: tuple[int, ...],
               conflict: tuple[int, ...] = ()) -> bool:
        kind = ("ok" if reply.status in expected
                else "conflict" if reply.status in conflict else "error")
        with self.lock:
            self.requests.append((route, reply.seconds, kind))
            if kind == "error" and len(self.samples) < 8:
                self.samples.append(f"{route} {reply.status}: {_text(reply.text)[:300]}")
        return kind == "ok"

    def plain(self) -> dict[str, Any]:
        return {"requests": self.requests, "accepted": self.accepted,
                "completed": self.completed, "samples": self.samples,
                "reconnects": self.reconnects}


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


class Stop(Exception):
    """The client gives up this round (an error was recorded)."""


def customer(session: Session, tally: Tally, rng: random.Random, deadline: float) -> None:
    while time.perf_counter() < deadline:
        try:
            one_return(session, tally, rng)
        except Stop:
            continue


def one_return(session: Session, tally: Tally, rng: random.Random) -> None:
    session.fresh()  # a new visitor each time
    order, email, answers, _ = rng.choices(SCENARIOS, [s[3] for s in SCENARIOS])[0]
    page = session.get(f"/portal/r/{FLOW}")
    if not tally.record("portal.open", page, (200,)):
        raise Stop
    found = session.post(f"/portal/r/{FLOW}/lookup", {
        "csrf_token": hidden_fields(page.text).get("csrf_token", ""),
        "order_number": order, "email": email})
    if not tally.record("portal.lookup", found, (200,)):
        raise Stop
    fields = {**hidden_fields(found.text), **_prefilled(found.text), **ANSWERS, **answers}
    sent = session.post(f"/portal/r/{FLOW}", fields, files=True)
    match = THANKS.search(path_of(sent.location)) if sent.status == 302 else None
    if not tally.record("portal.submit", sent, (302,) if match else ()):
        raise Stop
    with tally.lock:
        tally.accepted.append((fields["client_token"], order))
    tally.record("portal.status", session.get(f"/portal/case/{match.group(1)}"), (200,))


def _prefilled(page: str) -> dict[str, str]:
    """The values the lookup put into the visible fields (order, e-mail, items)."""
    import html

    values = {k: html.unescape(v) for k, v in PREFILLED.findall(page)}
    return {k: v for k, v in values.items()
            if k in ("order_number", "email") or k.startswith("items/")}


def agent(session: Session, tally: Tally, rng: random.Random, deadline: float,
          email: str) -> None:
    while time.perf_counter() < deadline:
        listed = session.get("/inbox/?tab=pool")
        if not tally.record("inbox.list", listed, (200,)):
            continue
        tasks = TASK_ROW.findall(listed.text)
        if not tasks:
            time.sleep(0.5)  # nothing waiting: look again shortly
            continue
        task = rng.choice(tasks)  # spread over the page: fewer colleagues collide
        _work_on(session, tally, rng, int(task), email)


def _work_on(session: Session, tally: Tally, rng: random.Random, task: int,
             email: str) -> None:
    page = session.get(f"/inbox/tasks/{task}")
    if not tally.record("inbox.task", page, (200,)):
        return
    csrf = csrf_of(page.text) or ""
    claimed = session.post(f"/inbox/tasks/{task}/claim", {"csrf_token": csrf})
    if not tally.record("inbox.claim", claimed, (302,), conflict=(409,)):
        return
    fields = {"csrf_token": csrf, "outcome": "approve"}
    if rng.random() < REJECT_SHARE:
        fields.update(outcome="reject", reject_reason="not_eligible",
                      internal_note="Load run: not eligible after checking")
    done = session.post(f"/inbox/tasks/{task}/complete", fields)
    if tally.record("inbox.complete", done, (302,)):
        with tally.lock:
            tally.completed.append((task, fields["outcome"], email))


def manager(session: Session, tally: Tally, rng: random.Random, deadline: float) -> None:
    n = 0
    while time.perf_counter() < deadline:
        board = BOARDS[n % len(BOARDS)]
        tally.record("dashboards.board", session.get(f"/dashboards/{board}"), (200,))
        tally.record("inbox.team", session.get("/inbox/?tab=team"), (200,))
        n += 1


def sign_in(session: Session, email: str, password: str) -> None:
    page = session.get("/login")
    signed = session.post("/login", {"email": email, "password": password,
                                     "csrf_token": csrf_of(page.text) or ""})
    if signed.status != 302:
        raise RuntimeError(f"{email} could not sign in: {signed.status} {_text(signed.text)[:200]}")


def run_process(args: tuple[Any, ...]) -> dict[str, Any]:
    """One client process: sign the staff in, wait for the common start, run until the end."""
    port, people, password, start_at, seconds, seed = args
    tally = Tally()
    threads = []
    for n, (role, email) in enumerate(people):
        session = Session(port)
        if email:
            sign_in(session, email, password)
        rng = random.Random(f"{seed}-{email or 'customer'}-{n}")
        threads.append((role, email, session, rng))
    while time.time() < start_at:
        time.sleep(0.01)
    deadline = time.perf_counter() + seconds
    workers = []
    for role, email, session, rng in threads:
        target, extra = {"customer": (customer, ()), "agent": (agent, (email,)),
                         "manager": (manager, ())}[role]
        thread = threading.Thread(target=target, args=(session, tally, rng, deadline, *extra))
        thread.start()
        workers.append(thread)
    for thread in workers:
        thread.join()
    for _, _, session, _ in threads:
        tally.reconnects += session.reconnects
        session.close()
    return tally.plain()
