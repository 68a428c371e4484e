"""PNG plots of runs: recall@k curves, latency distributions and reliability diagrams (matplotlib, no screen needed)."""

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


def reliability_diagram(calibration: Mapping[str, Mapping], path: Path, *, title: str) -> Path:
    """One panel per question group present: the mean probability against the observed share of
    each non-empty bin (marker area by the bin's count, which is also written beside it), and
    the diagonal of perfect calibration.

    Args:
        calibration: group name ("all", "lang:zh", ...) -> ``eval.calibration.summarize_calibration``.
        path: the PNG to write.
    """
    plt = _pyplot()
    groups = [(g, name) for g, name in GROUPS if g in calibration]
    fig, axes = plt.subplots(1, max(len(groups), 1), figsize=(3.8 * max(len(groups), 1), 3.9), squeeze=False)
    for ax, (group, name) in zip(axes[0], groups, strict=False):
        cal = calibration[group]
        bins = [b for b in cal["bins"] if b["n"]]
        biggest = max((b["n"] for b in bins), default=1)
        xs, ys = [b["mean_probability"] for b in bins], [b["observed"] for b in bins]
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfectly calibrated")
        ax.plot(xs, ys, color="C0", linewidth=1)
        ax.scatter(xs, ys, s=[15 + 250 * b["n"] / biggest for b in bins], color="C0", alpha=0.7, zorder=3,
                   label="bins (area: questions)")
        for b, x, y in zip(bins, xs, ys, strict=True):
            ax.annotate(str(b["n"]), (x, y), textcoords="offset points", xytext=(6, -10), fontsize=7)
        ax.set_title(f"{name}: ECE {cal['ece']:.3f}, n {cal['n']}", fontsize=9)
        ax.set_xlabel("predicted probability (bin mean)")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("observed share: passages answer")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
