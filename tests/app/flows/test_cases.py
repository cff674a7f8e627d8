"""Case numbers are sequential per flow and never shared by concurrent starts."""

from __future__ import annotations

import threading

from app.extensions import db
from app.flows.cases import next_case_number


def test_numbers_are_sequential_per_flow(app):
    assert next_case_number("returns", "RMA-", 6) == "RMA-000001"
    assert next_case_number("returns", "RMA-", 6) == "RMA-000002"
    assert next_case_number("claims", "QC-", 4) == "QC-0001"
    db.session.commit()


def test_concurrent_starts_never_share_a_number(app):
    numbers: list[str] = []
    barrier = threading.Barrier(6)

    def take() -> None:
        with app.app_context():
            barrier.wait()
            for _ in range(5):
                numbers.append(next_case_number("returns", "RMA-", 6))
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(numbers) == [f"RMA-{n:06d}" for n in range(1, 31)]
