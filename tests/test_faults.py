"""Fault injection (issue 10): a writer killed in every phase of a change, writers at once,
readers while changes commit. Each case asserts that no committed article is lost, that the
index opens and verifies, and that the next change works. (Damaged files: tests/test_store.py.)"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from qa.build import write_index
from qa.manifest import check_generation, read_manifest
from qa.store import IndexStore

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parent.parent

# where the writer process kills itself (SIGKILL: no clean-up runs)
PHASES = {
    "embedding": "progress at 'embedding'",
    "bm25": "progress at 'bm25'",
    "lexicon": "progress at 'lexicon'",
    "built": "progress at 'done' (the new generation is complete, not yet renamed)",
    "renamed": "after the generation is renamed, before the manifest is written",
    "committed": "after the commit, before old generations are cleaned",
}


def _writer_script(root: Path, phase: str, articles: str) -> str:
    return textwrap.dedent(f"""
        import os, signal, sys
        sys.path[:0] = [{str(ROOT)!r}]
        from tests.conftest import FakeEncoder
        from qa.ingest import ingest_paths
        import qa.build as build

        def die(*_):
            os.kill(os.getpid(), signal.SIGKILL)

        phase = {phase!r}
        stage = {{"embedding": "embedding", "bm25": "bm25", "lexicon": "lexicon", "built": "done"}}.get(phase)
        if phase == "renamed":
            build.write_manifest = die
        if phase == "committed":
            clean, calls = build._clean, []
            def _clean(*a, **k):
                calls.append(1)
                if len(calls) == 2:
                    die()
                return clean(*a, **k)
            build._clean = _clean
        progress = (lambda s, done, total: die() if s == stage else None) if stage else None
        arts = ingest_paths([{articles!r}]).articles
        build.write_index({str(root)!r}, encoder=FakeEncoder(), add=arts, progress=progress)
        print("finished", flush=True)
    """)


@pytest.mark.parametrize("phase", list(PHASES), ids=list(PHASES))
def test_a_writer_killed_in_any_phase_loses_nothing(tmp_path, bundled_articles, fake_encoder, phase):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    before = {a.id for a in IndexStore.open(root).articles()}
    more = tmp_path / "more.jsonl"
    import json

    more.write_text("\n".join(json.dumps({"text": a.text, "title": a.title}, ensure_ascii=False)
                              for a in bundled_articles[2:]), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", _writer_script(root, phase, str(more))],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    store = IndexStore.open(root)
    after = {a.id for a in store.articles()}
    m = read_manifest(root)
    assert check_generation(root, m, full=True) == []
    if phase == "committed":  # the change had committed: it is there
        assert after == before | {a.id for a in bundled_articles[2:]}
    else:  # it had not: the previous index, whole
        assert after == before
    del store
    # the next change cleans up after the dead writer and lands
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[0].id])
    assert not [p.name for p in root.iterdir() if ".tmp-" in p.name]
    assert {a.id for a in IndexStore.open(root).articles()} == after - {bundled_articles[0].id}


def test_writers_at_once_all_land(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    errors: list[BaseException] = []

    def add(article):
        try:
            write_index(root, encoder=fake_encoder, add=[article])
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=add, args=(a,)) for a in bundled_articles[1:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {a.id for a in IndexStore.open(root).articles()} == {a.id for a in bundled_articles}


def test_readers_never_fail_while_changes_commit(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    q = fake_encoder.encode_queries(["胡昌升在北京会见了谁"])
    stop, errors, reads = threading.Event(), [], [0]

    def read():
        while not stop.is_set():
            try:
                store = IndexStore.open(root)
                rows = store.vectors.search(q, 3)[1][0]
                sentences = store.sentences([int(r) for r in rows if r >= 0])
                assert sentences and store.chunk_vectors is not None and store.articles()
                reads[0] += 1
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for _ in range(6):  # each change commits a generation and retires the old ones no reader holds
        write_index(root, encoder=fake_encoder, remove=[bundled_articles[3].id])
        write_index(root, encoder=fake_encoder, add=[bundled_articles[3]])
    stop.set()
    for t in readers:
        t.join()
    assert errors == [] and reads[0] > 0
    assert len([p for p in root.iterdir() if p.name.startswith("gen-")]) <= 3
