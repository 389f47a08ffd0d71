"""Parse part of the repository in a second process while this one parses and validates the rest.

At district scale (75,000 staff, 1,000 schools) loading is three jobs of about the same size: parsing the
staff directory (one 14 MB file), parsing the grants files, and validating all of it into models; and
a fourth, smaller one, the text scan of every file for the YAML constructs we refuse
(`yamlfile._suspect`). On Linux a forked child takes the staff file, the scan of every grants file and
a share of the grants files, while the parent parses and validates the other grants files. The child
hands back:

- the data of each file it parsed, as `marshal` bytes: plain dicts, lists and strings (dates stay text,
  `yamlfile.parse_bytes` never builds date objects), which read back about five times faster than YAML
  parses. A file with a problem comes back as None: the parent reads it itself, so problems are
  reported exactly as a serial load reports them;
- the grants files whose scan found something to look at. The parent parsed its own without the scan;
  it reads each of those again the careful way (`read_yaml`), which decides as in a serial load.

Only validation stays in the parent: models cannot cross a process boundary for less than they cost to
build. Anything unexpected in the child (it died, it sent nothing) makes the parent do the work itself:
the result is the same, only slower. Small repositories never fork: the child costs more than it saves.

`rolebook validate` starts the child at once (`start_early`), before it asks the result cache and
imports pydantic, the models and the rules (a third of a second the child spends parsing); the loader
takes that child only if it would have started the very same one (`take_started`).
"""

from __future__ import annotations

import marshal
import os
import pickle
import select
import signal
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook.loading import layout
from rolebook.loading.yamlfile import ParsedFile, read_yaml, suspect_file
from rolebook.paths import STAFF_FILE

# Below this size of the staff file, loading takes a fraction of a second: not worth a process.
PREFETCH_MIN_STAFF_BYTES = 2 * 1024 * 1024
# ROLEBOOK_FORK=0 never forks, =1 forks whenever it can (the tests compare both ways); unset: when large.
ENV_SWITCH = "ROLEBOOK_FORK"
# The share of the grants files the child parses, from the end of the list. The parent validates
# everything, and turning marshal bytes back into data costs about a quarter of parsing it. Measured at
# 1,000 schools: with the child started before the parent imports the models (`start_early`) and the
# scan reading the text backwards (`yamlfile._suspect`), a little under half the files gives both
# processes about the same work (a quarter did, when the child started later and scanned slower).
CHILD_SHARE = 0.45


@dataclass
class Prefetched:
    """What the child sent: the grants files it parsed, and the parent's files to read again carefully."""

    files: dict[str, ParsedFile] = field(default_factory=dict)
    suspects: set[str] = field(default_factory=set)


def wanted(staff_file: Path) -> bool:
    """Fork for this repository? Where fork exists, on more than one core, when the staff file is large."""
    switch = os.environ.get(ENV_SWITCH, "")
    if switch == "0" or not hasattr(os, "fork"):
        return False
    if switch == "1":
        return True
    try:
        large = staff_file.stat().st_size >= PREFETCH_MIN_STAFF_BYTES
    except OSError:
        return False
    # Linux only by default: on macOS a forked child of a process that touched system frameworks may
    # crash (why multiprocessing spawns there), and Windows has no fork.
    return large and (os.cpu_count() or 1) > 1 and sys.platform.startswith("linux")


def child_share(grants_files: list[str]) -> int:
    """How many grants files, from the end of the list, the child parses."""
    return int(len(grants_files) * CHILD_SHARE)


def split(grants_files: list[str]) -> tuple[list[str], list[str]]:
    """(what the child parses: the staff file and the last share of the grants files, what it only
    scans: the other grants files), for grants files given as relative paths in load order."""
    mine = len(grants_files) - child_share(grants_files)
    return [STAFF_FILE, *grants_files[mine:]], grants_files[:mine]


# A child started by `start_early`, waiting for the loader to take it (`take_started`).
_early: Prefetch | None = None


def start_early(root: Path) -> None:
    """Fork the child at the start of a command that loads everything, before the models and the rules
    are imported and while the result cache is asked: the child parses during that time too.

    Only a head start: the loader takes the child if it would have started the same one itself (the
    same files, split the same way), so the result cannot differ. `abandon_early` ends it when the load
    is not needed after all (the answer was in the cache).
    """
    global _early
    staff_file = root / STAFF_FILE
    if _early is None and staff_file.is_file() and wanted(staff_file):
        grants = [path.relative_to(root).as_posix() for path in layout.grants_files(root)]
        parsed, scanned = split(grants)
        _early = Prefetch(root, parsed=parsed, scanned=scanned)


