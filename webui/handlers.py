"""What the app's events do: chat, upload, remove, status; and the named API endpoints.

Each UI handler returns values for its output components; each ``api_*`` function
returns JSON-ready values for ``gradio_client``. Both call the same ``qa`` API.
"""

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from qa.answer import Generator
from qa.assistant import Assistant
from qa.errors import EmptyIndexError, IngestError, QAError
from qa.settings import RetrieverMode
from qa.store import ArticleInfo
from qa.types import Answer
from webui import render
from webui.bootstrap import IndexKeeper

log = logging.getLogger(__name__)

MAX_UPLOAD_MB = 20
UPLOAD_TYPES = (".txt", ".md", ".jsonl", ".html", ".htm", ".pdf")
RETRIEVERS = [m.value for m in RetrieverMode]
EXTRACTIVE = "extractive"
HISTORY_TURNS = 4  # earlier (question, answer) turns passed to the assistant
BUILD_WAIT_S = 600

Messages = list[dict[str, str]]
READ_ONLY = ("This is a read-only deployment (QA_READ_ONLY=1): articles cannot be added or removed here. "
             "Run the app yourself to ask about your own articles.")
# an absolute path in a message: clients see only its last part (no server layout)
_PATH = re.compile(r"(?<![\w.])/(?:[^\s/:;,'\"()«»]+/)*([^\s/:;,'\"()«»]+)")


def _error(message: str) -> gr.Error:
    """An expected error for the client; the server logs one line for it, not a traceback."""
    return gr.Error(message, print_exception=False)


def client_message(e: Exception) -> str:
    """An expected error as a client sees it: what was wrong and what to do, without the
    server's paths."""
    return _PATH.sub(r"\1", str(e))


def _file_path(f: Any) -> str:
    """A local path from what Gradio passes for a file (a path, or a FileData dict/object)."""
    if isinstance(f, dict):
        return str(f.get("path") or "")
    return str(getattr(f, "path", None) or getattr(f, "name", None) or f)


def _tidy(reason: str, path: str) -> str:
    """An ingest message with the server's temporary path replaced by the file name."""
    return reason.replace(path, Path(path).name)


