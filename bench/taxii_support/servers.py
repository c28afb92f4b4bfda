"""The two servers as real processes on free loopback ports: medallion (from PyPI, in a
virtualenv of its own under var/, which git ignores) and `rcsc serve` on a fresh node.
Each runs in its own session, so teardown signals exactly the group it started."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[2]
MEDALLION_VENV = REPO / "var" / "bench" / "medallion-venv"
MEDALLION_REQUIREMENT = "medallion==3.0.0"  # the newest release on PyPI (July 2020)
RCSC = Path(sys.executable).with_name("rcsc")
ADMIN = "admin@rcsc.example"
COLLECTION = "9a0f6a7e-1b5c-4e49-9a57-0c2d6f1b2c01"


@dataclass
class Server:
    name: str
    pid: int
    discovery: str  # the discovery URL
    auth: httpx.Auth | None
    headers: dict[str, str]
    version: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(args: list[str], env: Mapping[str, str], logs: Path, name: str,
            ready: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start `args`, wait until `ready` answers (any HTTP status), take the group down after."""
    with (logs / f"{name}.out").open("wb") as out, (logs / f"{name}.err").open("wb") as err:
        proc = subprocess.Popen(args, env=dict(env), cwd=logs, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                tail = (logs / f"{name}.err").read_text(errors="replace")[-1500:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")
            try:
                httpx.get(ready, timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer {ready} in 120 s") from None
                time.sleep(0.2)
        yield proc
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is not None:
                break
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                continue


def medallion_venv() -> str:
    """Create the virtualenv and install medallion on first use; its version."""
    python = MEDALLION_VENV / "bin" / "python"
    if not (MEDALLION_VENV / "bin" / "medallion").exists():
        print(f"installing {MEDALLION_REQUIREMENT} into {MEDALLION_VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(MEDALLION_VENV)],
                       check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", MEDALLION_REQUIREMENT],
                       check=True)
    found = subprocess.run([str(python), "-c", "import medallion; print(medallion.__version__)"],
                           check=True, capture_output=True, text=True)
    return found.stdout.strip()


def medallion_config(folder: Path, base: str, page: int) -> Path:
    """Its memory backend with one empty read-write collection, and one Basic user. The
    `next` sessions live an hour: the first page of a large collection takes minutes."""
    data = {
        "/discovery": {"title": "medallion (bench)", "default": f"{base}/bench/",
                       "api_roots": [f"{base}/bench/"]},
        "bench": {
            "information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"],
                            "max_content_length": 100_000_000},
            "status": [],
            "collections": [{"id": COLLECTION, "title": "bench", "can_read": True,
                             "can_write": True, "objects": [], "manifest": [],
                             "media_types": ["application/stix+json;version=2.1"]}],
        },
    }
    (folder / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {"module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend", "filename": str(folder / "data.json"),
                    "session_timeout": 3600},
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": page},
    }
    path = folder / "medallion.json"
    path.write_text(json.dumps(config, indent=2))
    return path


@contextmanager
def medallion(folder: Path, page: int) -> Iterator[Server]:
    version = medallion_venv()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = medallion_config(folder, base, page)
    args = [str(MEDALLION_VENV / "bin" / "medallion"), "--host", "127.0.0.1", "--port",
            str(port), str(config)]
    with running(args, os.environ, folder, "medallion", f"{base}/taxii2/") as proc:
        yield Server("medallion", proc.pid, f"{base}/taxii2/",
                     httpx.BasicAuth("bench", "bench-password"), {}, version)


def _rcsc(env: Mapping[str, str], *args: str) -> str:
    done = subprocess.run([str(RCSC), *args], env=dict(env), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False)
    if done.returncode:
        raise RuntimeError(f"rcsc {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


@contextmanager
def rcsc(folder: Path, database_url: str | None, discovery_path: str) -> Iterator[Server]:
    """A fresh node (`rcsc init`), a token of its first admin, and `rcsc serve`; the public
    base URL is the address served, as `make run` sets it, so absolute links resolve."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RCSC_")}
    env |= {"RCSC_DATA_DIR": str(folder / "data"), "RCSC_PUBLIC_BASE_URL": base,
            # the TAXII server alone, like medallion: no indexer thread correlating what is
            # posted meanwhile (bench/intel.py measures indexing), no federation scheduler
            "RCSC_INTEL_INDEX_SECONDS": "0", "RCSC_FEDERATION_SCHEDULER": "false"}
    if database_url:
        env["RCSC_DATABASE_URL"] = database_url
    _rcsc(env, "init")
    token = _rcsc(env, "token", "create", "--user", ADMIN, "--name", "bench", "--scope",
                  "read", "--scope", "write", "--scope", "sync").strip().splitlines()[-1]
    args = [str(RCSC), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running(args, env, folder, "rcsc", f"{base}/healthz") as proc:
        yield Server("rcsc", proc.pid, base + discovery_path, None,
                     {"Authorization": f"Bearer {token}"}, package_version("rcsc"))


@contextmanager
def scratch_database(pg_url: str) -> Iterator[str]:
    """A new PostgreSQL database (psycopg URL for SQLAlchemy), dropped afterwards."""
    name = f"rcsc_bench_taxii_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + \
            f"/{name}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def memory_kib(pid: int, field: str) -> int:
    """VmRSS or VmHWM (peak) of a process, KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the present RSS (Linux clear_refs 5), so the peak is the phase's."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
