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
"""

from __future__ import annotations

import marshal
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook import forked
from rolebook.loading.yamlfile import ParsedFile, read_yaml, suspect_file

# Below this size of the staff file, loading takes a fraction of a second: not worth a process.
PREFETCH_MIN_STAFF_BYTES = 2 * 1024 * 1024
# The share of the grants files the child parses, from the end of the list. The parent validates
# everything, and turning marshal bytes back into data costs about a quarter of parsing it: a third
# of the files gives both processes about the same work.
CHILD_SHARE = 1 / 3


@dataclass
class Prefetched:
    """What the child sent: parsed data by file (None: read it here) and the files to read carefully."""

    data: dict[str, Any] = field(default_factory=dict)
    suspects: set[str] = field(default_factory=set)


def wanted(staff_file: Path) -> bool:
    """Fork for this repository? When the staff file is large (and `forked.wanted` agrees)."""
    try:
        large = staff_file.stat().st_size >= PREFETCH_MIN_STAFF_BYTES
    except OSError:
        return False
    return forked.wanted(large)


def child_share(grants_files: list[str]) -> int:
    """How many grants files, from the end of the list, the child parses."""
    return int(len(grants_files) * CHILD_SHARE)


class Prefetch:
    """A forked child parsing `parsed` and scanning `scanned` (paths relative to `root`)."""

    def __init__(self, root: Path, parsed: list[str], scanned: list[str]):
        self.root = root
        self.parsed = parsed
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
        data: dict[str, bytes | None] = {}
        for relative in self.parsed:
            parsed = read_yaml(self.root / relative, relative)
            # Marshal takes only plain data (dates stay text); anything else fails loudly here, and
            # the parent then does all the work itself.
            data[relative] = marshal.dumps(parsed.data) if not parsed.errors else None
        suspects = [name for name in self.scanned if suspect_file(self.root / name)]
        return pickle.dumps((data, suspects), protocol=pickle.HIGHEST_PROTOCOL)

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
        data, suspects = pickle.loads(b"".join(chunks))  # noqa: S301
        return Prefetched(data={name: marshal.loads(raw) if raw is not None else None  # noqa: S302
                                for name, raw in data.items()},
                          suspects=set(suspects))

    def source(self, fetched: Prefetched | None, relative: str) -> ParsedFile:
        """A file the child was to parse, as `read_yaml` gives it (the text read here, for positions)."""
        path = self.root / relative
        data = fetched.data.get(relative) if fetched is not None else None
        if data is None:  # a problem, or no child: read it here
            return read_yaml(path, relative)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):  # changed under our feet: parse it again, here
            return read_yaml(path, relative)
        return ParsedFile(path=path, display=relative, text=text, data=data)


def _send(descriptor: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
    os.close(descriptor)
