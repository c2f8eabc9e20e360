"""``healthnet serve`` for the load test, with a larger thread pool for sync endpoints.

    .venv/bin/python -m uvicorn records_server:create_app --factory --app-dir bench \\
        --workers 2 --host 127.0.0.1 --port 8300 --no-access-log --proxy-headers

The same application as ``healthnet serve`` (``healthnet.app:create_app``), except that the
AnyIO thread limiter, which runs FastAPI's sync endpoints *and* the enter/exit of sync generator
dependencies (``get_session``: its exit commits), gets ``HN_BENCH_THREADS`` tokens (default 200)
instead of 40. With 40, a burst of more than 40 concurrent requests per worker can deadlock: the
endpoints hold every token while they wait in PostgreSQL for the audit chain head lock, and the
transaction holding that lock needs a token to run its commit (see docs/benchmarks.md, issue #5).
"""

from __future__ import annotations

import os
from typing import Any

import anyio.to_thread

from healthnet.app import create_app as _create_app


class _ThreadTokens:
    def __init__(self, app: Any, tokens: int) -> None:
        self.app = app
        self.tokens = tokens
        self.applied = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.applied:  # the limiter belongs to the running event loop
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.tokens
            self.applied = True
        await self.app(scope, receive, send)


def create_app() -> Any:
    return _ThreadTokens(_create_app(), int(os.environ.get("HN_BENCH_THREADS", "200")))
