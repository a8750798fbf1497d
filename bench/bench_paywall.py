"""The paywall on the production shape (PostgreSQL, Redis, `kiosco serve` + `kiosco live`).

1. A subscriber's article page (with its lease check) and 2. the page's heartbeat, each
   next to the bare Django view /healthz/live on the same `kiosco serve --workers 2`,
   wrk in alternating rounds: medians, p99 beside each, ratio.
3. Takeover to notice: two web instances and one `kiosco live`, all on Redis pub/sub;
   one device of alice holds a stream, the other continues reading on web 1 or 2 in
   turn; the time from the POST to `event: changed`, against a bare GET round trip.
4. Memory of BENCH_STREAMS open streams on one `kiosco live` process tree.
"""

from __future__ import annotations

import asyncio
import http.client
import http.cookiejar
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_pages import BIN, ROOT, free_port, prepare, wait_until_up

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
TAKEOVERS = int(os.environ.get("BENCH_TAKEOVERS", "200"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "2000"))
ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
DB_NAME = "kiosco_bench_paywall"
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME
PASSWORD = "kiosco-demo"
TIMEOUT = 15.0  # any single wait on a server


def bench_env(var_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        KIOSCO_VAR_DIR=str(var_dir),
        DATABASE_URL=DB_URL,
        REDIS_URL="redis://127.0.0.1:6379/0",
        KIOSCO_CACHE_PREFIX="bench-paywall",
        KIOSCO_LEASE_TAKEOVERS="1000000",
        KIOSCO_SECRET_KEY="bench-paywall-secret-" + "p" * 40,
        KIOSCO_DEBUG="0",
        KIOSCO_SECURE_COOKIES="0",
        DJANGO_SETTINGS_MODULE="kiosco.settings",
    )


