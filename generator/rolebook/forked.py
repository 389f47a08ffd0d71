"""Two processes for one big job: this one and a forked child, on a machine with two cores or more.

Validating a district of 1,000 schools is a few seconds of pure Python, which one process runs on one
core. Forking shares the loaded data with a child for free (copy-on-write), and independent pieces of
work (the policy rules; see also `loading.prefetch`) can then run side by side. Only small results
travel back (findings, pickled through a pipe).

The child takes the next piece of work when it is free, as the parent does, from a queue that is a
pipe holding one byte per piece: a read of one byte is atomic, so no piece is taken twice, and slow
and quick pieces balance themselves. Whatever the child did not report (it failed, or was killed),
the parent does itself: the answer is always complete and the same as in one process.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

# ROLEBOOK_FORK=0 never forks, =1 forks whenever it can (the tests compare both ways); unset: when large.
ENV_SWITCH = "ROLEBOOK_FORK"
_MAX_PIECES = 255  # one byte per piece in the queue


def wanted(large: bool) -> bool:
    """Use a second process? Only where fork exists, on more than one core, and for large work."""
    switch = os.environ.get(ENV_SWITCH, "")
    if switch == "0" or not hasattr(os, "fork"):
        return False
    if switch == "1":
        return True
    return large and (os.cpu_count() or 1) > 1


def run_shared(pieces: Sequence[Callable[[], T]]) -> list[T]:
    """Each piece's result, in the order of `pieces`, computed here and in a forked child."""
    if len(pieces) < 2 or len(pieces) > _MAX_PIECES:
        return [piece() for piece in pieces]
    queue_read, queue_write = os.pipe()
    os.write(queue_write, bytes(range(len(pieces))))
    os.close(queue_write)  # once the queue is empty, a read returns nothing: no more work
    result_read, result_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()  # a child exits without flushing: nothing buffered may be printed twice
    pid = os.fork()
    if pid == 0:
        os.close(result_read)
        done: dict[int, T] = {}
        code = 0
        try:
            _work(queue_read, pieces, done)
        except BaseException:  # the parent redoes what is missing, and meets the error itself
            code = 1
        finally:
            try:
                _send(result_write, pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))
            finally:
                os._exit(code)
    os.close(result_write)
    results: dict[int, T] = {}
    try:
        _work(queue_read, pieces, results)
    finally:
        os.close(queue_read)
        theirs: dict[int, T] = _receive(result_read, pid)
    results.update(theirs)
    return [results[index] if index in results else piece() for index, piece in enumerate(pieces)]


def _work(queue: int, pieces: Sequence[Callable[[], T]], done: dict[int, T]) -> None:
    while taken := os.read(queue, 1):
        index = taken[0]
        done[index] = pieces[index]()


def _send(descriptor: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(descriptor, view):]
    os.close(descriptor)


def _receive(descriptor: int, pid: int) -> dict[int, T]:
    chunks: list[bytes] = []
    try:
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(descriptor)
        os.waitpid(pid, 0)
    try:
        # Bytes from our own child through our own pipe, never from a file or the network.
        received = pickle.loads(b"".join(chunks)) if chunks else {}  # noqa: S301
    except (pickle.UnpicklingError, EOFError, ValueError):
        return {}
    return received if isinstance(received, dict) else {}
