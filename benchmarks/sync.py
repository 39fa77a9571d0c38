"""The sync section of benchmarks/run.py (issue #14): prints figures, asserts nothing.

    python benchmarks/run.py --sync-only [--quick]
    python benchmarks/sync.py [--quick]

A directory of N users and G groups (each user in one group) is stored on the bundled
`scimkit.testing.SCIMServer`; the desired side is the same directory with 1% of the users
changed (a new `title`), written as the CSV file `scimkit export` would write. Measured:

(a) requests: `plan_sync` + `apply` against `scimkit import` of the same file (run in-process
    through the command's entry function), counted by the server (`server.requests`), each on
    a fresh copy of the directory;
(b) wall time of `apply` with workers=1 and workers=4, with the server in another process
    (so that it does not share the client's GIL), as it answers and with 20 ms added to each
    write (`Fault.delay`, as a remote service would take);
(c) client CPU time (`time.process_time`, the server in another process) to plan 100,000
    users against the time `iter_users` takes to page through them;
(d) peak memory of planning (tracemalloc) against the parsed size of the two directories.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import multiprocessing
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from scimkit import SCIMClient  # noqa: E402
from scimkit._cli.console import Console  # noqa: E402
from scimkit._cli.sync import read_groups_file, read_users_file  # noqa: E402
from scimkit.cli import run  # noqa: E402
from scimkit.sync import plan_sync  # noqa: E402
from scimkit.testing import Fault, SCIMServer  # noqa: E402

TOKEN = "sync-benchmark-token"
CHANGED = 100  # one user in CHANGED is changed: 1%
WRITE_DELAY = 0.02
JSON = dict[str, Any]


# -- the directory -------------------------------------------------------------------------


def person(index: int, *, changed: bool = False) -> JSON:
    """User `index` as the server stores it (and the file says, unless `changed`)."""
    return {
        "userName": f"user{index:06d}",
        "externalId": f"e-{index}",
        "displayName": f"User {index}",
        "name": {"givenName": "User", "familyName": str(index)},
        "emails": [{"value": f"user{index}@example.com", "type": "work", "primary": True}],
        "title": "Senior Engineer" if changed else "Engineer",
        "active": True,
    }


def desired(users: int) -> Iterator[JSON]:
    """The desired side: every user, 1% changed."""
    for index in range(users):
        yield person(index, changed=index % CHANGED == 0)


def group_name(number: int) -> str:
    return f"Team {number:03d}"


def seed(server: SCIMServer, users: int, groups: int) -> None:
    """The directory as the server has it before the sync, stored in-process."""
    ids = [server.add_resource("Users", person(i))["id"] for i in range(users)]
    for number in range(groups):
        members = [{"value": ids[i]} for i in range(number, users, groups)]
        server.add_resource("Groups", {"displayName": group_name(number), "members": members})


def write_files(folder: Path, users: int, groups: int) -> tuple[str, str]:
    """users.csv in the columns `export` writes, groups.csv as `displayName,member` rows."""
    users_path = folder / "users.csv"
    with users_path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(
            ["userName", "externalId", "active", "displayName", "givenName", "familyName"]
            + ["email", "title"]
        )
        for user in desired(users):
            name = user["name"]
            out.writerow(
                [user["userName"], user["externalId"], "true", user["displayName"]]
                + [name["givenName"], name["familyName"], user["emails"][0]["value"]]
                + [user["title"]]
            )
    groups_path = folder / "groups.csv"
    with groups_path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["displayName", "member"])
        for index in range(users):
            out.writerow([group_name(index % groups), f"e-{index}"])
    return str(users_path), str(groups_path)


# -- (a) requests --------------------------------------------------------------------------


def sync_requests(users_csv: str, groups_csv: str, users: int, groups: int) -> JSON:
    with SCIMServer(token=TOKEN) as server, SCIMClient(server.url, token=TOKEN) as client:
        seed(server, users, groups)
        wanted = read_users_file(users_csv).records
        teams = read_groups_file(groups_csv).records
        plan = plan_sync(client, users=wanted, groups=teams)
        read = len(server.requests)
        result = plan.apply(workers=4)
        page = client.discover().max_results or 100
        return {
            "reads": read,
            "writes": len(server.requests) - read,
            "changes": len(plan.changes),
            "failed": len(result.failed),
            "page": page,
        }


def import_requests(users_csv: str, users: int, groups: int) -> tuple[int, str]:
    with SCIMServer(token=TOKEN) as server:
        seed(server, users, groups)
        console = Console(
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin=io.StringIO(),
            environ={"SCIM_BASE_URL": server.url, "SCIM_TOKEN": TOKEN},
        )
        run(["import", "users", users_csv], console)
        summary = console.stdout.getvalue().splitlines()[0]  # type: ignore[attr-defined]
        return len(server.requests), summary


def requests_section(folder: Path, users: int, groups: int) -> None:
    users_csv, groups_csv = write_files(folder, users, groups)
    k = users // CHANGED
    print(f"  (a) requests for {users:,} users and {groups} groups, {k} users changed (1%)")
    synced = sync_requests(users_csv, groups_csv, users, groups)
    imported, summary = import_requests(users_csv, users, groups)
    total = synced["reads"] + synced["writes"]
    floor = -(-users // synced["page"]) + -(-groups // synced["page"]) + k
    reads, writes, page = synced["reads"], synced["writes"], synced["page"]
    print(f"      plan_sync + apply: {total:>7,} requests ({reads} reads, discovery included,")
    print(f"                         {writes} writes; {synced['changes']} changes)")
    print(f"      scimkit import:    {imported:>7,} requests ({summary})")
    print(f"      N/page_size + k = {floor} (page size {page}): sync sends {total - floor} more")
    print(f"      (target: a few); import / sync = {imported / total:.0f}x (target >= 50x)")


# -- a server in another process ----------------------------------------------------------


def _serve(queue: Any, stop: Any, users: int, groups: int, write_delay: float) -> None:
    server = SCIMServer(token=TOKEN)
    seed(server, users, groups)
    if write_delay:
        server.inject(Fault.delay(write_delay), method="PATCH", times=10**9)
    server.start()
    queue.put(server.url)
    stop.wait()
    server.stop()


class RemoteServer:
    """A seeded SCIMServer in a process of its own."""

    def __init__(self, users: int, groups: int, write_delay: float = 0.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        self.stop_event = ctx.Event()
        self.process = ctx.Process(
            target=_serve, args=(queue, self.stop_event, users, groups, write_delay), daemon=True
        )
        self.process.start()
        self.url: str = queue.get(timeout=600)

    def __enter__(self) -> RemoteServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_event.set()
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


# -- (b) workers ---------------------------------------------------------------------------


def apply_time(client: SCIMClient, users: int, workers: int) -> float:
    """Seconds to apply the 1% plan with `workers`; the directory is then put back (planned
    and applied again with the original users, untimed)."""
    plan = plan_sync(client, users=list(desired(users)))
    started = time.perf_counter()
    result = plan.apply(workers=workers)
    elapsed = time.perf_counter() - started
    assert not result.failed and len(result.updated) == users // CHANGED
    back = plan_sync(client, users=[person(i) for i in range(users)])
    assert not back.apply(workers=4).failed
    return elapsed


def workers_section(users: int, groups: int) -> None:
    k = users // CHANGED
    print(f"  (b) wall time of apply ({k} updates), the server in another process")
    for delay in (0.0, WRITE_DELAY):
        with RemoteServer(users, groups, delay) as remote:
            with SCIMClient(remote.url, token=TOKEN) as client:
                one = apply_time(client, users, 1)
                four = apply_time(client, users, 4)
        label = f"+{delay * 1000:.0f} ms a write" if delay else "as it answers"
        print(
            f"      {label:<16} workers=1 {one:6.2f}s  workers=4 {four:6.2f}s  "
            f"speed-up {one / four:4.1f}x"
        )


# -- (c) CPU and (d) memory ----------------------------------------------------------------


def _cpu(work: Callable[[], object]) -> float:
    gc.collect()
    started = time.process_time()
    work()
    return time.process_time() - started


def cpu_section(client: SCIMClient, users: int) -> None:
    page = client.discover().max_results or 100
    wanted = list(desired(users))
    paging = min(_cpu(lambda: sum(1 for _ in client.iter_users(page_size=page))) for _ in range(2))
    planning = min(_cpu(lambda: plan_sync(client, users=wanted)) for _ in range(2))
    print(f"  (c) client CPU time for {users:,} users (best of 2; the server in another process)")
    print(f"      iter_users, page size {page}: {paging:6.2f}s")
    ratio = planning / paging
    print(f"      plan_sync (1% changed):   {planning:6.2f}s  = {ratio:.2f}x (target <= 2x)")


def _traced(build: Callable[[], object]) -> tuple[object, int]:
    """What `build` returns, and the bytes it still holds (tracemalloc)."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    value = build()
    gc.collect()
    return value, tracemalloc.get_traced_memory()[0] - before


