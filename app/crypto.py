"""Secrets at rest: Fernet with a key ring, so keys can be rotated without downtime.

`ENCRYPTION_KEYS` holds comma-separated Fernet keys, newest first. New ciphertext uses
the first key; any key in the ring decrypts; `rotate` re-encrypts under the newest one.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from runtime.exceptions import FormloomError


class SecretUnreadable(FormloomError):
    code = "secret_unreadable"


def key_ring(keys: str | None = None) -> MultiFernet:
    raw = keys if keys is not None else current_app.config["ENCRYPTION_KEYS"]
    parts = [k.strip() for k in str(raw or "").split(",") if k.strip()]
    if not parts:
        raise SecretUnreadable("no encryption key is configured (FORMLOOM_ENCRYPTION_KEYS)")
    try:
        return MultiFernet([Fernet(k) for k in parts])
    except ValueError as err:
        raise SecretUnreadable("an encryption key is not a valid Fernet key") from err


def encrypt(plaintext: str, ring: MultiFernet | None = None) -> bytes:
    return (ring or key_ring()).encrypt(plaintext.encode())


def decrypt(ciphertext: bytes, ring: MultiFernet | None = None) -> str:
    try:
        return (ring or key_ring()).decrypt(ciphertext).decode()
    except InvalidToken as err:
        # Never include the ciphertext or the key in the message.
        message = "a stored secret cannot be decrypted with the configured keys"
        raise SecretUnreadable(message) from err


def rotate(ciphertext: bytes, ring: MultiFernet | None = None) -> bytes:
    return (ring or key_ring()).rotate(ciphertext)


def redact(secret: str | None) -> str:
    """What a person may see of a secret: that it exists, and its last two characters."""
    if not secret:
        return ""
    return "••••••" + (secret[-2:] if len(secret) >= 12 else "")
