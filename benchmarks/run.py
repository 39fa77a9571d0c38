"""scimkit benchmark: prints figures, asserts nothing.

    python benchmarks/run.py            # full run (about a minute)
    python benchmarks/run.py --quick    # fewer requests, for a smoke test
    python benchmarks/run.py --server-only [--quick]   # only section 5
    python benchmarks/run.py --sync-only [--quick]     # only section 6

A small keep-alive HTTP/1.1 server (plain and TLS, with the self-signed certificate from
tests/data) runs in its own process, so that it does not share the client's GIL. It answers
`GET …/Users/{id}` with one fixed user and `GET …/Users?startIndex=&count=` with generated
pages. Against it the script measures:

1. requests per second for `read_user`: scimkit (keep-alive), scimkit `keep_alive=False`, a
   raw `http.client.HTTPConnection` loop on one persistent connection (the floor of what
   Python can do), and `slack_sdk` / `scim2-client` when installed (`pip install -e '.[bench]'`),
   over HTTP and HTTPS;
2. the same with 4 threads sharing one client;
3. milliseconds to turn a 1,000-user ListResponse into `User` objects, next to `json.loads`;
4. peak memory (tracemalloc) while iterating 10,000 and 100,000 users;
5. the bundled `scimkit.testing.SCIMServer` at directory scale (100,000 users; 5,000 with
   `--quick`): users created per second, one by one and by bulk, as the directory grows;
   `read_user` and a `userName eq` search at 100 users and at the full size; paging through
   every user; the memory the stored users take.

6. provisioning sync (benchmarks/sync.py, which also runs on its own): requests of
   `plan_sync` + `apply` against `scimkit import` of the same file, workers=1 against 4, the
   CPU time and memory of planning.

After section 4, the import cost: `import scimkit`, `from scimkit import SCIMClient` and
`python -m scimkit --version` in fresh interpreters, each against the standard-library floor
(benchmarks/imports.py, which also runs on its own).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import socket
import ssl
import sys
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import imports  # noqa: E402  (benchmarks/imports.py, beside this script)
import sync  # noqa: E402  (benchmarks/sync.py, beside this script)

from scimkit import SCIMClient, SearchUsersResponse  # noqa: E402
from scimkit._wire import Headers  # noqa: E402
from scimkit.testing import SCIMServer  # noqa: E402

CERT = ROOT / "tests" / "data" / "localhost-cert.pem"
KEY = ROOT / "tests" / "data" / "localhost-key.pem"
BASE_PATH = "/scim/v2"
USER_ID = "2819c223-7f76-453a-919d-413861904646"
TOKEN = "benchmark-token"


def make_user(index: int) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": f"{index:08d}-7f76-453a-919d-413861904646",
        "externalId": f"ext-{index}",
        "userName": f"user{index}@example.com",
        "name": {"givenName": "Barbara", "familyName": f"Jensen{index}"},
        "displayName": f"Babs Jensen {index}",
        "emails": [{"value": f"user{index}@example.com", "type": "work", "primary": True}],
        "active": True,
        "meta": {
            "resourceType": "User",
            "created": "2024-01-23T04:56:22Z",
            "lastModified": "2024-05-13T04:42:34Z",
            "version": f'W/"{index}"',
            "location": f"https://example.com/scim/v2/Users/{index:08d}",
        },
    }


def list_body(start: int, count: int, total: int) -> bytes:
    end = min(total, start + count - 1)
    resources = [make_user(i) for i in range(start, end + 1)]
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total,
            "itemsPerPage": len(resources),
            "startIndex": start,
            "Resources": resources,
        },
        separators=(",", ":"),
    ).encode()


# -- the server process --------------------------------------------------------------------


def _handle(conn: socket.socket, tls: ssl.SSLContext | None, total: int) -> None:
    try:
        if tls is not None:
            conn = tls.wrap_socket(conn, server_side=True)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = conn.makefile("rb")
        user = json.dumps(make_user(1) | {"id": USER_ID}, separators=(",", ":")).encode()
        while True:
            line = reader.readline(65537)
            if not line:
                return
            parts = line.split()
            if len(parts) != 3:
                return
            target = parts[1].decode()
            length = 0
            close = False
            while True:
                header = reader.readline(65537)
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                reader.read(length)
            if "?" in target:
                query = dict(
                    pair.split("=", 1) for pair in target.split("?", 1)[1].split("&") if "=" in pair
                )
                body = list_body(
                    int(query.get("startIndex", 1)), int(query.get("count", 100)), total
                )
            else:
                body = user
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
            ).encode()
            conn.sendall(head + body)
            if close:
                return
    except (OSError, ValueError):
        return
    finally:
        conn.close()


def _serve(port_queue: Any, tls: bool, total: int) -> None:
    context = None
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(CERT, KEY)
    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    port_queue.put(listener.getsockname()[1])
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_handle, args=(conn, context, total), daemon=True).start()


class BenchServer:
    def __init__(self, *, tls: bool, total: int) -> None:
        self.tls = tls
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        self.process = ctx.Process(target=_serve, args=(queue, tls, total), daemon=True)
        self.process.start()
        self.port = queue.get(timeout=30)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}{BASE_PATH}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()


def client_tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(CERT))


# -- the clients ---------------------------------------------------------------------------

Caller = Callable[[], None]


def scimkit_caller(url: str, tls: bool, keep_alive: bool) -> tuple[Caller, Callable[[], None]]:
    client = SCIMClient(url, token=TOKEN, keep_alive=keep_alive, ssl=client_tls() if tls else None)

    def call() -> None:
        resp = client.read_user(USER_ID)
        assert resp.status_code == 200 and resp.user is not None

    return call, client.close


def raw_caller(url: str, tls: bool) -> tuple[Caller, Callable[[], None]]:
    """The floor: one persistent http.client connection, the same request, no parsing."""
    port = int(url.split(":")[2].split("/")[0])
    local = threading.local()

    def connection() -> http.client.HTTPConnection:
        conn = getattr(local, "conn", None)
        if conn is None:
            if tls:
                conn = http.client.HTTPSConnection("127.0.0.1", port, context=client_tls())
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port)
            local.conn = conn
        return conn

    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/scim+json"}

    def call() -> None:
        conn = connection()
        conn.request("GET", f"{BASE_PATH}/Users/{USER_ID}", headers=headers)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200

    return call, lambda: None


def slack_caller(url: str, tls: bool) -> tuple[Caller, Callable[[], None]] | None:
    try:
        from slack_sdk.scim import SCIMClient as SlackSCIMClient
    except ImportError:
        return None
    client = SlackSCIMClient(token=TOKEN, base_url=url + "/", ssl=client_tls() if tls else None)

    def call() -> None:
        resp = client.read_user(USER_ID)
        assert resp.status_code == 200

    return call, lambda: None


def scim2_caller(url: str, tls: bool) -> tuple[Caller, Callable[[], None]] | None:
    try:
        from scim2_models import Group as S2Group
        from scim2_models import User as S2User
    except ImportError:
        return None
    engine: Any = None
    http_client: Any = None
    try:
        import httpx2
        from scim2_client.engines.httpx2 import SyncSCIMClient

        http_client = httpx2.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            verify=client_tls() if tls else True,
        )
        engine = SyncSCIMClient
    except ImportError:
        try:
            import httpx
            from scim2_client.engines.httpx import SyncSCIMClient  # type: ignore[no-redef]

            http_client = httpx.Client(
                base_url=url,
                headers={"Authorization": f"Bearer {TOKEN}"},
                verify=client_tls() if tls else True,
            )
            engine = SyncSCIMClient
        except ImportError:
            return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = engine(http_client, resource_models=(S2User, S2Group))

    def call() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            user = client.query(S2User, USER_ID)
        assert user.user_name

    return call, http_client.close


# -- measuring -----------------------------------------------------------------------------


def rate(call: Caller, requests: int, threads: int = 1) -> float:
    """Requests per second for `requests` calls spread over `threads` threads."""
    call()  # warm up: connect, handshake, imports
    per_thread = max(1, requests // threads)
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            for _ in range(per_thread):
                call()
        except BaseException as exc:  # pragma: no cover - shown in the table
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return per_thread * threads / elapsed


def request_rates(quick: bool) -> list[dict[str, Any]]:
    """Each client's best of several rounds; the rounds interleave the clients, so that a
    burst of load from elsewhere on the machine hits them all alike."""
    rows: list[dict[str, Any]] = []
    rounds = 3 if quick else 5
    kept = 300 if quick else 1500
    fresh = 100 if quick else 400
    for tls in (False, True):
        server = BenchServer(tls=tls, total=100)
        proto = "HTTPS" if tls else "HTTP"
        try:
            candidates: list[tuple[str, tuple[Caller, Callable[[], None]] | None, int]] = [
                ("raw http.client loop", raw_caller(server.url, tls), kept),
                ("scimkit keep-alive", scimkit_caller(server.url, tls, True), kept),
                ("scimkit keep_alive=False", scimkit_caller(server.url, tls, False), fresh),
                ("slack_sdk SCIMClient", slack_caller(server.url, tls), fresh),
                ("scim2-client (httpx)", scim2_caller(server.url, tls), kept // 2),
            ]
            for threads in (1, 4):
                best: dict[str, float] = {}
                notes: dict[str, str] = {}
                for _ in range(rounds):
                    for name, made, count in candidates:
                        if made is None:
                            notes[name] = "not installed"
                            continue
                        if name in notes:
                            continue
                        try:
                            best[name] = max(best.get(name, 0.0), rate(made[0], count, threads))
                        except Exception as exc:  # a competitor failing is a figure too
                            notes[name] = f"failed: {type(exc).__name__}: {exc}"[:60]
                for name, _, _ in candidates:
                    rows.append(
                        {
                            "proto": proto,
                            "threads": threads,
                            "client": name,
                            "rps": best.get(name) if name not in notes else None,
                            "note": notes.get(name, ""),
                        }
                    )
            for _, made, _ in candidates:
                if made is not None:
                    made[1]()
        finally:
            server.stop()
    return rows


def parsing(quick: bool) -> tuple[float, float]:
    raw = list_body(1, 1000, 1000)
    runs = 10 if quick else 40

    def best(fn: Callable[[], Any]) -> float:
        fastest = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            fastest = min(fastest, time.perf_counter() - started)
        return fastest * 1000

    def to_users() -> list[Any]:
        resp = SearchUsersResponse(
            url="x",
            status_code=200,
            headers=Headers({"Content-Type": "application/scim+json"}),
            raw_body=raw,
        )
        return [u.user_name for u in resp.users]

    return best(lambda: json.loads(raw)), best(to_users)


def iteration_memory(total: int, page_size: int) -> tuple[float, int, float]:
    server = BenchServer(tls=False, total=total)
    try:
        client = SCIMClient(server.url, token=TOKEN)
        tracemalloc.start()
        started = time.perf_counter()
        seen = 0
        for user in client.iter_users(page_size=page_size):
            seen += 1 if user.user_name else 0
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        client.close()
        return peak / 2**20, seen, elapsed
    finally:
        server.stop()


# -- 5. the local SCIMServer at directory scale ---------------------------------------------


def typical_user(index: int) -> dict[str, Any]:
    """What a directory sends for a user (`make_user` without the server's `id` and `meta`)."""
    return {k: v for k, v in make_user(index).items() if k not in ("id", "meta")}


def seed(server: SCIMServer, start: int, stop: int) -> list[str]:
    """Users `start`..`stop - 1` stored in-process (`add_resource`: validated and indexed as
    a POST is, without HTTP); their ids."""
    return [server.add_resource("Users", typical_user(i))["id"] for i in range(start, stop)]


def create_rate(client: SCIMClient, start: int, count: int) -> float:
    """Users per second for `count` `create_user` calls, one HTTP request each."""
    client.service_provider_config()  # connected before the clock starts
    started = time.perf_counter()
    for index in range(start, start + count):
        assert client.create_user(typical_user(index)).status_code == 201
    return count / (time.perf_counter() - started)


def lookup_times(
    client: SCIMClient, ids: list[str], names: list[str], calls: int
) -> tuple[float, float]:
    """Mean milliseconds of `read_user` and of a `userName eq` search (the name upper-cased:
    the match ignores case), spread over the given users."""
    step = max(1, len(ids) // calls)
    picked = list(zip(ids[::step], names[::step]))[:calls]
    started = time.perf_counter()
    for user_id, _ in picked:
        assert client.read_user(user_id).status_code == 200
    read = (time.perf_counter() - started) / len(picked) * 1000
    started = time.perf_counter()
    for _, name in picked:
        found = client.search_users(filter=f'userName eq "{name.upper()}"')
        assert len(found.users) == 1
    search = (time.perf_counter() - started) / len(picked) * 1000
    return read, search


def paging_rate(client: SCIMClient, page_size: int, total: int) -> float:
    started = time.perf_counter()
    seen = sum(1 for _ in client.iter_users(page_size=page_size))
    assert seen == total, seen
    return seen / (time.perf_counter() - started)


def bulk_rates(size: int, bands: int) -> list[tuple[int, int, float]]:
    """Users per second created by `client.bulk` POSTs from 0 to `size` users, in `bands`
    equal bands: (from, to, users/s). One `client.bulk` call per 1,000 operations (the
    server's maxOperations, so one HTTP request each)."""
    rows = []
    width = size // bands
    with SCIMServer() as server, SCIMClient(server.url, token=server.token) as client:
        client.service_provider_config()  # connected, and the limits out of the timing
        for band_start in range(0, size, width):
            elapsed = 0.0
            for start in range(band_start, band_start + width, 1000):
                ops = [
                    {"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": typical_user(i)}
                    for i in range(start, min(start + 1000, band_start + width))
                ]
                started = time.perf_counter()
                result = client.bulk(ops)
                elapsed += time.perf_counter() - started
                assert result.ok and len(result.operations) == len(ops)
            rows.append((band_start, band_start + width, width / elapsed))
    return rows


def store_memory(size: int) -> tuple[float, int]:
    """MiB traced (tracemalloc) for `size` typical users in a server's store, indexes
    included, and the bytes of one such user as compact JSON."""
    server = SCIMServer()  # not started: add_resource needs no socket
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    seed(server, 0, size)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    one = len(json.dumps(server.store.page("Users", 0, 1)[0], separators=(",", ":")))
    return (after - before) / 2**20, one


def server_scale(quick: bool) -> None:
    """Section 5, printed as it goes (the full run takes a few minutes)."""
    size, band, calls = (5_000, 500, 100) if quick else (100_000, 2_000, 300)
    print(f"\n5. the local SCIMServer at directory scale (N = {size:,} users)")
    print("  (a) users created per second; one by one = create_user, one HTTP POST each, for")
    print(f"      {band:,} users from each size, the users in between stored in-process with")
    print("      server.add_resource (validated and indexed as a POST is, without HTTP)")
    with SCIMServer() as server, SCIMClient(server.url, token=server.token) as client:
        small_ids = seed(server, 0, 100)
        small = lookup_times(client, small_ids, [f"user{i}@example.com" for i in range(100)], calls)
    with SCIMServer() as server, SCIMClient(server.url, token=server.token) as client:
        rates: list[float] = []
        stored = 0
        for level in [size * k // 4 for k in range(4)] + [size - band]:
            seed(server, stored, level)
            rates.append(create_rate(client, level, band))
            stored = level + band
            print(f"      one by one {level:>7,} -> {stored:>7,}: {rates[-1]:7.0f} users/s")
        seed(server, stored, size)
        print(f"      last band / first band = {rates[-1] / rates[0]:.2f} (target: constant, 1.0)")
        bulk = bulk_rates(size, 5)
        for start, stop, per_second in bulk:
            print(f"      client.bulk {start:>6,} -> {stop:>7,}: {per_second:7.0f} users/s")
        print(f"      last band / first band = {bulk[-1][2] / bulk[0][2]:.2f} (target: constant)")
        every = server.store.all("Users")
        large = lookup_times(
            client, [u["id"] for u in every], [u["userName"] for u in every], calls
        )
        head = f"at {size:,} users"
        print(f"  (b) mean of {calls} calls     at 100 users {head:>16}   ratio (target <= 2x)")
        for label, at_small, at_large in zip(("read_user", "userName eq search"), small, large):
            ratio = at_large / at_small
            print(f"      {label:<19} {at_small:9.2f} ms {at_large:12.2f} ms {ratio:7.2f}x")
        print(f"  (c) paging all {size:,} users with iter_users (startIndex/count, unsorted)")
        for page_size in (100, 1000):
            per_second = paging_rate(client, page_size, size)
            print(f"      page size {page_size:>5}: {per_second:8.0f} users/s (target >= 5,000)")
    mib, one = store_memory(size)
    print(f"  (d) the store holding {size:,} typical users (tracemalloc, indexes included):")
    per_user = mib * 2**20 / size
    print(f"      {mib:.1f} MiB, {per_user:.0f} bytes a user ({one} bytes of compact JSON each)")


# -- printing ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (smoke test)")
    parser.add_argument(
        "--server-only", action="store_true", help="only section 5, the local SCIMServer"
    )
    parser.add_argument("--sync-only", action="store_true", help="only section 6, the sync")
    args = parser.parse_args(argv)

    kind = "quick" if args.quick else "full"
    print(f"scimkit benchmark (Python {sys.version.split()[0]}, {kind} run)")
    if args.sync_only:
        sync.report(args.quick)
        return 0
    if not args.server_only:
        client_sections(args.quick)
    server_scale(args.quick)
    if not args.server_only:
        sync.report(args.quick)
    return 0


def client_sections(quick: bool) -> None:
    """Sections 1 to 4: the client against the small benchmark server."""
    print("\n1-2. read_user requests per second, best of several interleaved rounds")
    rows = request_rates(quick)
    print(f"  {'proto':<6} {'threads':>7}  {'client':<26} {'req/s':>9}  {'vs scimkit':>10}")
    for proto in ("HTTP", "HTTPS"):
        for threads in (1, 4):
            group = [r for r in rows if r["proto"] == proto and r["threads"] == threads]
            ours = next(r["rps"] for r in group if r["client"] == "scimkit keep-alive")
            for row in group:
                if row["rps"] is None:
                    shown, ratio = row.get("note", "-"), ""
                else:
                    shown = f"{row['rps']:9.0f}"
                    ratio = f"{ours / row['rps']:9.2f}x" if row["rps"] else ""
                print(f"  {proto:<6} {threads:>7}  {row['client']:<26} {shown:>9}  {ratio:>10}")
    print("  (vs scimkit = scimkit keep-alive req/s divided by that row's req/s)")

    for proto in ("HTTP", "HTTPS"):
        one = {r["client"]: r["rps"] for r in rows if r["proto"] == proto and r["threads"] == 1}
        ours = one["scimkit keep-alive"]
        raw = one["raw http.client loop"]
        print(
            f"  {proto}: raw loop / scimkit = {raw / ours:.2f}x (target <= 1.3x); "
            f"scimkit / keep_alive=False = {ours / one['scimkit keep_alive=False']:.2f}x"
            + (
                f"; scimkit / slack_sdk = {ours / one['slack_sdk SCIMClient']:.2f}x"
                if one.get("slack_sdk SCIMClient")
                else ""
            )
            + (
                f"; scimkit / scim2-client = {ours / one['scim2-client (httpx)']:.2f}x"
                if one.get("scim2-client (httpx)")
                else ""
            )
        )

    loads_ms, users_ms = parsing(quick)
    print("\n3. a 1,000-user ListResponse (best of several runs)")
    print(f"  json.loads alone          {loads_ms:7.2f} ms")
    parse_ratio = users_ms / loads_ms
    print(
        f"  body -> list[User]        {users_ms:7.2f} ms"
        f"  ({parse_ratio:.2f}x json.loads; target <= 2.5x)"
    )

    print("\n4. peak traced memory while iterating users (iter_users, page_size=1000)")
    totals = (10_000, 30_000) if quick else (10_000, 100_000)
    for total in totals:
        peak, seen, elapsed = iteration_memory(total, 1000)
        print(f"  {total:>7,} users: peak {peak:6.2f} MiB, {seen:,} seen in {elapsed:.1f}s")

    print("\nimport cost (benchmarks/imports.py: fresh interpreters, bytecode cached)")
    imports.report(runs=15 if quick else 21)


if __name__ == "__main__":
    sys.exit(main())
