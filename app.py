"""The chat app: ask the indexed news in Chinese or English, add your own articles.

    python app.py                      # http://127.0.0.1:7860, index in ./index (QA_INDEX_DIR)
    QA_READ_ONLY=1 python app.py       # public: ask only, no uploads or removals (the default on a Space)
    QA_AUTH=admin:secret python app.py # private: a login in front of everything

On first start, or when ``index/`` was built by an older format, the index is built
from the bundled corpus (data/) in the background, with its progress on the page.
This file only lays out the UI and wires it to the ``qa`` API (see ``webui/``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import gradio as gr
from gradio.utils import get_space

from qa.assistant import Assistant
from qa.errors import ConfigError
from qa.settings import Settings, boolean
from webui import render
from webui.assets import CITE_JS, CSS
from webui.bootstrap import IndexKeeper
from webui.handlers import MAX_UPLOAD_MB, RETRIEVERS, UPLOAD_TYPES, Handlers

ROOT = Path(__file__).resolve().parent
BUNDLED_CORPUS = [ROOT / "data" / "xiamen-news-2020-11.txt"]
SPACE_STORAGE = Path("/data")  # a Space's persistent storage, when it has some
EXAMPLES = [
    "who did Hu Changsheng meet in Beijing?",
    "胡昌升在北京会见了哪些人？",
    "金砖创新基地建在哪里？",
    "What was the science and technology innovation forum in Xiamen about?",
    "11月17日习近平宣布在厦门建立什么？当天厦门市委书记胡昌升在哪座城市？",  # two questions in one: answered part by part
]
CHAT_CONCURRENCY = 8  # questions only read the index; writes are serialised below


def app_settings() -> Settings:
    """QA_* settings; on a Space with persistent storage the index defaults to /data/index."""
    settings = Settings.load()
    if (get_space() and settings.index_dir == Settings().index_dir and SPACE_STORAGE.is_dir()
            and os.access(SPACE_STORAGE, os.W_OK)):
        settings = settings.with_(index_dir=SPACE_STORAGE / "index")
    return settings


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    try:
        return boolean(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a yes/no value; use 1 or 0") from None


def read_only() -> bool:
    """QA_READ_ONLY: visitors may ask but not add or remove articles. On by default on a
    Hugging Face Space (SPACE_ID is set there), where anyone on the internet is a visitor."""
    return _flag("QA_READ_ONLY", default=bool(os.environ.get("SPACE_ID") or get_space()))


def auth() -> tuple[str, str] | None:
    """QA_AUTH=user:password puts Gradio's login in front of the whole app (private deployments)."""
    value = os.environ.get("QA_AUTH", "")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (user and sep and password):
        raise ConfigError("QA_AUTH must be user:password")
    return user, password