def memory_section(client: SCIMClient, users: int) -> None:
    tracemalloc.start()
    try:
        server_side, server_bytes = _traced(lambda: [u.to_dict() for u in client.iter_users()])
        del server_side
        wanted, desired_bytes = _traced(lambda: list(desired(users)))
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        plan = plan_sync(client, users=wanted)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1] - before
        assert len(plan.changes) == users // CHANGED
    finally:
        tracemalloc.stop()
    both = server_bytes + desired_bytes
    mib = 2**20
    print(f"  (d) memory for {users:,} users (tracemalloc)")
    print(
        f"      parsed directories: server {server_bytes / mib:6.1f} MiB + desired "
        f"{desired_bytes / mib:6.1f} MiB = {both / mib:6.1f} MiB"
    )
    print(
        f"      peak of plan_sync above the desired users already in memory: "
        f"{peak / mib:6.1f} MiB = {peak / both:.2f}x (target < 2x)"
    )


# -- the section ---------------------------------------------------------------------------


def report(quick: bool) -> None:
    """The sync section of benchmarks/run.py, printed as it goes."""
    users, groups, large = (2_000, 40, 10_000) if quick else (10_000, 200, 100_000)
    note = " (--quick: smaller directories than the issue's 10,000 and 100,000)" if quick else ""
    print(f"\n6. provisioning sync{note}")
    with tempfile.TemporaryDirectory() as folder:
        requests_section(Path(folder), users, groups)
    workers_section(users, groups)
    with RemoteServer(large, 0) as remote, SCIMClient(remote.url, token=TOKEN) as client:
        cpu_section(client, large)
        memory_section(client, large)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the sync section of benchmarks/run.py")
    parser.add_argument("--quick", action="store_true", help="smaller directories")
    args = parser.parse_args(argv)
    report(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
