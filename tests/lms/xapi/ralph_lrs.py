"""Ralph (PyPI ``ralph-malph``, a Python LRS) as a second LRS on 127.0.0.1, for the forwarding
tests and ``bench/xapi_throughput.py --with-ralph``.

Ralph lives in a virtualenv of its own, ``.venv-ralph`` (``make .venv-ralph/.installed``): its
pins clash with ours. It runs with its filesystem backend, which keeps every statement as a
line of ``<folder>/data/fs_lrs.jsonl``. That backend writes in "create" mode by default, which
refuses to write to a file that exists: every POST after the first is a 500. Ralph 5.1.0 has no
setting for the mode (``FSLRSBackend.default_operation_type`` is a class attribute), so the app
is served through a two-line module that switches the class to append before Ralph's app loads.

Only the standard library here: this module is imported by our tests, Ralph runs in its own
process.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[3]
VENV = ROOT / ".venv-ralph"
INSTALL_HINT = "make .venv-ralph/.installed"

#: Served by uvicorn as ``ralph_fs_append:app``, in Ralph's virtualenv.
APPEND_APP = """\
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
from ralph.api import app  # noqa: E402
"""


def installed() -> bool:
    return (VENV / "bin" / "ralph").exists() and (VENV / "bin" / "uvicorn").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RalphServer:
    """One Ralph LRS on a folder of its own: ``start()``, ``stop()``, ``start()`` again (same
    port, same statements), and what it stored."""

    def __init__(self, folder: Path, *, key: str = "librarena") -> None:
        self.folder = folder
        self.key = key
        self.secret = secrets.token_urlsafe(16)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "ralph.log"
        (folder / "data").mkdir(parents=True, exist_ok=True)
        (folder / "ralph_fs_append.py").write_text(APPEND_APP)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RALPH_")},
            "RALPH_APP_DIR": str(folder / "app"),
            "RALPH_AUTH_FILE": str(folder / "auth.json"),
            "RALPH_HISTORY_FILE": str(folder / "app" / "history.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data"),
            "PYTHONPATH": str(folder),
        }
        self._create_credentials()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"  # Ralph's prefix is capitalised

    @property
    def authorization(self) -> str:
        return "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()

    @property
    def authority(self) -> dict[str, str]:
        """The agent Ralph sets as ``authority`` on what this client stores."""
        return {"objectType": "Agent", "mbox": f"mailto:{self.key}@librarena.example"}

    def _create_credentials(self) -> None:
        # Ralph's own way: a bcrypt hash of the secret in its auth file.
        command = [str(VENV / "bin" / "ralph"), "auth", "--username", self.key]
        command += ["--password", self.secret, "--scope", "all", "--write-to-disk"]
        command += ["--agent-ifi-mbox", self.authority["mbox"]]
        subprocess.run(  # noqa: S603 - Ralph's own program, from our .venv-ralph
            command,
            env=self.env,
            cwd=self.folder,  # Ralph also reads a .env from the working directory
            check=True,
            capture_output=True,
        )

    def start(self, *, workers: int = 1, timeout: float = 60) -> None:
        """Serve Ralph under uvicorn and wait until it answers its heartbeat."""
        command = [str(VENV / "bin" / "uvicorn"), "ralph_fs_append:app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        if workers > 1:
            command += ["--workers", str(workers)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - as above
                command, env=self.env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Ralph exited: {self.log.read_text()[-2000:]}")
            try:
                url = f"http://127.0.0.1:{self.port}/__lbheartbeat__"
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Ralph did not answer in {timeout} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """``(status, parsed JSON body or None)``; HTTP errors are returned, not raised."""
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            self.endpoint + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": self.authorization,
                "X-Experience-API-Version": "1.0.3",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def get(self, statement_id: str) -> list[dict[str, Any]]:
        """What Ralph answers for ``?statementId=``: it returns a list (``{"statements": […]}``,
        empty when unknown) where the spec has the statement itself or a 404."""
        status, body = self.request("GET", "statements?" + urlencode({"statementId": statement_id}))
        assert status == 200, (status, body)
        return list(body["statements"])

    def stored_lines(self) -> list[dict[str, Any]]:
        """Every statement in the backend's file, one per line, repeats included."""
        path = self.folder / "data" / "fs_lrs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
