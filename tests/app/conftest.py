"""The app under test: ``python app.py`` started as a new user would, on a fresh index.

One server per test session (it builds its index from the bundled corpus on start,
which the tests see happen). Tests that add articles remove them again.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``import webui`` from the repository root
    sys.path.insert(0, str(ROOT))

READY_TIMEOUT_S = 180
_ROMANISED = re.compile(r" ?\([A-Za-z][A-Za-z' .-]*\)")  # "包卓蓝 (Bao Zhuolan)" in English answers


@pytest.fixture(scope="session")
def quoted_in():
    """``quoted_in(sentence, answer)``: is a cited sentence quoted in the answer? (English answers
    add romanised names after Chinese ones.)"""
    return lambda sentence, answer: sentence.strip() in _ROMANISED.sub("", answer)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path, index_dir: Path) -> None:
        self.url, self.proc, self.log, self.index_dir = url, proc, log, index_dir
        self.statuses: list[str] = []  # what /status said while the app came up

    def client(self):
        from gradio_client import Client

        return Client(self.url, verbose=False, download_files=False, analytics_enabled=False)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> AppServer:
    """``python app.py`` on a free localhost port, with QA_INDEX_DIR pointing at no index yet."""
    yield from _serve(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="session")
def public_server(tmp_path_factory) -> AppServer:
    """The app as on a Hugging Face Space (SPACE_ID set, as Spaces do): read-only by default."""
    yield from _serve(tmp_path_factory.mktemp("public"), {"SPACE_ID": "someone/chinese-news-qa"})


def _serve(home: Path, extra_env: dict[str, str] | None = None):
    import httpx

    index_dir = home / "index"
    port = free_port()
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
           "GRADIO_TEMP_DIR": str(home / "uploads"), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    for var in ("QA_ENCODER", "QA_TOP_K", "QA_RETRIEVER", "QA_GENERATOR", "QA_READ_ONLY", "QA_AUTH",
                "SPACE_ID", "SYSTEM"):
        env.pop(var, None)
    env.update(extra_env or {})
    log = home / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=home, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    server = AppServer(f"http://127.0.0.1:{port}/", proc, log, index_dir)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}:\n{server.log_text()}")
            try:
                if httpx.get(server.url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not come up in {READY_TIMEOUT_S}s:\n{server.log_text()}")
            time.sleep(0.3)
        client = server.client()
        while True:
            status = client.predict(api_name="/status")
            server.statuses.append(status["status"])
            if status["status"] != "building":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the first-start build did not finish:\n{server.log_text()}")
            time.sleep(0.5)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