def take_started(root: Path, grants_files: list[str]) -> Prefetch:
    """The child for this load: the one started early if it does exactly this work, else a new one."""
    global _early
    early, _early = _early, None
    parsed, scanned = split(grants_files)
    if early is not None:
        if (early.root, early.parsed, early.scanned) == (root, parsed, scanned):
            return early
        early.abandon()
    return Prefetch(root, parsed=parsed, scanned=scanned)


def abandon_early() -> None:
    """End the child `start_early` started, if the loader did not take it."""
    global _early
    early, _early = _early, None
    if early is not None:
        early.abandon()


class Prefetch:
    """A forked child parsing `parsed` (the staff file first) and scanning `scanned` (paths relative to
    `root`). It sends two messages: the staff file as soon as it is parsed, so the parent can validate
    it between two of its own files, then everything else."""

    def __init__(self, root: Path, parsed: list[str], scanned: list[str]):
        self.root = root
        self.parsed = parsed
        self.scanned = scanned
        self.failed = False
        self._staff_taken = False
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()  # a child exits without flushing: nothing buffered may be printed twice
        self.pid = os.fork()
        if self.pid == 0:  # the child: do the work, send it, and leave without running any cleanup
            os.close(read_end)
            code = 0
            try:
                self._work(write_end)
            except BaseException:  # any failure means "parent, do it yourself"
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        self.read_end = read_end

    # ------------------------------------------------------------------ the child
    def _work(self, pipe: int) -> None:
        staff, *grants = self.parsed
        _send(pipe, pickle.dumps(self._parse(staff), protocol=pickle.HIGHEST_PROTOCOL))
        data = {relative: self._parse(relative) for relative in grants}
        suspects = [name for name in self.scanned if suspect_file(self.root / name)]
        _send(pipe, pickle.dumps((data, suspects), protocol=pickle.HIGHEST_PROTOCOL))
        os.close(pipe)

    def _parse(self, relative: str) -> bytes | None:
        parsed = read_yaml(self.root / relative, relative)
        # Marshal takes only plain data (dates stay text); anything else fails loudly here, and the
        # parent then does the work itself.
        return marshal.dumps(parsed.data) if not parsed.errors else None

    # ------------------------------------------------------------------ the parent
    def staff_ready(self) -> bool:
        """Has the staff file arrived? (Never waits.)"""
        return not self._staff_taken and bool(select.select([self.read_end], [], [], 0)[0])

    def staff(self) -> ParsedFile:
        """The staff file, as `read_yaml` gives it; waits for the child if it is not there yet."""
        self._staff_taken = True
        raw = self._receive()
        return self._source(self.parsed[0], marshal.loads(raw) if raw is not None else None)  # noqa: S302

    def collect(self) -> Prefetched | None:
        """Wait for the rest. None if the child failed: the caller then does its work itself."""
        if not self._staff_taken:  # the staff file's message comes first: skip it to reach the rest
            self.staff()
        message = self._receive()
        os.close(self.read_end)
        _, status = os.waitpid(self.pid, 0)
        if self.failed or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        data, suspects = message
        files = {name: self._source(name, marshal.loads(raw) if raw is not None else None)  # noqa: S302
                 for name, raw in data.items()}
        return Prefetched(files=files, suspects=set(suspects))

    def source(self, fetched: Prefetched | None, relative: str) -> ParsedFile:
        """A grants file the child was to parse, as `read_yaml` gives it."""
        found = fetched.files.get(relative) if fetched is not None else None
        return found if found is not None else read_yaml(self.root / relative, relative)

    def abandon(self) -> None:
        """Stop the child and forget its work (it is no longer wanted)."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - it had already ended
            pass
        os.waitpid(self.pid, 0)
        os.close(self.read_end)
        self.failed = True

    def _source(self, relative: str, data: Any) -> ParsedFile:
        """A file the child parsed (data None: it could not, read it here), with its text for positions."""
        path = self.root / relative
        if data is None:
            return read_yaml(path, relative)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):  # changed under our feet: parse it again, here
            return read_yaml(path, relative)
        return ParsedFile(path=path, display=relative, text=text, data=data)

    def _receive(self) -> Any:
        """The next message, unpickled; None once the child has failed (it sent nothing more)."""
        if self.failed:
            return None
        header = _read_exactly(self.read_end, _LENGTH.size)
        payload = _read_exactly(self.read_end, _LENGTH.unpack(header)[0]) if header is not None else None
        if payload is None:
            self.failed = True
            return None
        # Bytes from our own child through our own pipe, never from a file or the network.
        return pickle.loads(payload)  # noqa: S301


_LENGTH = struct.Struct(">Q")


def _send(descriptor: int, payload: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(payload)) + payload)
    while view:
        view = view[os.write(descriptor, view):]


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    """`size` bytes from the pipe, or None if it ends first (the child died)."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(descriptor, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
