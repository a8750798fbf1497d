"""The sitemaps at archive size: each page's CPU when a process builds it (the first
request under a content version) against a request for the copy it kept.

An edition of BENCH_SITEMAP_ARCHIVE (100,000) articles on PostgreSQL and Redis (the
database `kiosco_bench_path_<size>`, as bench_page_path.py builds it, created and
dropped); the index, the first and the last page of the articles' sitemap, requested
in-process (Django's test client): CPU per request of this process, as ratios of the
built page to the kept one, measured in the same run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_page_path import ROOT, edition

SIZE = int(os.environ.get("BENCH_SITEMAP_ARCHIVE", "100000"))
REPEAT = 50

MEASURE = r"""
import os, sys, time, django; django.setup()
from django.test import Client
from kiosco.newsroom.sitemaps import PAGE_LIMIT
client = Client()
client.get("/")  # templates, connections: not the sitemaps' cost
last = -(-int(os.environ["SIZE"]) // PAGE_LIMIT)
for url in ["/sitemap.xml", "/sitemap-articles.xml", f"/sitemap-articles.xml?p={last}"]:
    started = time.process_time()
    response = client.get(url)
    built = time.process_time() - started
    assert response.status_code == 200, (url, response.status_code)
    started = time.process_time()
    for _ in range(int(os.environ["REPEAT"])):
        client.get(url)
    kept = (time.process_time() - started) / int(os.environ["REPEAT"])
    print(f"  {url:32s} {len(response.content) / 1024:6.0f} KB  built {built * 1000:7.1f} ms"
          f"  kept {kept * 1000:5.2f} ms  built / kept {built / kept:6.0f}")
"""


def main() -> int:
    var = ROOT / "var" / "bench-sitemaps"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    with edition(SIZE, var) as (env, _):
        env = dict(env, KIOSCO_ALLOWED_HOSTS="testserver,127.0.0.1", SIZE=str(SIZE))
        env["REPEAT"] = str(REPEAT)
        print(f"sitemaps, {SIZE:,} articles, CPU per request in-process:")
        subprocess.run([sys.executable, "-c", MEASURE], env=env, cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
