"""Starts, checks and stops the lab's processes, remembering each by PID and start time.

A component is "ours" only if its PID file names a live process whose kernel start time matches the
one recorded at launch: a recycled PID is never signalled.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

from obslab.native.component import Component
from obslab.settings import LabSettings, child_environ


@dataclass
class ProcessState:
    pid: int
    start_ticks: int
    command: list[str]
    log: str


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name (which may hold spaces): state is 3rd, starttime 22nd.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # a zombie is gone, whatever its PID entry says
        return None
    return int(fields[19])


class Supervisor:
    def __init__(self, settings: LabSettings):
        self.settings = settings
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        settings.logs_dir.mkdir(parents=True, exist_ok=True)

    # ---- state -------------------------------------------------------------------------------
    def _state_file(self, name: str) -> Path:
        return self.settings.state_dir / f"{name}.json"

    def log_file(self, name: str) -> Path:
        return self.settings.logs_dir / f"{name}.log"

    def state(self, name: str) -> ProcessState | None:
        try:
            return ProcessState(**json.loads(self._state_file(name).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def running_pid(self, name: str) -> int | None:
        st = self.state(name)
        if st:
            self._reap(st.pid)
        if st and _start_ticks(st.pid) == st.start_ticks:
            return st.pid
        return None

    def known_components(self) -> list[str]:
        return sorted(p.stem for p in self.settings.state_dir.glob("*.json"))

    # ---- health ------------------------------------------------------------------------------
    @staticmethod
    def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            return False

    def healthy(self, comp: Component) -> bool:
        if not comp.health:
            return self.running_pid(comp.name) is not None
        if comp.health.startswith("tcp://"):
            u = urlparse(comp.health)
            return self.port_open(u.hostname or "127.0.0.1", u.port or 0)
        try:
            return httpx.get(comp.health, timeout=1.0).is_success
        except httpx.HTTPError:
            return False

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, comp: Component) -> int:
        pid = self.running_pid(comp.name)
        if pid:
            return pid
        busy = [f"{env}={port}" for env, port in comp.ports.items() if self.port_open(self.settings.host, port)]
        if busy:
            raise RuntimeError(
                f"{comp.name}: port {', '.join(busy)} is already in use by a process obslab did not start; "
                f"stop it or set another port in .env (e.g. {next(iter(comp.ports))}=...)"
            )
        if comp.prepare:
            comp.prepare()
        env = {**child_environ(), **comp.env}
        log_path = self.log_file(comp.name)
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        log.write(f"\n=== obslab start {time.strftime('%Y-%m-%dT%H:%M:%S')} {comp.command}\n".encode())
        log.flush()
        kwargs: dict = {}
        if comp.run_as and os.geteuid() == 0:
            pw = pwd.getpwnam(comp.run_as)
            kwargs.update(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
            env.update(HOME=pw.pw_dir, USER=comp.run_as)
            os.chown(log_path, pw.pw_uid, pw.pw_gid)
        proc = subprocess.Popen(
            comp.command, env=env, cwd=comp.cwd or self.settings.obslab_home, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs,
        )
        log.close()
        ticks = _start_ticks(proc.pid) or 0
        st = ProcessState(pid=proc.pid, start_ticks=ticks, command=comp.command, log=str(log_path))
        self._state_file(comp.name).write_text(json.dumps(st.__dict__))
        return proc.pid

    def exited(self, name: str) -> bool:
        """True when we launched it and it is gone (crashed or exited)."""
        return self.state(name) is not None and self.running_pid(name) is None

    def stop(self, name: str, timeout_s: float = 10.0, stop_signal: int = signal.SIGTERM) -> bool:
        """Stop our process group; True if something was stopped."""
        pid = self.running_pid(name)
        self._reap(pid)
        if pid is None:
            self._state_file(name).unlink(missing_ok=True)
            return False
        self._signal_group(pid, stop_signal)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.running_pid(name):
            self._reap(pid)
            time.sleep(0.1)
        if self.running_pid(name):
            self._signal_group(pid, signal.SIGKILL)
            for _ in range(50):
                self._reap(pid)
                if not self.running_pid(name):
                    break
                time.sleep(0.1)
        self._state_file(name).unlink(missing_ok=True)
        return True

    @staticmethod
    def _signal_group(pid: int, sig: int) -> None:
        # Each component leads its own session (start_new_session), so its children share its pgid.
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, sig)

    @staticmethod
    def _reap(pid: int | None) -> None:
        if pid is None:
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except (ChildProcessError, PermissionError):
            pass

    def tail(self, name: str, lines: int = 20) -> str:
        try:
            data = self.log_file(name).read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(data[-lines:])
