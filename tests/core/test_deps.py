"""The request transaction: never more open at once than the worker threads can commit."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest

from healthnet.core import deps


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_open_transactions_stay_below_the_worker_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ten worker threads, eight kept spare for commits: two requests may hold a transaction.
    anyio.to_thread.current_default_thread_limiter().total_tokens = 10
    monkeypatch.setattr(deps, "_open_transactions", None)
    first, second, third = deps.get_session(), deps.get_session(), deps.get_session()
    await anext(first)
    await anext(second)

    # The third request waits for a slot instead of taking a thread it could block.
    with anyio.move_on_after(0.3) as waited:
        await anext(third)
    assert waited.cancelled_caught

    # When one request has committed, the next gets its transaction.
    with pytest.raises(StopAsyncIteration):
        await anext(first)
    fourth = deps.get_session()
    with anyio.fail_after(5):
        session = await anext(fourth)
    assert session.is_active
    for gen in (second, fourth):
        with pytest.raises(StopAsyncIteration):
            await anext(gen)
