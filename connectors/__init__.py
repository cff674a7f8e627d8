"""Outside world: connector protocol, HTTP transport, presets and sandbox simulators.

Framework-free: nothing here imports Flask or app (DESIGN §3). The public surface:

* `compile_connector(body, key, version) -> ConnectorSpec` (compile.py)
* `call_action(spec, action, inputs, *, idempotency_key, secrets, transport, allowlist)
  -> ActionResult` (execute.py), raising the `ConnectorError` tree (exceptions.py)
* `Transport` (transport.py) - one per process; `Allowlist` (ssrf.py)
"""

from connectors.compile import compile_connector
from connectors.execute import ActionResult, call_action
from connectors.ssrf import Allowlist
from connectors.transport import Transport

__all__ = ["ActionResult", "Allowlist", "Transport", "call_action", "compile_connector"]