def build_demo(bot: Assistant, keeper: IndexKeeper, *, read_only: bool = False) -> gr.Blocks:
    h = Handlers(bot, keeper, read_only=read_only)
    with gr.Blocks(title="新闻问答 · Chinese news QA", analytics_enabled=False) as demo:
        gr.Markdown("## 新闻问答 · Chinese news QA\nAsk about the indexed news in Chinese or English. "
                    "Every sentence of an answer is quoted from an article; click **[n]** to see its passage.")
        status = gr.HTML(elem_id="qa-status")
        messages, answers = gr.State([]), gr.State([])
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chatbot = gr.Chatbot(
                            label="Chat", elem_id="qa-chat", height=560, render_markdown=False, latex_delimiters=[],
                            sanitize_html=True, feedback_options=None, buttons=[],  # "copy" would copy our HTML
                            examples=[{"text": q} for q in EXAMPLES],
                            placeholder="Ask a question, or pick an example.")
                        with gr.Row(elem_id="qa-ask-row"):
                            question = gr.Textbox(show_label=False, scale=5, submit_btn=True, autofocus=True,
                                                  elem_id="qa-question", max_length=bot.settings.max_question_chars,
                                                  placeholder="Ask about the news… 例如：胡昌升在北京会见了哪些人？")
                            clear = gr.Button("New chat", scale=0, min_width=110, elem_id="qa-new")
                        with gr.Accordion("Retrieval settings", open=False):
                            top_k = gr.Slider(1, 10, value=bot.settings.top_k, step=1,
                                              label="Passages to retrieve (top-k)")
                            retriever = gr.Radio(RETRIEVERS, value=str(bot.settings.retriever), label="Retriever",
                                                 info="hybrid = dense vectors + BM25 keywords, fused")
                            with gr.Row():
                                since = gr.Textbox(label="Articles dated from", placeholder="YYYY-MM-DD",
                                                   elem_id="qa-since", max_lines=1, min_width=120)
                                until = gr.Textbox(label="to", placeholder="YYYY-MM-DD", elem_id="qa-until",
                                                   max_lines=1, min_width=120)
                            modes = h.answer_modes()
                            answer_mode = gr.Radio(
                                modes, value=modes[0], label="Answer mode", elem_id="qa-answer-mode",
                                info=("a model writes the answer; extractive quotes the articles" if len(modes) > 1
                                      else "quotes from the articles; set QA_GENERATOR to add a language model"))
                    with gr.Column(scale=2, min_width=320):
                        with gr.Row(elem_id="qa-sources-head"):
                            gr.Markdown("#### Sources")
                            order = gr.Radio([str(o) for o in render.SourceOrder], value=str(render.SourceOrder.RELEVANCE),
                                             show_label=False, elem_id="qa-order", container=False)
                        sources = gr.HTML(render.EMPTY_SOURCES, elem_id="qa-sources", js_on_load=CITE_JS)
            with gr.Tab("Articles", id="articles") as articles_tab:
                gr.Markdown("The articles this public deployment answers from. It is read-only: run the app "
                            "yourself (`make run`) to ask about your own articles." if read_only else
                            f"Add articles: {', '.join(t.lstrip('.') for t in UPLOAD_TYPES)}; up to "
                            f"{MAX_UPLOAD_MB} MB a file. They are indexed at once and can be asked about.")
                files = gr.File(label="Upload articles", file_count="multiple", file_types=list(UPLOAD_TYPES),
                                type="filepath", elem_id="qa-upload", height=140, visible=not read_only)
                notice = gr.HTML(elem_id="qa-notice")
                gr.Markdown("#### Indexed articles")
                table = gr.HTML(elem_id="qa-articles")
                with gr.Row():
                    pick = gr.Dropdown(label="Article to remove", choices=[], scale=4, elem_id="qa-pick",
                                       visible=not read_only)
                    remove = gr.Button("Remove", variant="stop", scale=1, visible=not read_only)
                    refresh = gr.Button("Refresh", scale=1)
        timer = gr.Timer(1.0, active=False)

        chat_io = dict(inputs=[question, messages, answers, top_k, retriever, answer_mode, since, until, order],
                       outputs=[question, chatbot, messages, answers, sources])
        question.submit(h.chat, **chat_io, api_name="ui_chat", api_visibility="private",
                        concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask", show_progress="hidden")
        chatbot.example_select(h.pick_example, None, question, api_visibility="private", queue=False).then(
            h.chat, **chat_io, api_visibility="private", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask",
            show_progress="hidden")
        order.change(h.reorder, [answers, order], sources, api_visibility="private", queue=False)
        for event in (clear.click, chatbot.clear):  # the button, and the chatbot's own trash icon
            event(h.clear, None, [chatbot, messages, answers, sources], api_visibility="private", queue=False)

        listing = [status, table, pick, timer]
        files.upload(h.upload, [files], [notice, files, *listing], api_name="ui_upload", api_visibility="private",
                     concurrency_limit=1, concurrency_id="write")
        remove.click(h.remove, [pick], [notice, *listing], api_name="ui_remove", api_visibility="private",
                     concurrency_limit=1, concurrency_id="write")
        for event in (demo.load, refresh.click, articles_tab.select, timer.tick):
            event(h.refresh, None, listing, api_visibility="private", show_progress="hidden")

        gr.api(h.api_ask, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="ask")
        gr.api(h.api_upload, api_name="upload", concurrency_limit=1, concurrency_id="write")
        gr.api(h.api_remove, api_name="remove", concurrency_limit=1, concurrency_id="write")
        gr.api(h.api_status, api_name="status", concurrency_limit=None)
    return demo


def launch_options() -> dict:
    """What ``python app.py`` passes to ``demo.launch``; host and port come from GRADIO_SERVER_*."""
    return {"css": CSS, "max_file_size": f"{MAX_UPLOAD_MB}mb", "show_error": True,
            "footer_links": ["api", "gradio"], "auth": auth()}


bot = Assistant(app_settings())
keeper = IndexKeeper(bot, BUNDLED_CORPUS)
demo = build_demo(bot, keeper, read_only=read_only())

if __name__ == "__main__":
    logging.basicConfig(format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("webui").setLevel(logging.INFO)
    keeper.ensure()  # start the first-start build now, not on the first visit
    demo.launch(**launch_options())
