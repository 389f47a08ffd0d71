"""Read the staff directory in a second process while this one reads the grants files.

At district scale (75,000 staff, 1,000 schools) three jobs of about the same size make up loading:
parsing the staff directory (one 14 MB file), parsing the grants files, and the text scan of every file
for the YAML constructs we refuse (`yamlfile._suspect`). Python runs them one after the other on one core.
On Linux a forked child takes the first and the third while the parent parses and validates the
grants files. The child hands back:

- the staff file's parsed data, as `marshal` bytes: plain dicts, lists and strings (dates stay text,
  `yamlfile.parse_bytes` never builds date objects), which read back about five times faster than YAML
  parses, or the staff file's load errors;
- the grants files whose scan found something to look at. The parent parsed them without the scan;
  it reads each of those again the careful way (`read_yaml`), which decides as in a serial load.

Anything unexpected in the child (it died, it sent nothing) makes the parent do the work itself: the
result is the same, only slower. Small repositories never fork: the child costs more than it saves.
"""

from __future__ import annotations

import marshal
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook.loading.yamlfile import ParsedFile, read_yaml, suspect_file

# Below this size of the staff file, loading takes a fraction of a second: not worth a process.
PREFETCH_MIN_STAFF_BYTES = 2 * 1024 * 1024
# ROLEBOOK_PREFETCH=0 never forks, =1 always does (the tests compare both ways); unset: by size.
ENV_SWITCH = "ROLEBOOK_PREFETCH"


@dataclass
class Prefetched:
    """What the child found: the staff file's data (None: read it here), the grants files to read carefully."""

    staff: Any = None
    suspects: set[str] = field(default_factory=set)


def wanted(staff_file: Path) -> bool:
    """Fork for this repository? Only where fork exists, and when the staff file is large."""
    switch = os.environ.get(ENV_SWITCH, "")
    if switch == "0" or not hasattr(os, "fork"):
        return False
    if switch == "1":
        return True
    try:
        return staff_file.stat().st_size >= PREFETCH_MIN_STAFF_BYTES
    except OSError:
        return False


class StaffPrefetch:
    """A forked child parsing `staff_file` and scanning `scanned` (paths relative to `root`)."""

    def __init__(self, root: Path, staff_relative: str, scanned: list[str]):
        self.root = root
        self.staff_relative = staff_relative
        self.scanned = scanned
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()  # a child exits without flushing: nothing buffered may be printed twice
        self.pid = os.fork()
        if self.pid == 0:  # the child: do the work, send it, and leave without running any cleanup
            os.close(read_end)
            code = 0
            try:
                _send(write_end, self._work())
            except BaseException:  # any failure means "parent, do it yourself"
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        self.read_end = read_end

    def _work(self) -> bytes:
        parsed = read_yaml(self.root / self.staff_relative, self.staff_relative)
        # A staff file with problems goes back unparsed: the parent reads it again and reports them
        # exactly as a serial load does. Marshal takes only plain data (dates stay text); anything else
        # fails loudly here, and the parent then does the work itself.
        staff = marshal.dumps(parsed.data) if not parsed.errors else None
        suspects = [name for name in self.scanned if suspect_file(self.root / name)]
        return pickle.dumps((staff, suspects), protocol=pickle.HIGHEST_PROTOCOL)

    def collect(self) -> Prefetched | None:
        """Wait for the child. None if it failed: the caller then does the work itself."""
        chunks: list[bytes] = []
        try:
            while chunk := os.read(self.read_end, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self.read_end)
            _, status = os.waitpid(self.pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not chunks:
            return None
        # Bytes from our own child through our own pipe, never from a file or the network.
        staff, suspects = pickle.loads(b"".join(chunks))  # noqa: S301
        return Prefetched(staff=marshal.loads(staff) if staff is not None else None,  # noqa: S302
                          suspects=set(suspects))


def _send(descriptor: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
    os.close(descriptor)


def staff_source(root: Path, relative: str, fetched: Prefetched) -> ParsedFile:
    """The staff file as `read_yaml` would give it: the child's data, and the text (for line numbers)."""
    path = root / relative
    if fetched.staff is None:
        return read_yaml(path, relative)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):  # changed under our feet: parse it again, here
        return read_yaml(path, relative)
    return ParsedFile(path=path, display=relative, text=text, data=fetched.staff)
