"""The transformers generator with a real (tiny, random) chat model built here:
a Llama config with random weights and a byte-level BPE tokenizer with a chat
template, saved to a directory and loaded the way a user's model is
(``QA_LLM_MODEL=<dir>``). Checks prompt construction, streaming, the checker and
the fallback, not answer quality."""

from __future__ import annotations

import time

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from qa.answer import NOT_FOUND  # noqa: E402
from qa.generators import make_generator  # noqa: E402
from qa.generators.base import ModelLoadError  # noqa: E402
from qa.generators.prompt import ANSWER_RULES, NOT_IN_ARTICLES, REWRITE_RULES, Shown, answer_messages  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.types import Answer  # noqa: E402

pytestmark = pytest.mark.st

TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
NO_SYSTEM = ("{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
             "{% endif %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
             "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")


def build_tokenizer(texts, template=TEMPLATE):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1500, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|end|>", "<|pad|>"], show_progress=False)
    tk.train_from_iterator(texts, trainer=trainer)
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<|end|>", pad_token="<|pad|>",
                                                chat_template=template)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, news_articles):
    """A directory holding a 2-layer Llama chat model with random weights and its tokenizer
    (trained on the test articles, so that their Chinese text needs few tokens)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model is faster on one thread, much faster on a busy machine
    path = tmp_path_factory.mktemp("tiny-chat")
    tok = build_tokenizer([*(a.text for a in news_articles), *(a.title for a in news_articles),
                           *ANSWER_RULES.values(), *REWRITE_RULES.values()])
    config = transformers.LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=2048, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, bos_token_id=None)
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(path)
    tok.save_pretrained(path)
    yield path
    torch.set_num_threads(threads)


class Script(transformers.LogitsProcessor):
    """Forces the model to write ``text`` then stop (optionally slowly)."""

    def __init__(self, tok, text: str, *, delay: float = 0.0) -> None:
        self.ids = tok(text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        self.delay = delay
        self.start = None

    def __call__(self, input_ids, scores):
        if self.start is None or input_ids.shape[1] < self.start:
            self.start = input_ids.shape[1]
        time.sleep(self.delay)
        forced = torch.full_like(scores, float("-inf"))
        forced[:, self.ids[min(input_ids.shape[1] - self.start, len(self.ids) - 1)]] = 0.0
        return forced


def load(path, **env):
    """The generator a user gets from QA_GENERATOR=transformers QA_LLM_MODEL=<path>."""
    settings = Settings.load(env={"QA_GENERATOR": "transformers", "QA_LLM_MODEL": str(path), "QA_DEVICE": "cpu",
                                  **{f"QA_{k.upper()}": str(v) for k, v in env.items()}})
    return make_generator(settings)


def script(gen, text: str, **kw) -> None:
    chat = gen.primary.model.load()
    chat.generate_kwargs = {"logits_processor": transformers.LogitsProcessorList([Script(chat._tok, text, **kw)])}


def run(gen, ctx):
    deltas, final = [], None
    for e in gen.stream(ctx):
        if isinstance(e, Answer):
            final = e
        else:
            deltas.append(e)
    return deltas, final


def test_a_model_directory_loads_like_a_users_model(tiny_model):
    gen = load(tiny_model)
    assert gen.name == f"transformers:{tiny_model.name}"
    chat = gen.primary.model
    assert chat._model is None  # nothing loads before it is needed
    assert chat.context_tokens() == 2048 and chat._device == "cpu"
    assert load(tiny_model, llm_context_tokens=1024).primary.model.context_tokens() == 1024


def test_the_prompt_is_the_chat_template_of_the_messages(tiny_model, ctx_for):
    chat = load(tiny_model).primary.model
    messages = [{"role": "system", "content": "规则"}, {"role": "user", "content": "问题：胡昌升是谁？"}]
    text = chat.render(messages)
    assert text == "<|system|>\n规则<|end|>\n<|user|>\n问题：胡昌升是谁？<|end|>\n<|assistant|>\n"
    assert chat.count_tokens(messages) == len(chat._tok(text, add_special_tokens=False)["input_ids"])
    chat._tok.chat_template = NO_SYSTEM  # e.g. Gemma: the rules go to the top of the user turn
    assert chat.render(messages) == "<|user|>\n规则\n\n问题：胡昌升是谁？<|end|>\n<|assistant|>\n"


def test_a_scripted_answer_streams_and_is_checked(tiny_model, ctx_for, n_of):
    ctx = ctx_for("胡昌升和IBM谈了什么？")
    talk, ai = n_of(ctx, "包卓蓝就双方合作"), n_of(ctx, "人工智能、生物制药")
    gen = load(tiny_model)
    text = (f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[9]。"
            f"胡昌升与特斯拉总裁马斯克签署了价值50亿元的协议[{talk}]。"
            f"希望与IBM在人工智能、生物制药等领域拓展合作[{ai}]。")
    script(gen, text)
    deltas, ans = run(gen, ctx)
    assert ans.generator == f"transformers:{tiny_model.name}"
    assert deltas == ["胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[1]。", "希望与IBM在人工智能、生物制药等领域拓展合作[2]。"]
    assert ans.answer == "".join(deltas)
    assert [c.text for c in ans.citations] == [next(p.text for p in ctx.passages if p.n == n) for n in (talk, ai)]
    llm = ans.details["llm"]
    assert llm["raw_answer"] == text
    assert llm["check"]["removed_markers"] == [9] and llm["check"]["dropped"] == 1
    chat = gen.primary.model
    ids = chat._tok(text, add_special_tokens=False)["input_ids"]
    assert llm["tokens"]["completion"] == len(ids) + 1 and not llm["tokens"]["estimated"]  # + the end token
    shown = [Shown(p, p.text) for p in ctx.passages if p.n in llm["passages_shown"]]
    assert llm["tokens"]["prompt"] == chat.count_tokens(answer_messages(ctx.question, "zh", shown))
    assert ans.timings_ms["llm"] > 0


def test_not_in_the_articles(tiny_model, ctx_for):
    gen = load(tiny_model)
    script(gen, NOT_IN_ARTICLES["zh"])
    _, ans = run(gen, ctx_for("胡昌升和特斯拉谈了什么？"))
    assert not ans.found and ans.answer == NOT_FOUND["zh"] and ans.generator.startswith("transformers:")


def test_random_weights_write_nothing_usable_and_fall_back(tiny_model, ctx_for):
    gen = load(tiny_model, llm_max_tokens=24)
    deltas, ans = run(gen, ctx_for("胡昌升和IBM谈了什么？"))
    assert ans.generator == "extractive" and ans.found
    assert ans.details["fallback"]["kind"] in ("unusable", "empty")
    assert ans.answer.startswith(f"（transformers:{tiny_model.name} 未能回答：")
    assert 0 < ans.details["llm"]["tokens"]["completion"] <= 24


def test_a_slow_model_times_out_and_falls_back(tiny_model, ctx_for):
    gen = load(tiny_model, llm_timeout=0.3)
    script(gen, "胡昌升与包卓蓝座谈。" * 20, delay=0.05)
    t0 = time.monotonic()
    _, ans = run(gen, ctx_for("胡昌升和IBM谈了什么？"))
    assert time.monotonic() - t0 < 3
    assert ans.generator == "extractive" and ans.details["fallback"]["kind"] == "timeout"


def test_the_prompt_is_capped_to_the_window(tiny_model, ctx_for, n_of):
    ctx = ctx_for("胡昌升和IBM谈了什么？")
    gen = load(tiny_model, llm_context_tokens=400, llm_max_tokens=100)
    script(gen, f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[{ctx.passages[0].n}]。")
    _, ans = run(gen, ctx)
    llm = ans.details["llm"]
    assert llm["context_tokens"] == 400 and llm["max_answer_tokens"] == 100
    assert len(llm["passages_shown"]) < len(ctx.passages) and llm["tokens"]["prompt"] <= 300


def test_a_failing_generate_falls_back(tiny_model, ctx_for):
    gen = load(tiny_model)

    def broken(input_ids, scores):
        raise RuntimeError("CUDA out of memory (scripted)")

    gen.primary.model.load().generate_kwargs = {"logits_processor": transformers.LogitsProcessorList([broken])}
    _, ans = run(gen, ctx_for("胡昌升和IBM谈了什么？"))
    assert ans.details["fallback"]["kind"] == "error" and "out of memory" in ans.details["fallback"]["error"]


def test_rewrite_followup_with_the_model(tiny_model):
    gen = load(tiny_model)
    script(gen, "胡昌升和IBM谈了什么？")
    assert gen.rewrite_followup("他和 IBM 谈了什么？", [("胡昌升在北京走访了哪些企业？", "IBM[1]")]) == "胡昌升和IBM谈了什么？"


def test_a_missing_model_or_template_is_an_error_not_a_fallback(tiny_model, tmp_path, ctx_for):
    with pytest.raises(ModelLoadError, match="cannot load"):
        run(load(tmp_path / "nothing-here"), ctx_for("胡昌升和IBM谈了什么？"))
    plain = tmp_path / "no-template"
    tok = transformers.AutoTokenizer.from_pretrained(tiny_model)
    tok.chat_template = None
    tok.save_pretrained(plain)
    transformers.AutoModelForCausalLM.from_pretrained(tiny_model).save_pretrained(plain)
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(ModelLoadError, match="chat template"):
        load(plain).primary.model.load()