class Handlers:
    """The app's behaviour, one method per event; holds no per-session state."""

    def __init__(self, bot: Assistant, keeper: IndexKeeper, *, read_only: bool = False) -> None:
        self.bot = bot
        self.keeper = keeper
        self.read_only = read_only

    def _refused(self, where: str, e: Exception) -> gr.Error:
        """An expected error (bad input, a damaged index): one log line, a path-free message."""
        log.warning("%s refused: %s", where, e)
        return _error(client_message(e))

    # -- status -------------------------------------------------------------------
    def status(self) -> str:
        self.keeper.ensure()
        building = self.keeper.building
        info = {} if building else self.bot.info()
        if not building and self.keeper.error and info.get("status") in ("unavailable", "damaged"):
            info["error"] = f"building from the bundled corpus failed: {self.keeper.error}"
        if info.get("error"):
            info["error"] = client_message(info["error"])
        return render.status_html(info, building)

    def articles(self) -> list[ArticleInfo]:
        """The indexed articles; none while the index is built or when it cannot be read."""
        if self.keeper.building:
            return []
        try:
            return self.bot.articles()
        except QAError:
            return []

    def refresh(self) -> tuple:
        """Status line, articles table, remove choices, and whether the build timer keeps ticking."""
        status = self.status()
        arts = self.articles()
        table = render.articles_html(arts, [Path(a.path).name if a.path else "" for a in arts])
        choices = [(f"{a.title} · {a.date or 'no date'} · {a.id[:8]}", a.id) for a in arts]
        return (status, table, gr.update(choices=choices, value=None),
                gr.Timer(active=self.keeper.building is not None))

    # -- chat -----------------------------------------------------------------------
    def _wait_for_index(self, show: Callable[[str], Any]) -> Iterator[Any]:
        self.keeper.ensure()
        deadline = time.monotonic() + BUILD_WAIT_S
        while (line := self.keeper.building) and time.monotonic() < deadline:
            yield show(line)
            self.keeper.wait(0.5)

    def answer_modes(self) -> list[str]:
        """The answer modes the app offers: the extractive quotes, and the configured model if any."""
        configured = str(self.bot.settings.generator)
        return [EXTRACTIVE] if configured == EXTRACTIVE else [configured, EXTRACTIVE]

    def _generator(self, answer_mode: str | None) -> Generator | None:
        """The generator for an answer mode; None means the assistant's configured one."""
        if not answer_mode or answer_mode == str(self.bot.settings.generator):
            return None
        if answer_mode != EXTRACTIVE:
            raise _error(f"unknown answer mode {answer_mode!r}; choose one of {', '.join(self.answer_modes())}")
        from qa.generators.fallback import WithFallback

        configured = self.bot.generator
        if isinstance(configured, WithFallback):  # a model answers with quotes as its fallback: reuse them
            return configured.fallback
        from qa.generators import extractive_generator

        return extractive_generator(self.bot.settings)

    def chat(self, message: str, messages: Messages, answers: list[Answer], top_k: int, retriever: str,
             answer_mode: str | None = None, since: str | None = None, until: str | None = None,
             order: str | None = None):
        """Stream one answer into the chat; yields (textbox, chatbot, messages, answers, sources).

        order: how the sources are listed (``render.SourceOrder``: relevance, newest first)."""
        question = (message or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        order = self._order(order)
        turn = len(answers) + 1
        user = {"role": "user", "content": render.user_html(question)}
        sources = render.sources_html(answers, order)

        def show(content: str) -> tuple:
            shown = [*messages, user, {"role": "assistant", "content": content}]
            return "", shown, messages, answers, sources

        yield show(render.progress_html("…"))
        yield from self._wait_for_index(lambda line: show(render.progress_html(line)))
        history = [(a.question, a.answer) for a in answers[-HISTORY_TURNS:]]
        text, final = "", None
        try:
            for event in self.bot.stream(question, top_k=int(top_k), mode=retriever, history=history,
                                         generator=self._generator(answer_mode), since=(since or "").strip() or None,
                                         until=(until or "").strip() or None):
                if isinstance(event, Answer):
                    final = event
                else:
                    text += event
                    yield show(render.answer_html(text, turn))
        except QAError as e:
            log.warning("chat refused: %s", e)
            why = ("The index is empty: add articles in the Articles tab, then ask."
                   if isinstance(e, EmptyIndexError) else f"Sorry, that failed: {client_message(e)}")
            messages = [*messages, user, {"role": "assistant", "content": render.progress_html(why)}]
            yield "", messages, messages, answers, sources  # the turn stays in the chat, without sources
            return
        assert final is not None
        answers = [*answers, final]
        short: str | list[str] | None = final.short_answer.text if final.short_answer is not None else None
        if "parts" in final.details:  # a question that asked several things: each part's short answer
            short = [p["short_answer"]["text"] for p in final.details["parts"] if p["short_answer"]]
        html = (render.answer_html(final.answer, turn, known=[c.n for c in final.citations], short=short)
                + render.answered_by_html(final))
        messages = [*messages, user, {"role": "assistant", "content": html}]
        yield "", messages, messages, answers, render.sources_html(answers, order)

    @staticmethod
    def _order(order: str | None) -> render.SourceOrder:
        try:
            return render.SourceOrder.parse(order)
        except ValueError as e:
            raise _error(str(e)) from None

    def reorder(self, answers: list[Answer], order: str | None) -> str:
        """The sources panel listed in another order (relevance, newest first)."""
        return render.sources_html(answers, self._order(order))

    @staticmethod
    def pick_example(evt: gr.SelectData) -> str:
        return evt.value["text"]

    @staticmethod
    def clear() -> tuple:
        return [], [], [], render.EMPTY_SOURCES

    # -- articles --------------------------------------------------------------------
    def _ingest(self, files: list[Any], progress: Callable[[str, int, int], None] | None = None) -> dict:
        """Check and index uploaded files; raises gr.Error when nothing could be added."""
        if self.read_only:
            log.warning("upload refused: read-only deployment")
            raise _error(READ_ONLY)
        if not files:
            raise _error("Choose one or more files first.")
        upload_root = Path(get_upload_folder()).resolve()
        accepted, rejected = [], []
        for f in files:
            path = _file_path(f)
            p = Path(path)
            name = p.name or path
            if not p.is_file() or not p.resolve().is_relative_to(upload_root):
                rejected.append({"file": name, "reason": "not an uploaded file"})
            elif p.suffix.lower() not in UPLOAD_TYPES:
                rejected.append({"file": name, "reason": f"type {p.suffix or '(none)'} is not accepted; "
                                                         f"use {', '.join(UPLOAD_TYPES)}"})
            elif p.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
                size = p.stat().st_size / 1024 / 1024
                rejected.append({"file": name, "reason": f"{size:.1f} MB is over the {MAX_UPLOAD_MB} MB limit"})
            else:
                accepted.append(path)
        if not accepted:
            raise _error("Nothing was added. " + "; ".join(f"{r['file']}: {r['reason']}" for r in rejected))
        self.keeper.ensure()
        self.keeper.wait(BUILD_WAIT_S)  # the first-start build replaces the index; add after it
        if progress:
            progress("reading files", 0, len(accepted))
        try:
            result, change = self.bot.add(accepted, progress=progress)
        except IngestError as e:
            msg = str(e)
            for path in accepted:
                msg = _tidy(msg, path)
            raise self._refused("upload", IngestError(f"Nothing was added: {msg}")) from None
        by_id = {a.id: a for a in result.articles}
        chunks = {a.id: a.chunks for a in self.bot.articles()}

        def describe(aid: str) -> dict:
            a = by_id[aid]
            return {"id": aid, "title": a.title, "source": a.source, "date": a.date,
                    "file": Path(a.path).name if a.path else None, "chunks": chunks.get(aid)}

        skipped = rejected + [{"file": Path(s.path).name, "reason": _tidy(s.reason, s.path)} for s in result.skipped]
        return {"added": [describe(i) for i in change.added],
                "already_indexed": [describe(i) for i in change.already_indexed],
                "skipped": skipped}

    def upload(self, files: list[str] | None, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
        """UI: index the uploaded files; yields (notice, file box, status, table, choices, timer):
        first with the previous upload's message cleared, then with this one's."""
        def report(stage: str, done: int, total: int) -> None:
            progress((done, total), desc=f"Indexing: {stage}")

        yield "", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        yield self._upload(files, report)

    def _upload(self, files: list[str] | None, report: Callable[[str, int, int], None]) -> tuple:
        try:
            out = self._ingest(files or [], report)
        except gr.Error as e:
            return (render.notice_html([e.message], kind="error"), None, *self.refresh())
        lines = [f"Added: {a['title']} ({render.counted(a['chunks'] or 0, 'chunk')}, from {a['file']})"
                 for a in out["added"]]
        lines += [f"Already indexed: {a['title']}" for a in out["already_indexed"]]
        lines += [f"Skipped {s['file']}: {s['reason']}" for s in out["skipped"]]
        kind = "ok" if out["added"] else "warn"
        return (render.notice_html(lines, kind=kind), None, *self.refresh())

    def remove(self, article_id: str | None) -> tuple:
        """UI: remove the chosen article; returns (notice, status, table, choices, timer)."""
        if self.read_only:
            return (render.notice_html([READ_ONLY], kind="error"), *self.refresh())
        if not article_id:
            return (render.notice_html(["Choose an article to remove."], kind="warn"), *self.refresh())
        try:
            title = next((a.title for a in self.bot.articles() if a.id == article_id), article_id)
            self.bot.remove(article_id)
        except QAError as e:
            log.warning("remove refused: %s", e)
            return (render.notice_html([client_message(e)], kind="error"), *self.refresh())
        return (render.notice_html([f"Removed: {title}"]), *self.refresh())

    # -- named API endpoints (gradio_client) ---------------------------------------
    def api_ask(self, question: str, top_k: int | None = None, retriever: str | None = None,
                history: list[list[str]] | None = None, since: str | None = None,
                until: str | None = None) -> dict:
        """Answer a question with citations; returns Answer.to_dict().

        history: earlier [question, answer] pairs, oldest first, for follow-up questions.
        since, until: only articles dated in that period (YYYY, YYYY-MM or YYYY-MM-DD).
        """
        self.keeper.ensure()
        self.keeper.wait(BUILD_WAIT_S)
        try:
            ans = self.bot.ask(question, top_k=top_k, mode=retriever, history=history or (), since=since,
                               until=until)
        except QAError as e:
            raise self._refused("ask", e) from None
        return ans.to_dict()

    def api_upload(self, files: list[dict]) -> dict:
        """Index uploaded files (pass each through gradio_client.handle_file).

        Returns {"added": [...], "already_indexed": [...], "skipped": [{"file", "reason"}]}.
        """
        return self._ingest(files)

    def api_remove(self, article_id: str) -> dict:
        """Remove an article by id; returns {"removed": id, "articles": count left}."""
        if self.read_only:
            log.warning("remove refused: read-only deployment")
            raise _error(READ_ONLY)
        try:
            self.bot.remove(article_id)
        except QAError as e:
            raise self._refused("remove", e) from None
        return {"removed": article_id, "articles": len(self.bot.articles())}

    def api_status(self) -> dict:
        """Index status: "building" | "ready" | "empty" | "unavailable" | "damaged", counts, encoder, articles."""
        self.keeper.ensure()
        if self.keeper.building:
            return {"status": "building", "message": self.keeper.building, "articles": []}
        info = self.bot.info()
        m = info.get("manifest") or {}
        out = {"status": info["status"], "read_only": self.read_only,
               "counts": m.get("counts"), "encoder": m.get("encoder"), "articles": []}
        if info["status"] in ("unavailable", "damaged"):
            out["error"] = client_message(self.keeper.error or info.get("error"))
        else:
            # no "path" key: gradio_client would take the dict for a file to download
            out["articles"] = [{k: v for k, v in asdict(a).items() if k != "path"}
                               | {"file": Path(a.path).name if a.path else None} for a in self.bot.articles()]
        return out
