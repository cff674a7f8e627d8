"""Embedded backend: one worker thread runs jobs in this process; a second one sweeps timers.

Used when there is no Redis (DESIGN §9, "embedded"). Jobs run one at a time, in the
order they fall due, each in its own app context and therefore its own database
session. A job that raises is logged with its traceback and kept in `failures()`.

Nothing starts at import or at app creation: the worker thread starts with the first
job, and the timer thread (config `JOBS_INPROCESS_TIMER_THREAD`, on by default) with
the first request or job. Queued jobs live in memory only; what must survive a restart
lives in the database (timers, outbox) and is picked up again by the timer sweep.
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import logging
import threading
import time
from collections import deque

from flask import Flask

from app.jobs.dispatcher import JobFailure, JobRequest
from app.jobs.registry import execute

log = logging.getLogger(__name__)

#: How long process exit waits for due jobs to finish before dropping the rest.
DRAIN_SECONDS_AT_EXIT = 10.0
JOIN_SECONDS = 5.0


class InProcessBackend:
    name = "inprocess"

    def __init__(self, app: Flask, *, timer_thread: bool, sweep_seconds: float) -> None:
        self._app = app
        self._timer_thread_enabled = timer_thread
        self._sweep_seconds = sweep_seconds
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, JobRequest]] = []  # (run at, order, request)
        self._order = itertools.count()
        self._pending_ids: set[str] = set()  # job ids queued, delayed or running
        self._running: JobRequest | None = None
        self._failures: deque[JobFailure] = deque(maxlen=100)
        self._worker: threading.Thread | None = None
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()

    def submit(self, request: JobRequest) -> None:
        with self._cond:
            if self._stop.is_set():
                raise RuntimeError("the in-process jobs backend is shut down")
            if request.job_id is not None:
                if request.job_id in self._pending_ids:
                    log.debug("job %s is already pending; not added again", request.job_id)
                    return
                self._pending_ids.add(request.job_id)
            run_at = time.time() + (request.delay or 0.0)
            heapq.heappush(self._heap, (run_at, next(self._order), request))
            self._cond.notify_all()
            if self._worker is None:
                self._worker = self._thread(self._work, "formloom-jobs")
                atexit.register(self._drain_at_exit)
        self.start()

    def start(self) -> None:
        """Start the timer thread if enabled (the worker thread starts with the first job)."""
        with self._cond:
            if self._timer_thread_enabled and self._sweeper is None and not self._stop.is_set():
                self._sweeper = self._thread(self._sweep, "formloom-timers")

    def wait_idle(self, timeout: float) -> bool:
        if threading.current_thread() is self._worker:
            raise RuntimeError("wait_idle() called from a job would wait for itself")
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._running is not None or self._has_due_job():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))  # delayed jobs fall due without notice
            return True

    def failures(self, limit: int) -> list[JobFailure]:
        return list(self._failures)[:limit]

    def shutdown(self) -> None:
        """Stop both threads; a running job finishes, queued jobs are dropped."""
        with self._cond:
            self._stop.set()
            dropped = len(self._heap)
            self._heap.clear()
            self._pending_ids.clear()
            self._cond.notify_all()
        for thread in (self._worker, self._sweeper):
            if thread is not None and thread is not threading.current_thread():
                thread.join(JOIN_SECONDS)
        atexit.unregister(self._drain_at_exit)
        if dropped:
            log.warning("in-process jobs stopped with %d job(s) not run", dropped)

    def _thread(self, target, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def _has_due_job(self) -> bool:
        return bool(self._heap) and self._heap[0][0] <= time.time()

    def _next_due(self) -> JobRequest | None:
        """Wait for the earliest job to fall due; None once shutting down. Holds the lock."""
        while not self._stop.is_set():
            if not self._heap:
                self._cond.wait()
                continue
            wait = self._heap[0][0] - time.time()
            if wait <= 0:
                return heapq.heappop(self._heap)[2]
            self._cond.wait(wait)
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                request = self._next_due()
                if request is None:
                    return
                self._running = request
            try:
                self._run(request)
            finally:
                with self._cond:
                    self._running = None
                    self._pending_ids.discard(request.job_id)
                    self._cond.notify_all()

    def _run(self, request: JobRequest) -> None:
        try:
            with self._app.app_context():
                execute(request.name, request.args)
        except Exception as err:
            log.exception("job %s%r failed", request.name, request.args)
            self._failures.appendleft(JobFailure.of(request, err))

    def _sweep(self) -> None:
        from app import sweeps  # the app layer above jobs: imported when the thread runs

        while not self._stop.is_set():
            try:
                with self._app.app_context():
                    sweeps.sweep_once()
            except Exception:
                log.exception("timer sweep failed; trying again in %ss", self._sweep_seconds)
            self._stop.wait(self._sweep_seconds)

    def _drain_at_exit(self) -> None:
        if not self.wait_idle(DRAIN_SECONDS_AT_EXIT):
            log.warning("jobs still running after %ss at exit", DRAIN_SECONDS_AT_EXIT)
        self.shutdown()
