"""The hand-written seed question set stays consistent with the corpus."""

import importlib.util
import sys
from pathlib import Path

import pytest

CHECKER = Path(__file__).resolve().parents[2] / "eval" / "data" / "check_seed.py"


def load_checker():
    """Import the stand-alone script by path (eval/data is not a package)."""
    spec = importlib.util.spec_from_file_location("check_seed", CHECKER)
    module = importlib.util.module_from_spec(spec)
    # Its dataclass looks its module up in sys.modules while being created.
    sys.modules["check_seed"] = module
    spec.loader.exec_module(module)
    return module


def test_seed_set_is_clean(capsys):
    checker = load_checker()
    corpus = checker.find_corpus()
    if corpus is None:
        pytest.skip(f"corpus not found in {checker.CORPUS_CANDIDATES}")
    assert checker.main(["--corpus", str(corpus)]) == 0, capsys.readouterr().out


def test_normalise_matches_the_ingester_rules():
    checker = load_checker()
    raw = " 本报讯 据报道，11 月\n\n16 日 -17 日，走访 IBM 和京东\n\n集团，“金砖 +”，New York 了。\n"
    assert checker.normalise(raw) == "本报讯 据报道，11月16日-17日，走访IBM和京东集团，“金砖+”，New York了。"
