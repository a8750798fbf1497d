"""Instructions per request of each page, counted by valgrind's callgrind: the one
figure this shared, noisy machine cannot move (the same code, the same count, whatever
else runs), so a change to the page path shows at once, to the percent.

Each page runs in its own short process under `valgrind --tool=callgrind
--instr-atstart=no`: Django starts and the page is warmed uninstrumented, then
instrumentation is switched on (`callgrind_control -i on`) for BENCH_REQUESTS requests
and off again. It counts this process's user-space instructions only: the database's
and Redis's work, and the kernel's, are not in it (the queries and round trips are the
counts `bench_page_path.py` and the tests pin). Pages and setup as `profile_pages.py`:
PostgreSQL database `kiosco_bench_profile`, Redis db 0 under `bench-profile`.

The floor of issue 15's ratios, the minimal Django view (`minimal_django.py`: no
middleware, no database, no template), is counted the same way, so each page's
distance from it reads without the machine's noise ("minimal / page").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import profile_pages  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
PAGES = ("bare", "free", "front", "section", "bare-signed-in", "subscriber")

# Each loop script defines call() -> status; MEASURE warms it, then counts REQUESTS calls.
MEASURE = r"""
for _ in range(50):
    assert call().startswith("200"), call()
pid = str(os.getpid())
subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
for _ in range(int(os.environ["REQUESTS"])):
    call()
subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
"""

LOOP = r"""
import json, os, subprocess, sys
sys.path.insert(0, "bench")
import django; django.setup()
from profile_pages import caller
path, cookie = json.loads(os.environ["PAGE"])
call = caller(path, cookie)
"""


MINIMAL_LOOP = r"""
import os, subprocess, sys
sys.path.insert(0, ".")
from bench.minimal_django import application
from django.test.client import RequestFactory
base = RequestFactory()._base_environ(PATH_INFO="/", REQUEST_METHOD="GET", HTTP_HOST="127.0.0.1")
status = []
def call():
    status.clear()
    body = application(dict(base), lambda code, headers, *exc: status.append(code))
    b"".join(body)
    body.close()
    return status[0]
"""


def count(
    target: tuple[str, str] | None, directory: str, environ: dict[str, str] | None = None
) -> float:
    """Millions of instructions per request of one page (None: the minimal view), in
    the environment ``environ`` (its database and cache; this process's by default)."""
    env = dict(environ or os.environ, PAGE=json.dumps(target), REQUESTS=str(REQUESTS))
    if target is None:
        env.pop("DJANGO_SETTINGS_MODULE", None)  # it configures its own settings
    command = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no",
        f"--callgrind-out-file={directory}/callgrind.%p", sys.executable, "-c",
        (MINIMAL_LOOP if target is None else LOOP) + MEASURE,
    ]  # fmt: skip
    run = subprocess.run(command, env=env, cwd=HERE.parent, capture_output=True, text=True)
    collected = re.findall(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not collected:
        raise SystemExit(f"callgrind failed:\n{run.stderr[-3000:]}")
    return int(collected[-1]) / REQUESTS / 1e6


def main() -> int:
    if not shutil.which("valgrind"):
        print("valgrind is missing: apt-get install valgrind (not measured)")
        return 0
    profile_pages.configure()
    out = Path(profile_pages.ROOT / "var" / "bench-instructions")
    out.mkdir(parents=True, exist_ok=True)
    with profile_pages.throwaway_database():
        targets = profile_pages.prepare()
        from django.db import connections

        connections.close_all()  # the measured processes open their own
        targets["bare-signed-in"] = ("/healthz/live", targets["subscriber"][1])
        counts = {page: count(targets[page], str(out)) for page in PAGES}
    minimal = count(None, str(out))
    bare = counts["bare"]
    print(f"callgrind, {REQUESTS} requests a page, this process's instructions only")
    print(f"{'page':28s} {'M instr/request':>16s} {'bare / page':>12s} {'minimal / page':>15s}")
    print(f"{'minimal Django view':28s} {minimal:16.3f} {'':>12s} {1:15.2f}")
    for page, millions in counts.items():
        print(f"{page:28s} {millions:16.3f} {bare / millions:12.2f} {minimal / millions:15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
