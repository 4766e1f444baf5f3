"""A bad Ray address (issue 28): one line and exit 2, never a hang or a traceback."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipeline.campaign.ray_connect import cell_failure, check_address, connect_timeout
from pipeline.errors import InputError
from pipeline.synth import generate, write_synthetic


def test_address_forms_and_unreachable_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("not a host", "ray://x:99999", "head", "head:port", "http://head:1", ":6379"):
        with pytest.raises(InputError, match=r"expected host:port, ray://host:port or auto"):
            check_address(bad, 1.0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match=rf"cannot reach the Ray cluster at 127.0.0.1:{port} wi"):
        check_address(f"127.0.0.1:{port}", 2.0)
    check_address("auto", 1.0)  # left to Ray
    monkeypatch.setenv("INFLUENCE_RAY_TIMEOUT", "2.5")
    assert connect_timeout() == 2.5
    monkeypatch.setenv("INFLUENCE_RAY_TIMEOUT", "soon")
    with pytest.raises(InputError, match="INFLUENCE_RAY_TIMEOUT: expected seconds > 0"):
        connect_timeout()


def test_failed_tasks_become_one_line() -> None:
    rex = pytest.importorskip("ray.exceptions")
    crashed = cell_failure(rex.WorkerCrashedError(), "cell x of b", 3)
    assert isinstance(crashed, InputError) and "failed on the Ray cluster after 3 retries" in str(
        crashed
    )

    class TaskError(Exception):
        cause = InputError("profiles.csv: line 3: bad")

    assert cell_failure(TaskError(), "cell", 3) is TaskError.cause
    bug = ValueError("a bug keeps its traceback")
    assert cell_failure(bug, "cell", 3) is bug


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_a_port_that_is_not_ray_times_out(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write_synthetic(generate(nodes=300, seed=2), tmp_path)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'output = "out"\nruns = 10\n[inputs]\ngraph = "follows.csv"\n'
        'profiles = "profiles.csv"\nbrands = "brands.csv"\n[grid]\nbrands = ["freshbite"]\n'
        'models = ["wc"]\nstrategies = ["random", "macro"]\nbudget_shares = [0.5]\n'
    )
    address = f"127.0.0.1:{server.server_address[1]}"
    env = dict(os.environ, INFLUENCE_RAY_TIMEOUT="3")
    cmd = [sys.executable, "-m", "pipeline", "campaign", str(cfg), "--executor", "ray"]
    try:
        r = subprocess.run(
            [*cmd, "--address", address], capture_output=True, text=True, env=env, timeout=120
        )
    finally:
        server.shutdown()
    assert r.returncode == 2, r.stderr
    assert f"error: no Ray cluster answered at {address} within 3 s" in r.stderr
    assert "Traceback" not in r.stderr
