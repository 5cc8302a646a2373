"""The native runtime's process handling, with real child processes."""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest
from rich.console import Console

from obslab.native import runtime
from obslab.native.component import Component
from obslab.native.supervisor import Supervisor
from obslab.settings import LabSettings


@pytest.fixture
def settings(tmp_path) -> LabSettings:
    return LabSettings(obslab_home=tmp_path / "lab", obslab_port_offset=0, _env_file=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_server(port: int) -> Component:
    return Component(name="web", command=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                     ports={"WEB_PORT": port}, health=f"http://127.0.0.1:{port}/", url=f"http://127.0.0.1:{port}/")


def test_start_is_idempotent_and_stop_frees_the_port(settings):
    sup, port = Supervisor(settings), _free_port()
    comp = _http_server(port)
    pid = sup.start(comp)
    try:
        deadline = time.monotonic() + 10
        while not sup.healthy(comp) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sup.healthy(comp)
        assert sup.start(comp) == pid, "a second start must reuse the running process"
    finally:
        assert sup.stop("web") is True
    assert sup.running_pid("web") is None
    assert not Supervisor.port_open("127.0.0.1", port)
    assert not (settings.state_dir / "web.json").exists()


def test_a_recycled_pid_is_never_signalled(settings):
    sup = Supervisor(settings)
    # A state file naming a live process that is not ours (this test process), with another start time.
    (settings.state_dir / "ghost.json").write_text(
        f'{{"pid": {os.getpid()}, "start_ticks": 1, "command": ["x"], "log": "x"}}')
    assert sup.running_pid("ghost") is None
    assert sup.stop("ghost") is False  # and we are still alive to assert it


def test_sigterm_ignored_means_sigkill_after_the_bounded_wait(settings):
    sup = Supervisor(settings)
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    comp = Component(name="stubborn", command=[sys.executable, "-c", code])
    sup.start(comp)
    time.sleep(0.5)
    t0 = time.monotonic()
    assert sup.stop("stubborn", timeout_s=1.0)
    assert 0.9 < time.monotonic() - t0 < 8
    assert sup.running_pid("stubborn") is None


def test_busy_port_is_refused_with_the_setting_to_change(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(RuntimeError, match=r"WEB_PORT=\d+.*already in use.*\.env"):
            Supervisor(settings).start(_http_server(port))


def test_failed_component_is_named_with_its_log_tail(settings):
    code = "print('config error: bad flag'); raise SystemExit(3)"
    crash = Component(name="crasher", command=[sys.executable, "-c", code],
                      health="http://127.0.0.1:9/never")
    with pytest.raises(runtime.LabStartError) as err:
        runtime.up(settings, Console(file=open(os.devnull, "w")), comps=[crash])
    msg = str(err.value)
    assert "crasher exited during start" in msg
    assert str(settings.logs_dir / "crasher.log") in msg
    assert "config error: bad flag" in msg


def test_dependents_wait_for_their_dependencies(settings):
    port = _free_port()
    web = _http_server(port)
    marker = settings.obslab_home / "dep-started-after"
    dep = Component(name="after", depends_on=["web"],
                    command=[sys.executable, "-c",
                             f"import urllib.request, time; urllib.request.urlopen('http://127.0.0.1:{port}/');"
                             f"open('{marker}', 'w').write('ok'); time.sleep(30)"])
    try:
        runtime.up(settings, Console(file=open(os.devnull, "w")), comps=[dep, web])
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.read_text() == "ok"
    finally:
        sup = Supervisor(settings)
        sup.stop("after", timeout_s=1)
        sup.stop("web", timeout_s=1)
