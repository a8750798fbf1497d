import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kiosco.cli import main
from kiosco.lib.management.commands import serve
from kiosco.lib.management.commands.serve import Command


def test_it_serves_pages_on_wsgi_with_the_requested_workers():
    argv = Command().granian_argv(
        {"embedded": False, "host": "0.0.0.0", "port": 9000, "workers": 3, "threads": 2}
    )
    assert argv[argv.index("--interface") + 1] == "wsgi"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[-1] == "kiosco.wsgi:application"


def test_it_serves_the_embedded_shape_as_one_asgi_process():
    argv = Command().granian_argv(
        {"embedded": True, "host": "127.0.0.1", "port": 8000, "workers": 8, "threads": 4}
    )
    assert argv[argv.index("--interface") + 1] == "asginl"
    assert argv[argv.index("--workers") + 1] == "1"
    assert argv[-1] == "kiosco.asgi:application"


def test_several_workers_run_one_thread_each_and_a_lone_worker_four():
    assert serve.default_threads(2) == 1  # processes carry the load, not GIL-bound threads
    assert serve.default_threads(1) == 4  # one slow request must not stop the edition


def test_the_console_script_spells_commands_with_dashes(db, capsys):
    main(["kiosco", "remove-stale-contenttypes", "--noinput", "--verbosity", "2"])
    assert "Unknown command" not in capsys.readouterr().err


def test_it_answers_liveness_without_touching_anything(client):
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_it_reports_ready_when_the_database_answers(client, db):
    assert client.get("/healthz/ready").status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answer_from_a_real_server(*flags: str, **env: str) -> bytes:
    port = _free_port()
    environ = dict(os.environ, KIOSCO_SECRET_KEY="s" * 40, **env)
    command = [sys.executable, "-m", "kiosco.cli", "serve", "--port", str(port), *flags]
    server = subprocess.Popen(command, env=environ, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/healthz/live"
                with urllib.request.urlopen(url, timeout=2) as response:
                    return bytes(response.read())
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.2)
        raise AssertionError("kiosco serve did not answer within 30 s")
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_it_starts_granian_on_wsgi_for_production():
    flags = ("--workers", "1", "--no-collectstatic")
    assert _answer_from_a_real_server(*flags, KIOSCO_DEBUG="0") == b"ok"


def test_it_starts_the_embedded_shape():
    assert _answer_from_a_real_server("--embedded", KIOSCO_DEBUG="1") == b"ok"


def test_the_embedded_shape_starts_a_worker_that_ends_with_the_server():
    port = _free_port()
    environ = dict(os.environ, KIOSCO_SECRET_KEY="s" * 40, KIOSCO_DEBUG="1")
    command = [sys.executable, "-m", "kiosco.cli", "serve", "--embedded", "--port", str(port)]
    server = subprocess.Popen(command, env=environ)
    try:
        deadline = time.monotonic() + 30
        while not _workers_of(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _workers_of(server.pid), "no kiosco worker beside the embedded server"
    finally:
        server.terminate()
        server.wait(timeout=20)
    deadline = time.monotonic() + 10
    while _workers_of(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _workers_of(server.pid), "the worker outlived the server"


def _workers_of(parent_pid: int) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = status.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"worker --parent-pid {parent_pid}" in cmdline:
            found.append(cmdline)
    return found


def test_it_serves_with_one_worker_while_the_cache_is_each_processs_own(settings):
    settings.REDIS_URL = ""
    assert serve.coherent_workers(4) == 1
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert serve.coherent_workers(4) == 4