@contextmanager
def throwaway_database() -> Iterator[None]:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        yield
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@contextmanager
def servers(env: dict[str, str], *commands: list[str]) -> Iterator[None]:
    procs = []
    try:
        for command in commands:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "kiosco"), *command], env=env, stdout=subprocess.DEVNULL
                )
            )
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class Device:
    """One browser of alice: a cookie jar, signed in over HTTP; redirects not followed."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        no_redirect = type(
            "NoRedirect",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *args: None},
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), no_redirect
        )

    def cookies(self) -> dict[str, str]:
        return {c.name: c.value for c in self.jar if c.value is not None}

    def cookie_header(self, *names: str) -> str:
        jar = self.cookies()
        return "; ".join(f"{n}={jar[n]}" for n in (names or jar) if n in jar)

    def open(self, url: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data)
        if form is not None:
            request.add_header("X-CSRFToken", self.cookies().get("csrftoken", ""))
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # a redirect not followed, or an error
            return error.code, error.read().decode()

    def sign_in(self, base: str) -> None:
        self.open(base + "/accounts/login/")
        form = {
            "login": "alice@example.com",
            "password": PASSWORD,
            "csrfmiddlewaretoken": self.cookies()["csrftoken"],
        }
        status, _ = self.open(base + "/accounts/login/", form)
        if status != 302 or "sessionid" not in self.cookies():
            raise SystemExit(f"alice could not sign in (HTTP {status})")


def shows_the_body(html: str) -> bool:
    body = html.partition('<div class="article-body">')[2].lstrip()
    return bool(body) and not body.startswith("</div>") and 'id="lease-dialog"' not in html


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *extra: str) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) of one round."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *extra, url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if not rps or not p99:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    return float(rps.group(1)), to_ms(p99.group(1), p99.group(2))


def alternate(bare_url: str, url: str, *extra: str) -> tuple[list, list]:
    wrk(url, *extra)  # warm-up: caches, connections, imports
    bare, subject = [], []
    for _ in range(ROUNDS):
        bare.append(wrk(bare_url))
        subject.append(wrk(url, *extra))
    return bare, subject


def report(label: str, bare: list, subject: list) -> None:
    def medians(rounds: list) -> tuple[float, float]:
        return statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)

    (bare_rps, bare_p99), (rps, p99) = medians(bare), medians(subject)
    print(
        f"  bare Django view (/healthz/live)  {bare_rps:8.0f} req/s  p99 {bare_p99:6.1f} ms  1.00"
    )
    print(f"  {label:32s}  {rps:8.0f} req/s  p99 {p99:6.1f} ms  {rps / bare_rps:.2f} of bare")


def heartbeat_script(device: Device, article: str, directory: Path) -> Path:
    body = urllib.parse.urlencode({"idle": "3", "path": article})
    lua = directory / "heartbeat.lua"
    lua.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["X-CSRFToken"] = "{device.cookies()["csrftoken"]}"\n'
        f'wrk.headers["Cookie"] = "{device.cookie_header()}"\n'
    )
    return lua


def page_and_heartbeat(env: dict[str, str], article: str, directory: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with servers(env, ["serve", "--port", str(port), "--workers", "2"]):
        wait_until_up(base + "/healthz/live")
        alice = Device()
        alice.sign_in(base)
        status, html = alice.open(base + article)  # takes the lease: kiosco_lease cookie
        if status != 200 or not shows_the_body(html) or "kiosco_lease" not in alice.cookies():
            raise SystemExit(f"alice's first view of {article} shows no body (HTTP {status})")
        status, answer = alice.open(base + "/paywall/heartbeat/", {"idle": "3", "path": article})
        if status != 200 or '"state": "reading"' not in answer:
            raise SystemExit(f"the heartbeat answered {status}: {answer[:200]}")
        cookie = ["-H", f"Cookie: {alice.cookie_header()}"]
        page = alternate(base + "/healthz/live", base + article, *cookie)
        lua = heartbeat_script(alice, article, directory)
        beat = alternate(base + "/healthz/live", base + "/paywall/heartbeat/", "-s", str(lua))
        status, html = alice.open(base + article)
        if not shows_the_body(html):
            raise SystemExit("after the load alice's page shows the dialog, not the body")
    print(
        f"server: kiosco serve (granian WSGI, 2 workers) on PostgreSQL + Redis; load: wrk "
        f"-t2 -c{CONNECTIONS}, {ROUNDS} alternating rounds of {SECONDS}s, medians"
    )
    report(f"article page, alice ({article[:14]}…)", *page)
    report("heartbeat (POST /paywall/heartbeat/)", *beat)


def open_stream(port: int, device: Device) -> queue.Queue[tuple[float, str]]:
    """``GET /live/lease`` as the page does; each line arrives with its arrival time."""
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    cookie = device.cookie_header("kiosco_device", "kiosco_lease")

    def read() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            conn.request("GET", "/live/lease", headers={"Cookie": cookie})
            response = conn.getresponse()
            lines.put((time.perf_counter(), f"status: {response.status}"))
            for raw in response:
                lines.put((time.perf_counter(), raw.decode().rstrip("\r\n")))
        except OSError as error:
            lines.put((time.perf_counter(), f"error: {error}"))
        finally:
            conn.close()
            lines.put((time.perf_counter(), "closed"))

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_line(lines: queue.Queue[tuple[float, str]], prefix: str) -> float:
    seen = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        at, line = lines.get(timeout=TIMEOUT)
        seen.append(line)
        if line.startswith(prefix):
            return at
        if line == "closed":
            break
    raise SystemExit(f"the stream never said {prefix!r}: {seen}")


def bare_round_trip(port: int) -> float:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("GET", "/healthz/live")
    conn.getresponse().read()
    conn.close()
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def takeovers(env: dict[str, str], article: str) -> None:
    web = [free_port(), free_port()]
    live = free_port()
    # Part 1 collected the static files: two instances collecting at once would race.
    commands = [["serve", "--port", str(p), "--workers", "1", "--no-collectstatic"] for p in web]
    with servers(env, *commands, ["live", "--port", str(live)]):
        for port in web:
            wait_until_up(f"http://127.0.0.1:{port}/healthz/live")
        wait_until_up(f"http://127.0.0.1:{live}/live/healthz")
        devices = [Device(), Device()]
        for device in devices:
            device.sign_in(f"http://127.0.0.1:{web[0]}")
        first = f"http://127.0.0.1:{web[0]}"
        # The device of the first part still holds alice's one slot: take it over.
        form = {"next": article, "csrfmiddlewaretoken": devices[0].cookies()["csrftoken"]}
        devices[0].open(first + "/paywall/continue/", form)
        status, html = devices[0].open(first + article)
        if not shows_the_body(html):
            raise SystemExit(f"the first device's page shows no body (HTTP {status})")
        notices: list[float] = []
        bare: list[float] = []
        reader, taker = devices
        for turn in range(TAKEOVERS):
            port = web[turn % 2]
            bare.append(bare_round_trip(port))
            lines = open_stream(live, reader)
            wait_line(lines, "retry:")  # checked and subscribed
            form = {"next": article, "csrfmiddlewaretoken": taker.cookies()["csrftoken"]}
            start = time.perf_counter()
            status, _ = taker.open(f"http://127.0.0.1:{port}/paywall/continue/", form)
            if status != 302:
                raise SystemExit(f"continue reading here answered {status}")
            notices.append((wait_line(lines, "event: changed") - start) * 1000)
            wait_line(lines, "closed")
            reader, taker = taker, reader  # the continue's Set-Cookie carried the new lease
    p50, p95 = statistics.median(notices), percentile(notices, 0.95)
    b50, b95 = statistics.median(bare), percentile(bare, 0.95)
    print(
        f"takeover to notice: 2 web instances (kiosco serve --workers 1) + 1 kiosco live on "
        f"Redis pub/sub, {TAKEOVERS} takeovers alternating web 1/2"
    )
    print(f"  bare GET /healthz/live round trip  p50 {b50:6.1f} ms  p95 {b95:6.1f} ms  1.00")
    print(
        f"  POST continue -> event: changed    p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
        f"{p50 / b50:.1f}x / {p95 / b95:.1f}x of bare (aim: p95 <= 100 ms)"
    )


def held_leases(env: dict[str, str], count: int) -> list[tuple[str, str]]:
    """(device, signed token) of `count` leases held right now, on seats of their own."""
    os.environ.update(env)
    import django

    django.setup()
    from kiosco.leases.results import Acquired
    from kiosco.leases.services import check_lease
    from kiosco.leases.tokens import sign_token

    held = []
    for i in range(count):
        device = f"{i:032x}"
        result = check_lease(100000 + i, 1, 1, device, 0, None)
        if not isinstance(result, Acquired):
            raise SystemExit(f"lease {i} was not acquired: {result}")
        held.append((device, sign_token(result.lease)))
    return held


def tree_rss_kb(root: int) -> int:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total


async def with_streams_open(port: int, pid: int, held: list[tuple[str, str]]) -> tuple[int, str]:
    """The live tree's RSS and /live/healthz's answer while every stream is open."""
    writers = await hold_streams(port, held)
    try:
        url = f"http://127.0.0.1:{port}/live/healthz"
        with await asyncio.to_thread(urllib.request.urlopen, url, timeout=5) as answer:
            health = answer.read().decode()
        return tree_rss_kb(pid), health
    finally:
        for writer in writers:
            writer.close()
        await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)


async def hold_streams(port: int, held: list[tuple[str, str]]) -> list:
    async def one(device: str, token: str) -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /live/lease HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: kiosco_device={device}; kiosco_lease={token}\r\n\r\n".encode()
        )
        while not (line := await asyncio.wait_for(reader.readline(), 60)).startswith(b"retry:"):
            if not line:
                raise SystemExit("a stream closed before its retry: line")
        return writer

    writers = []
    for start in range(0, len(held), 20):  # bounded concurrency while connecting
        writers += await asyncio.gather(*(one(*pair) for pair in held[start : start + 20]))
    return writers


def memory(env: dict[str, str]) -> None:
    held = held_leases(env, STREAMS)
    port = free_port()
    command = [str(BIN / "kiosco"), "live", "--port", str(port)]
    live = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/live/healthz")
        time.sleep(1)  # let the workers settle before the first reading
        before = tree_rss_kb(live.pid)
        after, health = asyncio.run(with_streams_open(port, live.pid, held))
    finally:
        live.terminate()
        live.wait(timeout=30)
    print(f"memory: one kiosco live (granian ASGI, 1 worker), {STREAMS} open streams")
    print(f"  RSS of the process tree, no stream   {before / 1024:7.1f} MB")
    print(
        f"  RSS with {STREAMS} streams open       {after / 1024:7.1f} MB   "
        f"{(after - before) / STREAMS:.1f} KB per stream; /live/healthz says {health!r}"
    )
    if health != f"ok {STREAMS} streams":
        raise SystemExit(f"/live/healthz should count {STREAMS} streams")


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench installs it as root)")
        return 1
    var_dir = ROOT / "var" / "bench-paywall"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = bench_env(var_dir)
    with throwaway_database(), tempfile.TemporaryDirectory() as directory:
        article = prepare(env, access="subscribers")
        page_and_heartbeat(env, article, Path(directory))
        takeovers(env, article)
        memory(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
