"""Worker processes for importers that parse big files in parallel (mbox, WordPress, Disqus).

Workers are spawned, not forked: a fork would copy the importing process with its DuckDB
threads. A spawned worker needs nothing from ``__main__``: it is hidden while the workers
start, so a script that imports without an ``if __name__ == "__main__":`` guard is not run
again in each of them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import Pool
from typing import Any

from closeknit.core.errors import UsageError

__all__ = ["spawn_pool", "workers_from_env", "default_workers", "in_order"]


def spawn_pool(n: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()) -> Pool:
    """A pool of ``n`` spawned worker processes."""
    main = sys.modules.get("__main__")
    saved: dict[str, Any] = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            if "__spec__" in saved:
                main.__spec__ = None
        # Workers start with Ctrl-C ignored (a started interpreter keeps an ignored SIGINT ignored), not
        # only from _worker_init on: a Ctrl-C that reached a worker still importing would kill it, possibly
        # holding the task queue's lock, and the pool (and the import) would then never end. Signals can
        # only be set from the main thread; a pool started elsewhere relies on _worker_init.
        in_main = threading.current_thread() is threading.main_thread()
        old = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            return multiprocessing.get_context("spawn").Pool(n, initializer=_worker_init, initargs=(initializer, initargs))
        finally:
            if in_main:
                signal.signal(signal.SIGINT, old)
    finally:
        if main is not None:
            main.__dict__.update(saved)


def _worker_init(initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    # Ctrl-C reaches every process of the terminal's group: the importing process stops the pool
    # and reports one line; a worker that also raised KeyboardInterrupt would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


def workers_from_env(name: str, default: int) -> int:
    """The number of workers set in environment variable ``name`` (0 = parse in this process),
    else ``default``. A value that is not a whole number is a clear error."""
    env = os.environ.get(name)
    if env is None or not env.strip():
        return default
    if not env.strip().isdigit():
        raise UsageError(f"{name}={env!r}: expected a whole number of worker processes (0 parses in this process)")
    return int(env)


def default_workers(name: str) -> int:
    """Worker processes for an importer's big files: environment variable ``name`` if set, else one
    per CPU up to 4 on a machine with two or more (the importing process writes the store
    meanwhile), else none."""
    cpus = os.cpu_count() or 1
    return workers_from_env(name, min(cpus, 4) if cpus >= 2 else 0)


def in_order(pool: Pool, func: Callable[..., Any], tasks: Iterable[tuple], window: int) -> Iterator[tuple[tuple, Any]]:
    """``(args, func(*args))`` for every ``args`` of ``tasks``, computed by ``pool`` and given back
    in task order. Tasks are taken from ``tasks`` only as results are taken (at most ``window``
    are submitted and not yet given back), so a producer that reads a file reads it as fast as the
    results are used.

    A caller that stops early (an error, Ctrl-C) waits here for the tasks already handed over
    (at most ``window`` of them, :data:`SETTLE_SECONDS` at most) before it goes on to end the
    pool: ``Pool.terminate()`` while a worker is still sending a large result can hang for good
    (CPython's ``_terminate_pool`` puts its sentinel on the results pipe, whose lock that worker
    holds, after the thread that read the pipe has stopped; seen 2026-12 as a Ctrl-C during an
    mbox import that never ended under load)."""
    inflight: deque = deque()
    try:
        for args in tasks:
            inflight.append((args, pool.apply_async(func, args)))
            while len(inflight) >= window:
                yield _next(inflight)
        while inflight:
            yield _next(inflight)
    except BaseException:
        deadline = time.monotonic() + SETTLE_SECONDS
        for _, result in inflight:
            result.wait(max(0.0, deadline - time.monotonic()))
        raise


def _next(inflight: deque) -> tuple[tuple, Any]:
    # The task stays among those handed over until its result is here: a Ctrl-C that lands while this
    # waits for it must wait for it too (the worker may be sending it) before the pool is ended.
    args, result = inflight[0]
    value = result.get()
    inflight.popleft()
    return args, value


#: How long a caller that stops early waits for the tasks it handed over (see :func:`in_order`).
SETTLE_SECONDS = 60.0
