"""One writer at a time on SQLite, handed over at once.

SQLite has one write lock per database. A request that finds it taken waits in SQLite's busy
handler, which sleeps in growing steps (1, 2, 5, 10 … 100 ms) and only then looks again: with
two gunicorn workers posting statements one at a time, each write waited tens of milliseconds
for a lock that had been free for most of that time. Waiting on an ``flock`` of a file beside
the database instead wakes the next writer the moment the lock is let go. Threads of one
process queue on a ``threading.Lock`` first (flock is held per open file, not per thread).

PostgreSQL needs none of this: it locks rows, and many writers proceed at once.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path


class WriteLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # A forked worker must not share its parent's open file: flock would not separate them.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()
