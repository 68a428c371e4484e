"""First start: build the index from the bundled corpus when there is none (or an old one).

The build runs in a background thread so that the app comes up at once and
shows its progress; questions asked meanwhile wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from qa.assistant import Assistant
from qa.errors import EncoderMismatchError, IndexCorruptError, IndexFormatError, IndexNotFoundError, ManifestLostError
from qa.text import counted

log = logging.getLogger(__name__)


class IndexKeeper:
    """Makes sure ``bot`` has an index; ``ensure()`` is cheap and idempotent.

    Args:
        bot: the app's assistant.
        corpus: files to build from when the index is missing or has an old format.
    """

    def __init__(self, bot: Assistant, corpus: Sequence[str | Path]) -> None:
        self.bot = bot
        self.corpus = [Path(p) for p in corpus]
        self._lock = threading.Lock()
        self._checked = False
        self._done = threading.Event()
        self._done.set()
        self._stage: str | None = None  # set while building
        self.reason: str | None = None  # why a build was needed
        self.error: str | None = None  # why the build failed
        self.stored: int = 0  # articles an older-format index holds: indexed again instead of the corpus

    def ensure(self) -> None:
        """Check the index once; start a build from the bundled corpus if it cannot be opened."""
        with self._lock:
            if self._checked:
                return
            self._checked = True
            try:
                _ = self.bot.store  # opens the index, or says why it cannot
                return
            except IndexNotFoundError:
                self.reason = f"no index at {self.bot.index_dir}"
            except IndexFormatError as e:
                self.reason = str(e).split(";")[0]  # what is wrong, without the CLI hint
                self.stored = self._stored_articles()
            except (EncoderMismatchError, ManifestLostError, IndexCorruptError) as e:
                # the articles in it are the user's: never rebuild over them; questions report this
                # (a lost manifest: qa index recover; damaged files: qa index repair)
                log.error("%s", e)
                return
            self._stage = "starting"
            self._done.clear()
        log.warning("building the index from %s (%s)", ", ".join(map(str, self.corpus)), self.reason)
        threading.Thread(target=self._build, name="qa-index-build", daemon=True).start()

    def _progress(self, stage: str, done: int, total: int) -> None:
        self._stage = f"{stage} {done}/{total}" if stage not in ("done", "bm25") else stage
        log.info("index build: %s", self._stage)

    def _stored_articles(self) -> int:
        """How many articles an unreadable (older-format) index holds in its database: they are
        the user's, so they are indexed again rather than replaced by the bundled corpus."""
        from qa.build import stored_articles, stored_settings
        from qa.errors import QAError

        try:
            if stored_settings(self.bot.index_dir).encoder != self.bot.encoder.name:
                return 0
            return len(stored_articles(self.bot.index_dir)[0])
        except (QAError, OSError):
            return 0

    def _build(self) -> None:
        try:
            if self.stored:
                self._stage = f"indexing again the {counted(self.stored, 'article')} it stores"
                self.bot.repair(progress=self._progress)
                return
            self._stage = "reading and embedding the bundled articles"
            self.bot.build(self.corpus, progress=self._progress)
        except Exception as e:  # shown in the status line; the app stays up for uploads
            log.exception("building the index failed")
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self._stage = None
            self._done.set()

    @property
    def building(self) -> str | None:
        """A progress line while the first-start build runs, else None."""
        stage = self._stage
        if stage is None:
            return None
        source = "its stored articles" if self.stored else "the bundled corpus"
        return f"Building the index from {source} ({self.reason}): {stage}…"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no build is running; False on timeout."""
        return self._done.wait(timeout)
