"""Load test: asking clients and writers at once against the app, on loopback.

    python benchmarks/load.py                   # 8 askers, 2 writers, 5 minutes
    python benchmarks/load.py --seconds 60 --askers 4 --writers 1

Starts ``python app.py`` on a free 127.0.0.1 port with a fresh index of the bundled page
(QA_READ_ONLY=0), then for ``--seconds``: each asker asks fixed questions about the bundled
page through the ``/ask`` API and checks the answer (found, cites an article, names what the
page says); each writer uploads a small article of its own through ``/upload``, asks about
it, and removes it through ``/remove``. At the end it checks that every article that should be
indexed is (none lost) and prints the counts and latencies. Exit status 1 when an ask failed,
an answer was wrong or an article was lost. Prints figures; it is a script, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (question, any of these must be in the answer) about the bundled page
QUESTIONS = [
    ("胡昌升在北京会见了哪些人？", ("陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘")),
    ("who did Hu Changsheng meet in Beijing?", ("Chen Zhaoxiong", "Liu Yu", "Sun Yu", "Bao Zhuolan", "Lin Zhongxiang")),
    ("金砖创新基地建在哪里？", ("厦门",)),
    ("美亚柏科捐赠了价值多少钱的设备？", ("13.4万元",)),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(home: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_") and k not in ("SPACE_ID", "SYSTEM")}
    env.update(QA_INDEX_DIR=str(home / "index"), QA_READ_ONLY="0", GRADIO_SERVER_NAME="127.0.0.1",
               GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(home / "uploads"),
               HF_HUB_OFFLINE="1")
    log = open(home / "app.log", "wb")  # noqa: SIM115 (open for the app's lifetime)
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=home, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited: see {home / 'app.log'}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    return proc, url


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.asks = self.failed = self.wrong = self.writes = self.write_failed = 0
        self.ms: list[float] = []
        self.problems: list[str] = []

    def note(self, problem: str) -> None:
        with self.lock:
            if len(self.problems) < 20:
                self.problems.append(problem)


def asker(url: str, stop: float, tally: Tally, k: int) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
    i = k
    while time.monotonic() < stop:
        question, expected = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        t0 = time.perf_counter()
        try:
            ans = client.predict(question, api_name="/ask")
        except Exception as e:  # noqa: BLE001 (counted and shown)
            with tally.lock:
                tally.asks += 1
                tally.failed += 1
            tally.note(f"ask failed: {question}: {e}")
            continue
        ms = (time.perf_counter() - t0) * 1000
        right = ans["found"] and ans["citations"] and any(e in ans["answer"] for e in expected)
        with tally.lock:
            tally.asks += 1
            tally.ms.append(ms)
            tally.wrong += not right
        if not right:
            tally.note(f"wrong answer: {question} -> {ans['answer'][:80]}")


def writer(url: str, stop: float, tally: Tally, k: int, home: Path, removed: set[str], kept: set[str]) -> None:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
    n = 0
    while time.monotonic() < stop:
        n += 1
        f = home / f"w{k}-{n}.txt"
        f.write_text(f"本报讯 厦门第{k}号测试馆今天迎来第{n}位读者，馆长陈{k}介绍，该馆藏书{n}万册。", encoding="utf-8")
        try:
            out = client.predict([handle_file(f)], api_name="/upload")
            aid = (out["added"] or out["already_indexed"])[0]["id"]
            kept.add(aid)
            client.predict(aid, api_name="/remove")
            kept.discard(aid)
            removed.add(aid)
            with tally.lock:
                tally.writes += 2
        except Exception as e:  # noqa: BLE001
            with tally.lock:
                tally.write_failed += 1
            tally.note(f"write failed: {e}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--askers", type=int, default=8)
    p.add_argument("--writers", type=int, default=2)
    args = p.parse_args()
    if not (0 < args.seconds <= 3600 and 0 < args.askers <= 32 and 0 <= args.writers <= 8):
        raise SystemExit("bounded: --seconds 1-3600, --askers 1-32, --writers 0-8")
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        proc, url = start_app(home)
        try:
            client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
            while client.predict(api_name="/status")["status"] == "building":
                time.sleep(0.5)
            before = {a["id"] for a in client.predict(api_name="/status")["articles"]}
            tally, removed, kept = Tally(), set(), set()
            stop = time.monotonic() + args.seconds
            threads = [threading.Thread(target=asker, args=(url, stop, tally, k)) for k in range(args.askers)]
            threads += [threading.Thread(target=writer, args=(url, stop, tally, k, home, removed, kept))
                        for k in range(args.writers)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            after = {a["id"] for a in client.predict(api_name="/status")["articles"]}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        lost = (before | kept) - after
        ms = sorted(tally.ms)
        q = statistics.quantiles(ms, n=20) if len(ms) >= 20 else [float("nan")] * 19
        print(f"{args.askers} askers, {args.writers} writers, {elapsed:.0f} s on {os.cpu_count()} cores, loopback")
        print(f"asks: {tally.asks} ({tally.asks / elapsed:.1f}/s), failed {tally.failed}, wrong answers {tally.wrong}; "
              f"latency p50 {statistics.median(ms) if ms else float('nan'):.0f} ms, p95 {q[18]:.0f} ms")
        print(f"writes: {tally.writes} uploads and removals, failed {tally.write_failed}; "
              f"articles lost: {len(lost)}; left over from writes: {len(after - before)}")
        for problem in tally.problems:
            print("  " + problem)
        return 1 if tally.failed or tally.wrong or tally.write_failed or lost else 0


if __name__ == "__main__":
    sys.exit(main())
