"""Worker processes: what every forked worker does first, so a killed run leaves nothing behind.

A leaf module (standard library only): the engines, the derive pool and the index writer use it.
"""

from __future__ import annotations

import os
import signal

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
