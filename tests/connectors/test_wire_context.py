"""The default TLS context is built once per process, and it checks certificates and names.

Building one loads Mozilla's CA bundle (~0.1 s of CPU); a transport is made for every
connector call, so a context per call dominated a portal order lookup under load
(bench/load.py). Sharing it must not weaken it.
"""

from __future__ import annotations

import ssl

from connectors.wire import PinnedWire, default_ssl_context


def test_every_wire_shares_one_default_context_that_verifies():
    first, second = PinnedWire(), PinnedWire()
    assert first.ssl_context is second.ssl_context is default_ssl_context()
    context = first.ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 50  # the CA bundle is loaded


def test_a_wire_given_its_own_context_keeps_it():
    own = ssl.create_default_context()
    assert PinnedWire(own).ssl_context is own
