"""Put the repository root on sys.path so ``import eval`` works under plain ``pytest``.

Without an ``__init__.py`` here pytest puts only this folder on the path; the
``eval`` package sits at the root.  (Do not add ``tests/eval/__init__.py``:
pytest would then put ``tests/`` on the path and ``eval`` would resolve to
this test folder.)
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
