"""Run one command and write its peak memory (KiB) and wall time (seconds) to a file, a line each: the
benchmark's measuring helper.

    python -m benchmarks.child RESULT_FILE COMMAND [ARGS...]

A child's ru_maxrss counts the memory of the process it was forked from until exec, so the benchmark
forks each step from this small process rather than from itself. The time is taken here, from just
before the command starts until it has ended: this helper's own start (a Python interpreter, about
0.04 s) is not the command's, and on a step of half a second it would be a tenth of the figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

if __name__ == "__main__":
    result_file, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    process = subprocess.Popen(argv)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    with open(result_file, "w", encoding="utf-8") as handle:
        handle.write(f"{usage.ru_maxrss}\n{seconds:.6f}\n")
    sys.exit(code)
