"""One writer at a time per index, however many processes or machines share it.

An embedded index is guarded by a file lock (`<index dir>/ingest.lock`, flock). A Chroma
server can be shared by app instances on other machines, where no file lock reaches, so
there the writer holds a lease: a record in the `<collection>_leases` collection naming
its owner and when the lease runs out. Chroma has no compare-and-set, so a writer takes
the lease by writing its name, waiting LEASE_SETTLE seconds (or four times as long as its own
write took, if longer) and reading it back: of two
writers that both saw the lease free, only the one written last reads its own name back,
and the other waits. While it writes, the holder renews the lease every RENEW_SECONDS from
a background thread, and before each batch checks that it still holds it (a writer paused
for longer than the lease, or one that slipped past the settle time, finds it gone and
waits to take it again before writing more). A crashed writer's lease runs out after
LEASE_SECONDS, counted on the Chroma server's clock (its heartbeat), so machines whose clocks
differ agree. Every batch is whole articles, so taking turns between batches loses
nothing. Readers never wait for either lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import IndexBusyError

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0  # a crashed writer's lease runs out after this
RENEW_SECONDS = 5.0
LEASE_SETTLE = 0.5  # seconds between writing our name and reading it back (at least 4x our write's time)
POLL_SECONDS = 0.5  # between attempts while another writer holds the index


class WriterLock:
    """What an ingest holds: `renew()` before each batch raises IndexBusyError if the lease was lost."""

    def renew(self) -> None:  # a file lock cannot be lost
        return None


@contextlib.contextmanager
def file_lock(index_dir: Path, timeout: float) -> Iterator[WriterLock]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "a") as lock:
        _wait(lambda: _try_flock(lock), timeout, f"the index at {index_dir}")
        try:
            yield WriterLock()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _try_flock(lock) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class Lease(WriterLock):
    """The writer's lease on a Chroma server (see the module docstring)."""

    def __init__(self, collection, where: str, timeout: float, clock: Callable[[], float] = time.time) -> None:
        self._leases = collection
        self._where = where
        self._timeout = timeout
        self._clock = clock
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def _holder(self) -> tuple[str, float] | None:
        got = self._leases.get(ids=["ingest"], include=["metadatas"])
        if not got["ids"]:
            return None
        m = got["metadatas"][0] or {}
        return str(m.get("owner", "")), float(m.get("expires", 0.0))

    def _write(self) -> None:
        self._leases.upsert(ids=["ingest"], embeddings=[[0.0]], documents=["ingest lease"],
                            metadatas=[{"owner": self.owner, "expires": self._clock() + LEASE_SECONDS}])

    def _mine(self) -> bool:
        holder = self._holder()
        return holder is not None and holder[0] == self.owner and holder[1] > self._clock()

    def try_take(self) -> bool:
        holder = self._holder()
        if holder is not None and holder[0] != self.owner and holder[1] > self._clock():
            return False
        started = time.monotonic()
        self._write()
        # Another writer's write may be as slow as ours was: wait well past it before reading back.
        time.sleep(max(LEASE_SETTLE, 4 * (time.monotonic() - started)))
        return self._mine()

    def take(self) -> None:
        _wait(self.try_take, self._timeout, f"the index at {self._where}")

    def renew(self) -> None:
        """Before a batch: still ours (extend it), or wait until it is ours again."""
        if self._mine():
            self._write()
        else:
            log.warning("the lease on %s went to another writer; waiting for it", self._where)
            self.take()

    def keep_alive(self) -> None:
        def beat() -> None:
            while not self._stop.wait(RENEW_SECONDS):
                with contextlib.suppress(Exception):  # a server hiccup: the next beat or batch tries again
                    if self._mine():
                        self._write()

        self._beat = threading.Thread(target=beat, name="lease", daemon=True)
        self._beat.start()

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=60)  # a renewal under way must not write the lease back after we delete it
        holder = self._holder()
        if holder is not None and holder[0] == self.owner:
            self._leases.delete(ids=["ingest"])


@contextlib.contextmanager
def lease(collection, where: str, timeout: float, clock: Callable[[], float] = time.time) -> Iterator[WriterLock]:
    """`clock`: the server's, so that writers on machines whose clocks differ agree on when a lease ends."""
    held = Lease(collection, where, timeout, clock)
    held.take()
    held.keep_alive()
    try:
        yield held
    finally:
        with contextlib.suppress(Exception):  # an unreachable server: the lease runs out by itself
            held.release()


def _wait(attempt: Callable[[], bool], timeout: float, what: str) -> None:
    """Try until it works; say once that we wait, and give up after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    said = False
    while not attempt():
        if time.monotonic() >= deadline:
            raise IndexBusyError(f"{what} is busy: another ingest has been writing to it for over {timeout:g} s; "
                                 "try again when it is done (ASSISTANT_LOCK_TIMEOUT sets how long to wait)")
        if not said:
            log.warning("%s is busy: another ingest is writing to it; retrying for up to %g s", what, timeout)
            said = True
        time.sleep(POLL_SECONDS)
