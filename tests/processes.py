"""Running real `rcsc` (and `make`) processes: a clean environment, free loopback ports,
bounded waits, and process groups that are always taken down.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
# One cache folder for every server and CLI process of the test run (and later runs): the
# warninglist index is built once, not once per process (intel/warninglists.py).
TEST_CACHE = Path(tempfile.gettempdir()) / f"rcsc-test-cache-{os.getuid()}"
RCSC = (sys.executable, "-m", "rcsc")
# Variables of the developer's shell (or an outer `make`) that would change what we test.
_DROPPED = ("FORCE_COLOR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def child_env(**rcsc: str) -> dict[str, str]:
    """This environment without any RCSC_ variable, plus the given ones (name without RCSC_)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RCSC_") and k not in _DROPPED}
    env.update({f"RCSC_{key.upper()}": value for key, value in rcsc.items()})
    env.setdefault("RCSC_CACHE_DIR", str(TEST_CACHE))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(check: Callable[[], bool], timeout: float, what: str,
         step: float = 0.1, died: Callable[[], str | None] | None = None) -> None:
    """Wait until `check()` holds, at most `timeout` seconds; fail saying what never came."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        problem = died() if died else None
        if problem:
            raise AssertionError(f"{what}: {problem}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (Linux /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


@dataclass
class Process:
    """A child in its own session (so its whole group can be signalled); output to files."""

    popen: subprocess.Popen[bytes]
    out_path: Path
    err_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def exited(self) -> str | None:
        code = self.popen.poll()
        if code is None:
            return None
        return f"the process exited with {code}\nstdout:\n{self.stdout()}\nstderr:\n{self.stderr()}"

    def wait_for_output(self, pattern: str, timeout: float = 90, *, count: int = 1,
                        stream: str = "stderr") -> list[re.Match[str]]:
        read = self.stderr if stream == "stderr" else self.stdout
        found: list[re.Match[str]] = []

        def check() -> bool:
            found[:] = list(re.finditer(pattern, read()))
            return len(found) >= count

        poll(check, timeout, f"{count} x {pattern!r} on {stream}", died=self.exited)
        return found

    def wait_for_http(self, url: str, timeout: float = 90) -> httpx.Response:
        """Poll `url` until it answers 200 (the server has started)."""
        answer: list[httpx.Response] = []

        def check() -> bool:
            try:
                response = httpx.get(url, timeout=5)
            except httpx.TransportError:
                return False
            answer[:] = [response]
            return response.status_code == 200

        poll(check, timeout, f"200 from {url}", step=0.2, died=self.exited)
        return answer[0]

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM to the main process only; its exit code once it has stopped."""
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def kill_group(self, grace: float = 20) -> None:
        """Teardown: SIGTERM to the whole group, then SIGKILL whatever is left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not group_members(self.pid) and self.popen.poll() is not None:
                break
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                break
            try:
                poll(lambda: not group_members(self.pid), grace, "the process group to end")
            except AssertionError:
                continue
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL was sent above
            self.popen.wait(timeout=grace)


def start(args: Sequence[str], env: dict[str, str], log_dir: Path,
          cwd: Path | None = None, name: str = "proc") -> Process:
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        popen = subprocess.Popen(list(args), env=env, cwd=cwd or log_dir, stdout=out,
                                 stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    return Process(popen, out_path, err_path)
