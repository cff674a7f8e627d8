"""The simulators' shared machinery: store atomics, error modes, keys, signatures, races."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors import Transport
from connectors.exceptions import ClientRejected
from connectors.sandbox import (
    BadRequest,
    MemoryStore,
    SandboxSettings,
    SimRequest,
    handle,
    sandbox_key,
    seed,
    set_mode,
    sign,
)
from connectors.sandbox.base import take_mode
from connectors.webhooks import sign as contract_sign

SETTINGS = SandboxSettings("root", "whsec", "http://127.0.0.1:5000")


def test_insert_if_absent_has_one_winner_among_threads():
    store = MemoryStore()
    barrier = threading.Barrier(16)

    def insert(n):
        barrier.wait()
        return store.insert_if_absent("k", "key", {"n": n})

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(insert, range(16)))
    assert results.count(True) == 1


def test_store_copies_documents():
    store = MemoryStore()
    doc = {"a": [1]}
    store.put("k", "1", doc)
    doc["a"].append(2)
    got = store.get("k", "1")
    got["a"].append(3)
    assert store.get("k", "1") == {"a": [1]}


def test_modes_count_down_and_switch_off():
    store = MemoryStore()
    set_mode(store, "payment", "error_500", remaining=2)
    assert take_mode(store, "payment", "get_refund")["mode"] == "error_500"
    assert take_mode(store, "payment", "get_refund")["mode"] == "error_500"
    assert take_mode(store, "payment", "get_refund") is None


def test_decline_is_kept_for_the_refund_itself():
    store = MemoryStore()
    set_mode(store, "payment", "decline", remaining=1)
    assert take_mode(store, "payment", "get_refund") is None
    assert take_mode(store, "payment", "create_refund")["mode"] == "decline"


@pytest.mark.parametrize("options", [{"mode": "explode"}, {"mode": "hang", "seconds": -1},
                                     {"mode": "error_500", "remaining": 0}])
def test_bad_modes_are_refused(options):
    with pytest.raises(BadRequest):
        set_mode(MemoryStore(), "payment", options.pop("mode"), **options)


def test_hang_is_capped():
    assert set_mode(MemoryStore(), "crm", "hang", seconds=3600)["seconds"] == 60


def test_keys_differ_per_system_and_installation():
    assert sandbox_key("a", "payment").startswith("sk_test_51")
    assert sandbox_key("a", "crm").startswith("sbx_crm_")
    assert sandbox_key("a", "crm") != sandbox_key("b", "crm") != sandbox_key("a", "erp")


def test_signature_matches_the_webhook_contract():
    assert sign("s", 1763780000, b"{}") == contract_sign("s", 1763780000, b"{}")


def test_unknown_system_and_unreadable_bodies_are_4xx():
    assert handle("nope", SimRequest("GET", "/"), MemoryStore(), SETTINGS).status == 404
    key = SETTINGS.key_for("erp")
    auth = {"authorization": "Basic " + base64.b64encode(f"formloom:{key}".encode()).decode()}
    answer = handle("erp", SimRequest("POST", "/api/v1/credit_notes", (), auth, b"{not json"),
                    MemoryStore(), SETTINGS)
    assert answer.status == 400 and b"not valid JSON" in answer.body


def test_concurrent_refunds_with_one_key_make_one_refund(sandbox):
    pi = seed.payment_intent_id("SO-AU-40096")
    refund = {"payment_intent": pi, "amount": 1000, "currency": "aud"}

    def attempt(_):
        try:
            return sandbox.call("payment", "create_refund", refund, key="same",
                                transport=Transport(sleep=lambda s: None)).outputs["refund_id"]
        except ClientRejected as exc:  # 409 while the first is still running
            return exc.status

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    ids = {r for r in results if isinstance(r, str)}
    assert len(ids) == 1 and set(results) - ids <= {409}
    assert len(sandbox.store.list("payment.refund")) == 1


def test_concurrent_refunds_never_exceed_the_charge(sandbox):
    pi = seed.payment_intent_id("SO-US-30412")  # 139.95 USD
    refund = {"payment_intent": pi, "amount": 5000, "currency": "usd"}

    def attempt(n):
        try:
            return sandbox.call("payment", "create_refund", refund, key=f"k{n}").status
        except ClientRejected as exc:
            return exc.details["error"]["code"]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count(200) == 2  # 2 x 50.00 fit into 139.95, a third does not
    assert sum(r["amount"] for r in sandbox.store.list("payment.refund")) == 10000
