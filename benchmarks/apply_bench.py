"""`rolebook apply --plan` at district scale, against a scim2-server that holds the district.

    python -m benchmarks.apply_bench [REPO]      (default /tmp/rolebook-bench-full)

A scim2-server (in memory, on 127.0.0.1) is loaded by applying the benchmark repository's main once
(not timed: it is one request per user and per group); then two steps are timed, each in its own
process as `benchmarks.run` times every step:

- the plan of main against the server holding it: a full read of the server, every page (<= 30 s);
- the plan of the one-grant pull request branch: the people it touches only (<= 2 s).

The run's record (refs/notes/rolebook-apply) is removed afterwards, so the repository stays as it was.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.run import Step

FULL_PLAN = "apply --plan (server holding the district)"
PR_PLAN = "apply --plan (one-grant PR)"
TARGETS = {FULL_PLAN: 30.0, PR_PLAN: 2.0}
NOTES_REF = "refs/notes/rolebook-apply"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    import httpx2

    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("scim2-server stopped at start")
        try:
            httpx2.get(f"{url}/ServiceProviderConfig", timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise RuntimeError("scim2-server did not answer")


def measure_apply(repo: Path) -> list[Step]:
    """The two timed steps (see the module's docstring), as `benchmarks.run` Steps."""
    from benchmarks import history
    from benchmarks.run import PY, TODAY, Step, _git, _rolebook, measure

    port = _free_port()
    url = f"http://127.0.0.1:{port}/v2"
    server = subprocess.Popen([str(Path(sys.executable).parent / "scim2-server"), "--hostname", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    steps: list[Step] = []
    try:
        _wait_for(url, server)
        _git(repo, "checkout", "-q", "-f", history.MAIN)
        started = time.perf_counter()
        load = subprocess.run([PY, "-m", "rolebook", "apply", "--scim", url], cwd=repo, capture_output=True,
                              env={**os.environ, "ROLEBOOK_TODAY": TODAY}, check=False)
        print(f"scim2-server loaded by one apply in {time.perf_counter() - started:.0f} s", flush=True)
        if load.returncode != 0:
            failed = (f"loading the server failed (exit {load.returncode}): "
                      f"{load.stderr.decode(errors='replace')[-300:]}")
            return [Step(FULL_PLAN, note=failed), Step(PR_PLAN, note=failed)]
        steps.append(measure(FULL_PLAN, _rolebook("apply", "--scim", url, "--plan"), repo))
        _git(repo, "checkout", "-q", history.PR_BRANCH)
        steps.append(measure(PR_PLAN, _rolebook("apply", "--scim", url, "--plan"), repo))
        _git(repo, "checkout", "-q", history.MAIN)
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["git", "update-ref", "-d", NOTES_REF], cwd=repo, capture_output=True, check=False)
    return steps


def judge_apply(check: Callable[[str, str, Callable[[float], bool]], None]) -> None:
    """The two targets, for `benchmarks.run.judge`'s `check`."""
    for name, limit in TARGETS.items():
        check(name, f"<= {limit:g} s", lambda value, limit=limit: value <= limit)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    repo = Path(args[0] if args else "/tmp/rolebook-bench-full").resolve()
    failed = False
    for step in measure_apply(repo):
        limit = TARGETS[step.name]
        met = step.seconds is not None and step.returncode == 0 and step.seconds <= limit
        failed |= not met
        print(f"{step.name}: {step.seconds} s (target <= {limit:g} s: {'met' if met else 'NOT met'}) {step.note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
