"""Article page requests/s under `kiosco serve`, next to a bare Django view.

Both URLs are served by the same `kiosco serve` process group and loaded by wrk on
loopback in alternating rounds of one run, so the ratio survives a noisy machine.
The bare view is /healthz/live (no database, no template).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env(var_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        KIOSCO_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'bench.sqlite3'}",
        KIOSCO_SECRET_KEY="bench-only-secret-" + "b" * 40,
        KIOSCO_DEBUG="0",
        KIOSCO_SECURE_COOKIES="0",
    )


def prepare(env: dict[str, str], access: str = "free") -> str:
    """Migrate, load the demo edition, and answer the path of one article at ``access``."""
    kiosco = str(BIN / "kiosco")
    subprocess.run([kiosco, "migrate", "--noinput", "--verbosity", "0"], env=env, check=True)
    subprocess.run([kiosco, "load-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    probe = (
        "import django; django.setup();"
        "from kiosco.newsroom.models import Article;"
        f"a = Article.objects.published().filter(access={access!r}).first();"
        "print(a.get_absolute_url())"
    )
    env = dict(env, DJANGO_SETTINGS_MODULE="kiosco.settings")
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True)
    return out.stdout.decode().strip()


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"kiosco serve did not answer at {url}")


def wrk(url: str) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    return float(match.group(1))


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench installs it as root)")
        return 1
    var_dir = ROOT / "var" / "bench-pages"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = bench_env(var_dir)
    article_path = prepare(env)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "kiosco"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz/live")
        wrk(base + article_path)  # warm-up: caches, connections, imports
        bare, page = [], []
        for _ in range(ROUNDS):
            bare.append(wrk(base + "/healthz/live"))
            page.append(wrk(base + article_path))
    finally:
        server.terminate()
        server.wait(timeout=20)
    bare_rps, page_rps = statistics.median(bare), statistics.median(page)
    print(
        f"server: kiosco serve (granian WSGI, 2 workers); load: wrk -c{CONNECTIONS}, "
        f"{ROUNDS} alternating rounds of {SECONDS}s, medians"
    )
    print(f"  bare Django view (/healthz/live)   {bare_rps:10.0f} req/s   1.00")
    print(
        f"  article page ({article_path})  {page_rps:10.0f} req/s   "
        f"{page_rps / bare_rps:.2f} of bare"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
