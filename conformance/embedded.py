"""The embedded reference server: ``occi-conformance run`` without ``--endpoint`` certifies
``python -m reference_server --backend dummy`` on a free loopback port. The run is destructive
and disposable (the server and its state end with the run), so every test runs.

It runs in its own session (process group), so a Ctrl-C at the terminal reaches the harness
only; the harness deletes what it created and then stops the server itself.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import urllib3

START_TIMEOUT = 30.0


class EmbeddedServerError(RuntimeError):
    """The reference server did not come up."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    """Context manager: start on enter, stop on exit (also after errors and Ctrl-C)."""

    def __init__(self, extra_args: tuple[str, ...] = (), timeout: float = START_TIMEOUT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open for the server
            prefix="occi-reference-server-", suffix=".log", delete=False
        )
        self.log_path = Path(self._log.name)

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCCI_SERVER_")}
        command = [
            sys.executable,
            "-m",
            "reference_server",
            "--backend",
            "dummy",
            "--listen",
            f"127.0.0.1:{self.port}",
            *self.extra_args,
        ]
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        http = urllib3.PoolManager(retries=False, timeout=2.0)
        deadline = time.monotonic() + self.timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise EmbeddedServerError(
                        f"the reference server exited with {self.process.returncode}: "
                        + self.log_tail()
                    )
                try:
                    if http.request("GET", self.url + "/-/").status == 200:
                        return
                except urllib3.exceptions.HTTPError:
                    pass
                time.sleep(0.1)
            raise EmbeddedServerError(
                f"the reference server did not answer /-/ within {self.timeout:g} s: "
                + self.log_tail()
            )
        except BaseException:
            self.stop()
            raise

    def log_tail(self, lines: int = 15) -> str:
        self._log.flush()
        text = self.log_path.read_text("utf-8", "replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if not self._log.closed:
            self._log.close()
        self.log_path.unlink(missing_ok=True)
