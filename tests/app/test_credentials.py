"""Connector secrets: encrypted at rest, redacted, bound to their URL, rotatable (C16, C29)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app import crypto
from app.extensions import db
from app.models import AuditEntry, ConnectorCredential
from app.services import credentials
from runtime.exceptions import NotFound

SECRET = "sk_test_51HxYzVerySecretValue"


def test_secret_is_encrypted_at_rest_and_readable_back(app):
    credentials.set_secret("payment", "api_key", SECRET, "https://pay.example")
    db.session.commit()
    row = db.session.scalar(db.select(ConnectorCredential))
    assert SECRET.encode() not in row.ciphertext
    assert credentials.get_secret("payment", "api_key", "https://pay.example") == SECRET


def test_secret_is_only_shown_redacted_and_never_audited(app):
    credentials.set_secret("payment", "api_key", SECRET, "https://pay.example")
    db.session.commit()
    [view] = credentials.list_redacted("payment")
    assert view.redacted == "••••••ue"
    audit_text = str([(a.action, a.details) for a in db.session.scalars(db.select(AuditEntry))])
    assert SECRET not in audit_text


def test_changing_the_base_url_clears_the_secret(app):
    credentials.set_secret("payment", "api_key", SECRET, "https://pay.example")
    db.session.commit()
    assert credentials.base_url_changed("payment", "https://attacker.example") == 1
    db.session.commit()
    with pytest.raises(NotFound):
        credentials.get_secret("payment", "api_key", "https://attacker.example")
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectorCredential)) == 0


def test_secret_is_not_released_for_another_url(app):
    credentials.set_secret("crm", "token", SECRET, "https://crm.example")
    db.session.commit()
    with pytest.raises(NotFound):
        credentials.get_secret("crm", "token", "https://other.example")


def test_rotation_moves_secrets_to_the_newest_key(app):
    credentials.set_secret("erp", "password", SECRET, "https://erp.example")
    db.session.commit()
    old_key = app.config["ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEYS"] = f"{new_key},{old_key}"
    assert credentials.rotate_all() == 1
    db.session.commit()
    app.config["ENCRYPTION_KEYS"] = new_key  # the old key is retired
    assert credentials.get_secret("erp", "password", "https://erp.example") == SECRET


def test_unreadable_secret_error_does_not_leak_material(app):
    credentials.set_secret("erp", "password", SECRET, "https://erp.example")
    db.session.commit()
    app.config["ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    with pytest.raises(crypto.SecretUnreadable) as caught:
        credentials.get_secret("erp", "password", "https://erp.example")
    assert SECRET not in str(caught.value)
