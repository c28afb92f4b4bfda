"""A TAXII 2.1 client of the standard endpoints only (discovery → API root → collections →
objects, status), so the same code drives medallion, RCSC or any conforming server.
Spec: https://docs.oasis-open.org/cti/taxii/v2.1/os/taxii-v2.1-os.html (sections 4 and 5)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpx
import orjson

from taxii_support.servers import Server

TAXII = "application/taxii+json;version=2.1"


class Unavailable(Exception):
    """The server answers, but offers no TAXII discovery or no writable collection."""


@dataclass
class Collection:
    http: httpx.Client
    api_root: str
    url: str  # …/collections/{id}/


@dataclass
class Timing:
    p50_ms: float
    p99_ms: float
    runs: int


def connect(server: Server) -> Collection:
    """Discovery, the default (or first) API root, the first collection the caller may both
    read and write."""
    http = httpx.Client(auth=server.auth, headers={"Accept": TAXII, **server.headers},
                        timeout=httpx.Timeout(3600, connect=10))
    found = http.get(server.discovery)
    if found.status_code == 404:
        raise Unavailable(f"discovery {server.discovery} answered 404")
    found.raise_for_status()
    listed = found.json()
    root = urljoin(server.discovery, listed.get("default") or listed["api_roots"][0])
    root = root if root.endswith("/") else root + "/"
    http.get(root).raise_for_status()
    answer = http.get(root + "collections/")
    answer.raise_for_status()
    usable = [c for c in answer.json().get("collections", [])
              if c.get("can_read") and c.get("can_write")]
    if not usable:
        raise Unavailable(f"no collection at {root} is both readable and writable")
    return Collection(http, root, f"{root}collections/{usable[0]['id']}/")


def taxii_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _wait(c: Collection, status: dict[str, Any]) -> dict[str, Any]:
    pause = 0.001
    while status["status"] != "complete":
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
        answer = c.http.get(f"{c.api_root}status/{status['id']}/")
        answer.raise_for_status()
        status = answer.json()
    return status


@dataclass
class Ingest:
    seconds: float
    cut: str  # the time just before the last POST, when every earlier envelope was complete
    posted: int  # objects posted (fewer than asked when the budget ran out)


def ingest(c: Collection, objects: Sequence[dict[str, Any]], envelope: int,
           budget: float = math.inf) -> Ingest:
    """POST the envelopes one after another, each followed through its status resource to
    'complete' (as taxii2-client's add_objects does by default). No envelope is started
    once `budget` seconds have gone (medallion slows as its collection grows)."""
    bodies = [orjson.dumps({"objects": objects[i:i + envelope]})
              for i in range(0, len(objects), envelope)]
    sizes = [min(envelope, len(objects) - i) for i in range(0, len(objects), envelope)]
    cut, posted, started = "", 0, time.perf_counter()
    for body, size in zip(bodies, sizes, strict=True):
        if time.perf_counter() - started > budget:
            break
        cut = taxii_time(datetime.now(UTC))
        answer = c.http.post(c.url + "objects/", content=body, headers={"Content-Type": TAXII})
        if answer.status_code != 202:
            raise RuntimeError(f"POST answered {answer.status_code}: {answer.text[:500]}")
        status = _wait(c, answer.json())
        if status["success_count"] != size:
            raise RuntimeError(f"{status['success_count']} of {size} objects added; "
                               f"failures: {status.get('failures', [])[:3]}")
        posted += size
    return Ingest(time.perf_counter() - started, cut, posted)


@dataclass
class Paging:
    seconds: float
    ids: list[str]
    complete: bool  # False: the budget ran out (or one page took longer than it)


def page_all(c: Collection, limit: int, budget: float = math.inf,
             every: Callable[[int], None] | None = None) -> Paging:
    """The objects of the collection, `limit` at a time, following `next` while `more`;
    `every(count)` after each page. No page is asked for once `budget` seconds have gone,
    and a page that takes longer than the budget is given up."""
    ids: list[str] = []
    params = {"limit": str(limit)}
    timeout = httpx.Timeout(3600 if budget == math.inf else budget, connect=10)
    started = time.perf_counter()
    while time.perf_counter() - started <= budget:
        try:
            answer = c.http.get(c.url + "objects/", params=params, timeout=timeout)
        except httpx.ReadTimeout:
            break
        answer.raise_for_status()
        page = orjson.loads(answer.content)
        ids += [o["id"] for o in page.get("objects", [])]
        if every:
            every(len(ids))
        if not page.get("more"):
            return Paging(time.perf_counter() - started, ids, True)
        params = {"limit": str(limit), "next": page["next"]}
    return Paging(time.perf_counter() - started, ids, False)


def _get_count(c: Collection, params: dict[str, str], timeout: float) -> int:
    answer = c.http.get(c.url + "objects/", params=params,
                        timeout=httpx.Timeout(timeout, connect=10))
    answer.raise_for_status()
    return len(orjson.loads(answer.content).get("objects", []))


def timed(c: Collection, params: dict[str, str], expect: int, runs: int, budget: float,
          timeout: float) -> Timing:
    """The first request checks the answer. If it took longer than `budget` seconds it is the
    only sample; else it was the warm-up and up to `runs` timed ones follow, until `budget`
    seconds have gone. A request slower than `timeout` is given up (runs=0)."""
    started = time.perf_counter()
    try:
        got = _get_count(c, params, timeout)
    except httpx.ReadTimeout:
        return Timing(timeout * 1000, timeout * 1000, 0)
    first = time.perf_counter() - started
    if got != expect:
        raise RuntimeError(f"{params} returned {got} objects, expected {expect}")
    samples = [first * 1000] if first > budget else []
    deadline = time.monotonic() + budget
    while len(samples) < runs and time.monotonic() < deadline:
        started = time.perf_counter()
        _get_count(c, params, timeout)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()

    def rank(q: float) -> float:
        return samples[max(0, math.ceil(q * len(samples)) - 1)]

    return Timing(rank(0.50), rank(0.99), len(samples))
