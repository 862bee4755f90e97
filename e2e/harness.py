"""What both end-to-end scripts share: counted checks that stop at the first
failure, processes started in their own session and all stopped at the end,
and loopback ports."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class Run:
    """One script's run: `name` prefixes every line; `tmp` keeps its logs."""

    def __init__(self, name, tmp_prefix):
        self.name = name
        self.passed = 0
        self.processes = []
        self.tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix))

    def ok(self, what):
        self.passed += 1
        print(f"{self.name}: ok  {what}", flush=True)

    def fail(self, what):
        print(f"{self.name}: FAILED {what} (logs are in {self.tmp})", file=sys.stderr, flush=True)
        print(f"{self.name}: {self.passed} passed, 1 failed", flush=True)
        sys.exit(1)

    def done(self):
        print(f"{self.name}: {self.passed} passed, 0 failed", flush=True)

    def start(self, cmd, log, **kw):
        """Starts `cmd` in a session of its own, its output in `log`."""
        proc = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.processes.append(proc)
        return proc

    def wait_port(self, port, proc, seconds, log):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if port_taken(port):
                return
            if proc.poll() is not None:
                sys.stderr.write(Path(log).read_text())
                self.fail(f"process for port {port} exited")
            time.sleep(0.3)
        self.fail(f"nothing listens on port {port} after {seconds} s")

    def stop_all(self):
        for p in self.processes:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def port_taken(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
