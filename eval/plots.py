"""PNG plots of runs: recall@k curves and latency distributions (matplotlib, no screen needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

GROUPS = (("all", "all questions"), ("lang:zh", "Chinese questions"), ("lang:en", "English questions"))
STAGES = ("retrieve", "answer")


def _pyplot():
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("plots need matplotlib: pip install 'chinese-news-qa[eval]' "
                          "(or pip install matplotlib), or pass --no-plots") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def recall_curves(curves: Mapping[str, Mapping[str, Sequence[float]]], path: Path, *, title: str) -> Path:
    """One panel per question group present, one line per configuration.

    Args:
        curves: configuration label -> group name ("all", "lang:zh", ...) -> recall@k for k = 1..n.
        path: the PNG to write.
    """
    plt = _pyplot()
    groups = [(g, name) for g, name in GROUPS if any(g in per_group for per_group in curves.values())]
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 3.6), sharey=True, squeeze=False)
    for ax, (group, name) in zip(axes[0], groups, strict=True):
        for label, per_group in curves.items():
            values = per_group.get(group)
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("k (articles)")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("recall@k")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency_histograms(latencies: Mapping[str, Mapping[str, Sequence[float]]], path: Path, *, title: str) -> Path:
    """One panel per stage (retrieve, answer), one histogram per configuration, log-spaced bins.

    Args:
        latencies: configuration label -> stage -> per-question milliseconds.
        path: the PNG to write.
    """
    import numpy as np

    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    stages = [s for s in STAGES if any(per_stage.get(s) for per_stage in latencies.values())]
    fig, axes = plt.subplots(1, max(len(stages), 1), figsize=(4.6 * max(len(stages), 1), 3.4), squeeze=False)
    for ax, stage in zip(axes[0], stages, strict=False):
        values = [v for per_stage in latencies.values() for v in per_stage.get(stage, ()) if v > 0]
        bins = np.geomspace(max(min(values), 0.1), max(values) * 1.01, 30) if values else 10
        for label, per_stage in latencies.items():
            xs = [v for v in per_stage.get(stage, ()) if v > 0]
            if xs:
                ax.hist(xs, bins=bins, histtype="step", linewidth=1.6, label=label)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 3)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{stage} (ms per question)")
        ax.set_xlabel("milliseconds (log scale)")
        ax.set_ylabel("questions")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
