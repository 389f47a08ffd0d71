"""Run one command and write its peak memory (KiB) to a file: the benchmark's measuring helper.

    python -m benchmarks.child RESULT_FILE COMMAND [ARGS...]

A child's ru_maxrss counts the memory of the process it was forked from until exec, so the benchmark
forks each step from this small process rather than from itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

if __name__ == "__main__":
    result_file, argv = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(argv)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = code = os.waitstatus_to_exitcode(status)
    with open(result_file, "w", encoding="utf-8") as handle:
        handle.write(f"{usage.ru_maxrss}\n")
    sys.exit(code)
