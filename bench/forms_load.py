"""A bounded HTTP load: N concurrent clients posting multipart forms on keep-alive connections.

Clients are threads spread over a few processes (one Python process cannot drive 32
connections past its own GIL on a 2-core machine). Each client fetches its session
cookie and CSRF token once, then posts until the deadline, a fresh client token per
request so every post is a new submission. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import secrets
import threading
import time
from typing import Any

BOUNDARY = "----formloom-bench-boundary"


def multipart(fields: dict[str, str]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode()


def _client(port: int, path: str, fields: dict[str, str], token_path: str | None,
            deadline: float, out: list[tuple[float, int]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    csrf = None
    if token_path:
        conn.request("GET", token_path)
        response = conn.getresponse()
        csrf = json.loads(response.read())["csrf"]
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        headers["Cookie"] = cookie
    while time.perf_counter() < deadline:
        body_fields = dict(fields, client_token=secrets.token_hex(12))
        if csrf:
            body_fields["csrf_token"] = csrf
        body = multipart(body_fields)
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        out.append((time.perf_counter() - started, status))
    conn.close()


def _process(args: tuple[Any, ...]) -> list[tuple[float, int]]:
    port, path, fields, token_path, clients, start_at, seconds = args
    while time.time() < start_at:
        time.sleep(0.01)
    deadline = time.perf_counter() + seconds
    out: list[tuple[float, int]] = []
    threads = [
        threading.Thread(target=_client, args=(port, path, fields, token_path, deadline, out))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def run_load(port: int, path: str, fields: dict[str, str], *, token_path: str | None,
             clients: int = 32, processes: int = 4, seconds: float = 10.0) -> dict[str, Any]:
    """Requests per second, p50/p99 latency and error count of one bounded run."""
    per_process = [clients // processes + (1 if i < clients % processes else 0)
                   for i in range(processes)]
    start_at = time.time() + 1.0
    jobs = [(port, path, fields, token_path, n, start_at, seconds) for n in per_process]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = [r for chunk in pool.map(_process, jobs) for r in chunk]
    ok = sorted(t for t, status in results if status in (200, 201))
    errors = sum(1 for _, status in results if status not in (200, 201))
    if not ok:
        return {"rps": 0.0, "p50_ms": None, "p99_ms": None, "requests": 0, "errors": errors}
    return {
        "rps": round(len(ok) / seconds, 1),
        "p50_ms": round(ok[len(ok) // 2] * 1000, 1),
        "p99_ms": round(ok[min(len(ok) - 1, int(len(ok) * 0.99))] * 1000, 1),
        "requests": len(ok),
        "errors": errors,
    }
