"""How a connector call can fail, as one tree under `FormloomError`.

    FormloomError
    └── ConnectorError                        a connector call did not produce a result
        ├── ClientRejected(status, message)   a 4xx other than 429: the request is wrong,
        │   │                                 retrying will not help -> the flow's error edge
        │   └── InputInvalid(errors)          inputs fail the action's input schema or
        │                                     cannot be put in a URL/header; nothing was sent
        ├── ServerFailed(status, message, attempts)
        │   │                                 5xx, 429 or a connection error, still failing
        │   │                                 after the retries -> an incident
        │   └── ConnectorTimeout              ... the last attempt hit its connect/read timeout
        ├── CircuitOpen(retry_after)          the connector's breaker is open; nothing was sent
        ├── TargetRefused(reason)             the SSRF guard refused the URL (or a redirect)
        ├── BadResponse(status, message)      an unexpected status, a redirect we would not
        │                                     follow, or a body the response mapping cannot read
        └── ConnectorMisconfigured            unknown action, credential not set, token
                                              endpoint refusing the client credentials

`ConnectorTimeout` is a `ServerFailed` on purpose: an app that handles "retries are used
up" once handles timeouts with it. Everything here is safe to show to an admin and to
store in an incident: messages name credentials, never their values, and never carry
a request body (CHECKLIST 29). `attempts` counts HTTP attempts made for this call.
"""

from __future__ import annotations

from runtime.exceptions import ErrorDetail, FormloomError


class ConnectorError(FormloomError):
    """Base of every connector failure."""

    code = "connector_error"

    def __init__(self, message: str, *, attempts: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts


class ClientRejected(ConnectorError):
    """The outside system refused the request (4xx, not 429).

    `outcome` is the name the action's `response.errors` gives this status (a modelled
    error edge such as `order_not_found`), or None. `details` is the parsed error body,
    for the flow's `error_output`; it is never part of the message.
    """

    code = "client_rejected"

    def __init__(
        self,
        status: int | None,
        message: str,
        *,
        outcome: str | None = None,
        details: object = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message, attempts=attempts)
        self.status = status
        self.outcome = outcome
        self.details = details


class InputInvalid(ClientRejected):
    code = "input_invalid"

    def __init__(self, errors: list[ErrorDetail]) -> None:
        first = f" ({errors[0].pointer or '/'}: {errors[0].reason})" if errors else ""
        super().__init__(None, f"the action's inputs are not valid{first}")
        self.errors = errors


class ServerFailed(ConnectorError):
    code = "server_failed"

    def __init__(self, status: int | None, message: str, *, attempts: int = 0) -> None:
        super().__init__(message, attempts=attempts)
        self.status = status


class ConnectorTimeout(ServerFailed):
    code = "connector_timeout"

    def __init__(self, message: str, *, attempts: int = 0) -> None:
        super().__init__(None, message, attempts=attempts)


class CircuitOpen(ConnectorError):
    """`retry_after`: seconds until the breaker lets a trial call through."""

    code = "circuit_open"

    def __init__(self, message: str, *, retry_after: float, attempts: int = 0) -> None:
        super().__init__(message, attempts=attempts)
        self.retry_after = retry_after


class TargetRefused(ConnectorError):
    code = "target_refused"

    def __init__(self, reason: str, *, attempts: int = 0) -> None:
        super().__init__(f"target refused: {reason}", attempts=attempts)
        self.reason = reason


class BadResponse(ConnectorError):
    code = "bad_response"

    def __init__(self, status: int | None, message: str, *, attempts: int = 0) -> None:
        super().__init__(message, attempts=attempts)
        self.status = status


class ConnectorMisconfigured(ConnectorError):
    code = "connector_misconfigured"
