"""Worker processes: what every forked worker does first, so a killed run leaves nothing behind.

A leaf module (the standard library and ``errors`` only): the engines, ``extract`` and the index
writer use it.
"""

from __future__ import annotations

import os
import signal

from .errors import EngineFailed

# Descriptors of the write locks this process holds (indexing.write_lock). A worker forked under
# the lock closes its copies: the lock then dies with the run, not with its last worker.
HELD_LOCKS: set[int] = set()


def worker_init(parent: int) -> None:
    """First thing in a worker: close the inherited lock descriptors (the parent keeps its lock:
    flock belongs to the open file, which the parent still holds) and end when ``parent`` dies
    (Linux's PR_SET_PDEATHSIG), instead of waiting for tasks for ever after a SIGKILL."""
    for fd in list(HELD_LOCKS):
        try:
            os.close(fd)
        except OSError:
            pass
    HELD_LOCKS.clear()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the engines' queue time-outs end a worker whose parent is gone
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _serve(number: int, start, work, finish, abandon, tasks, results, parent: int) -> None:
    """A pool worker's life: ``state = start(number)``, ``work(state, task)`` per task, and once
    there are no more tasks ``finish(state)`` (each answer goes back on ``results``)."""
    worker_init(parent)
    state = start(number) if start else None
    try:
        while True:
            item = tasks.get()
            if item is None:
                break
            results.put(("result", item[0], work(state, item[1])))
        results.put(("done", number, finish(state) if finish else None))
    except OSError as e:  # disk full...: the parent raises it as an OSError
        if abandon:
            abandon(state)
        results.put(("oserror", number, (e.errno, e.strerror or str(e))))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which stops
        if abandon:
            abandon(state)
        results.put(("error", number, f"{type(e).__name__}: {e}"))


class WorkerPool:
    """``jobs`` forked worker processes, each with its own state (``start(number)``, e.g. a shard
    writer), serving the local engine, the local partitions and ``extract``.

    ``map(tasks)`` yields ``work(state, task)`` for each task, in input order or (``ordered``
    False) as they come, with at most ``jobs * WINDOW`` tasks in flight so memory stays flat;
    after the last task every worker returns ``finish(state)``, collected in ``finished``. A worker
    that raises (``abandon(state)`` runs first) or dies raises EngineFailed (OSError for an I/O
    error). Every worker starts on entry, before any task (an engine's under the index write lock:
    ``worker_init`` closes the workers' copies of its descriptor).
    With ``jobs`` 0 the work runs in this process (small runs: no fork, no pickling).
    """

    WINDOW = 4

    def __init__(self, jobs: int, work, start=None, finish=None, abandon=None) -> None:
        self.jobs, self.work, self.start, self.finish, self.abandon = jobs, work, start, finish, abandon
        self.procs: list = []
        self.finished: list = []
        self._serial = None
        self._ended = False  # every worker was told there are no more tasks

    def __enter__(self) -> "WorkerPool":
        if self.jobs:
            import multiprocessing

            ctx = multiprocessing.get_context("fork")
            self.tasks, self.results = ctx.Queue(), ctx.Queue()
            for number in range(self.jobs):
                p = ctx.Process(target=_serve, args=(number, self.start, self.work, self.finish, self.abandon,
                                                     self.tasks, self.results, os.getpid()), daemon=True)
                p.start()
                self.procs.append(p)
        return self

    def map(self, tasks, ordered: bool = False):
        if not self.jobs:
            yield from self._map_here(tasks)
            return
        tasks = iter(tasks)
        sent = in_flight = 0
        exhausted = False
        waiting: dict[int, object] = {}  # answers that came before an earlier task's (ordered)
        next_out = 0

        def feed():  # a bounded window in flight keeps memory flat
            nonlocal sent, in_flight, exhausted
            while not exhausted and in_flight < self.jobs * self.WINDOW:
                task = next(tasks, _END)
                if task is _END:
                    exhausted = self._ended = True
                    for _ in self.procs:  # after the last task: each worker finishes
                        self.tasks.put(None)
                else:
                    self.tasks.put((sent, task))
                    sent += 1
                    in_flight += 1

        feed()
        done = 0
        while done < len(self.procs):
            kind, number, payload = self._next()
            if kind == "result":
                waiting[number] = payload
                ready = []  # in input order, a task counts as in flight until its answer goes out
                while waiting and (not ordered or next_out in waiting):
                    ready.append(waiting.pop(next_out if ordered else number))
                    next_out += 1
                in_flight -= len(ready)
                feed()
                yield from ready
            elif kind == "done":
                done += 1
                self.finished.append(payload)
            elif kind == "oserror":
                raise OSError(*payload)
            else:
                raise EngineFailed(f"a worker failed: {payload}")

    def _map_here(self, tasks):
        self._serial = self.start(0) if self.start else None
        for task in tasks:
            yield self.work(self._serial, task)
        self.finished.append(self.finish(self._serial) if self.finish else None)
        self._serial = None

    def _next(self):
        import queue

        while True:
            try:
                return self.results.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in self.procs if p.exitcode not in (None, 0)]
                if dead:
                    raise EngineFailed(f"a worker process died (exit code {dead[0].exitcode})") from None

    def __exit__(self, exc_type, *exc) -> None:
        if self._serial is not None and exc_type is not None and self.abandon:
            self.abandon(self._serial)
        if self.procs and exc_type is None and not self._ended:  # left before the last task
            for _ in self.procs:
                self.tasks.put(None)
        for p in self.procs:
            if exc_type is not None:
                p.kill()
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()


_END = object()
