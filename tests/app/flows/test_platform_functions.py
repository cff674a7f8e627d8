"""The built-in connector `platform`: a service node runs a registered pure function.

Same path as an HTTP action (outbox row, idempotency key, events), no outside call:
the refund calculator's amount lands in the flow's variables as exact text, and bad
inputs take the service node's error edge with the field named.
"""

from __future__ import annotations

from app.extensions import db
from app.flows import service
from app.jobs import get_dispatcher
from app.models import FlowInstance, OutboxEntry
from app.services import definitions
from app.services.lint_context import context_json, get_lint_context

FLOW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "calc", "type": "service", "config": {
            "connector": "platform", "action": "refund_amount",
            "input": {"currency": "order.currency", "items": "order.items",
                      "whole_order": "order.whole", "shipping_paid": "order.shipping",
                      "standard_shipping": {"value": "4.95"},
                      "loss_of_value_pct": {"value": "10"},
                      "loss_of_value_grades": {"value": ["B"]}},
            "output": {"refund.amount": "amount", "refund.minor": "amount_minor"},
            "error_output": "refund_error"}},
        {"id": "done", "type": "end"},
        {"id": "bad_input", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [{"from": "start", "to": "calc"}, {"from": "calc", "to": "done"},
              {"from": "calc", "to": "bad_input", "on": "error"}],
}


def _run(app, order: dict) -> FlowInstance:
    definitions.save_draft("flow", "refund.calc", "Refund calc", FLOW)
    definitions.publish("flow", "refund.calc")
    db.session.commit()
    instance = service.start("refund.calc", {"order": order})
    db.session.commit()
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
    return db.session.get(FlowInstance, instance.id)


def test_a_service_node_computes_a_refund_with_a_platform_function(app):
    instance = _run(app, {"currency": "EUR", "whole": True, "shipping": "9.90",
                          "items": [{"price": "60.00", "quantity": 1, "grade": "B"}]})
    assert instance.status == "completed"
    assert instance.variables["refund"] == {"amount": "58.95", "minor": 5895}
    [entry] = db.session.scalars(db.select(OutboxEntry)
                                 .where(OutboxEntry.instance_id == instance.id)).all()
    assert entry.payload["connector"] == "platform"
    assert entry.idempotency_key == f"{instance.public_id}:calc:1"


def test_bad_inputs_take_the_error_edge_with_the_field_named(app):
    instance = _run(app, {"currency": "EUR", "whole": True, "shipping": "9.90",
                          "items": [{"price": "sixty", "quantity": 1}]})
    assert instance.status == "rejected"
    assert "price" in str(instance.variables["refund_error"])
    assert "refund" not in instance.variables


def test_the_linter_and_designer_know_the_platform_functions(app):
    context = get_lint_context()
    assert "refund_amount" in context.connectors["platform"]
    assert "refund_amount" in context_json(context)["connectors"]["platform"]


PDF = b"%PDF-1.4\n% a tiny test document\n%%EOF\n"
STORE_FLOW = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "store", "type": "service", "config": {
            "connector": "platform", "action": "store_document",
            "input": {"content_base64": "label_pdf", "name": {"value": "return-label.pdf"},
                      "content_type": {"value": "application/pdf"}},
            "output": {"label_file": "file", "label_pdf": "content_base64"},
            "error_output": "store_error"}},
        {"id": "done", "type": "end"},
        {"id": "bad_input", "type": "end", "config": {"status": "rejected"}},
    ],
    "edges": [{"from": "start", "to": "store"}, {"from": "store", "to": "done"},
              {"from": "store", "to": "bad_input", "on": "error"}],
}


def _store(content: str) -> FlowInstance:
    if not definitions_published("store.doc"):
        definitions.save_draft("flow", "store.doc", "Store a document", STORE_FLOW)
        definitions.publish("flow", "store.doc")
        db.session.commit()
    instance = service.start("store.doc", {"label_pdf": content})
    db.session.commit()
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
    return db.session.get(FlowInstance, instance.id)


def definitions_published(key: str) -> bool:
    from app.models import Definition

    return db.session.scalar(db.select(Definition.id).where(Definition.key == key)) is not None


def test_store_document_turns_base64_output_into_a_case_file(app):
    import base64

    from app.forms.uploads import file_path
    from app.models import StoredFile

    instance = _store(base64.b64encode(PDF).decode())
    assert instance.status == "completed", instance.variables
    stored = db.session.scalar(db.select(StoredFile).where(
        StoredFile.public_id == instance.variables["label_file"]))
    assert (stored.instance_id, stored.original_name, stored.content_type, stored.size) == \
        (instance.id, "return-label.pdf", "application/pdf", len(PDF))
    with open(file_path(stored), "rb") as handle:
        assert handle.read() == PDF
    assert instance.variables["label_pdf"] is None, "the bytes do not stay in the variables"


def test_store_document_refuses_what_is_not_the_declared_type(app):
    import base64

    instance = _store(base64.b64encode(b"<html>not a pdf</html>").decode())
    assert instance.status == "rejected"
    assert "not application/pdf" in str(instance.variables["store_error"])
    assert _store("%%% not base64").status == "rejected"
