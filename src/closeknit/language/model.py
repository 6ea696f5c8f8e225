"""Encoders and the intimacy regressor (fit / transform). Pure: no store, no files but the model's.

Two encoders turn texts into fixed-size vectors; a ridge head maps a vector to intimacy:

* ``StaticEncoder`` ("fast", the default): one vector per WordPiece token, averaged over the text.
  The table was distilled from all-MiniLM-L6-v2 (each token run through the encoder on its own)
  and reduced to 256 dimensions; no neural network runs at scoring time.
* ``OnnxEncoder`` ("accurate"): all-MiniLM-L6-v2 itself in ONNX Runtime (int8), mean-pooled
  hidden states of several layers concatenated.

Both share the all-MiniLM-L6-v2 WordPiece tokenizer (``tokenizers``, Rust). Nothing here opens
a socket or downloads anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["MODEL_DIR", "StaticEncoder", "OnnxEncoder", "Ridge", "IntimacyModel", "load_tokenizer"]

MODEL_DIR = Path(__file__).resolve().parent / "model"
MAX_LEN = 64


def load_tokenizer(path: Path | None = None, max_len: int = MAX_LEN):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path or MODEL_DIR / "tokenizer.json"))
    tok.enable_truncation(max_len)
    tok.no_padding()
    return tok


class StaticEncoder:
    """Mean of per-token vectors (special tokens excluded). ``table`` is (vocab, dim)."""

    kind = "fast"

    def __init__(self, table, tokenizer=None, dim: int | None = None):
        """``table``: the (vocab, dim) array, or a callable returning it (loaded on first use)."""
        self._table = table if callable(table) else np.ascontiguousarray(table, dtype=np.float32)
        self.tok = tokenizer or load_tokenizer()
        self.dim = dim if dim is not None else self.table.shape[1]

    @property
    def table(self) -> np.ndarray:
        if callable(self._table):
            self._table = np.ascontiguousarray(self._table(), dtype=np.float32)
        return self._table

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids[1:-1] for e in self.tok.encode_batch(texts, add_special_tokens=True)]

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(features (n, dim), number of tokens (n,))."""
        ids = self.token_ids(texts)
        lens = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if lens.sum() == 0:
            return out, lens
        flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lens.sum()))
        vecs = self.table[flat]
        nz = lens > 0
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])[nz]
        out[nz] = np.add.reduceat(vecs, starts, axis=0) / lens[nz, None]
        return out, lens


def import_onnxruntime():
    """onnxruntime with its telemetry off. Its Linux wheels (1.32) carry Microsoft's 1DS
    telemetry, which looks up ``mobile.events.data.microsoft.com`` during long runs: the
    environment variable stops it before the native library starts, the call stops any events
    it would still log. Nothing of closeknit's may leave the machine."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort

    ort.disable_telemetry_events()
    return ort


class OnnxEncoder:
    """all-MiniLM-L6-v2 in ONNX Runtime; output = concatenated mean-pooled layer states."""

    kind = "accurate"

    def __init__(self, onnx_path: Path, tokenizer=None, threads: int | None = None, batch: int = 64):
        ort = import_onnxruntime()
        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        so.log_severity_level = 3
        self.sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        self.tok = tokenizer or load_tokenizer()
        self.batch = batch
        self.dim = int(self.sess.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encs = [e.ids for e in self.tok.encode_batch(texts)]
        lens = np.fromiter((len(e) - 2 for e in encs), dtype=np.int64, count=len(encs))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort(lens, kind="stable")
        for i in range(0, len(texts), self.batch):
            idx = order[i : i + self.batch]
            L = max(len(encs[k]) for k in idx)
            ids = np.zeros((len(idx), L), np.int64)
            mask = np.zeros((len(idx), L), np.int64)
            for j, k in enumerate(idx):
                e = encs[k]
                ids[j, : len(e)] = e
                mask[j, : len(e)] = 1
            out[idx] = self.sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out, lens


class Ridge:
    """Ridge regression on standardised features (closed form, numpy)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha
        self.mean = self.std = self.coef = None
        self.intercept = 0.0

    def fit(self, X: np.ndarray, y: np.ndarray, extra: np.ndarray | None = None) -> Ridge:
        """``extra``: nuisance columns (e.g. which dataset a row comes from), fitted but not kept."""
        X = np.asarray(X, np.float64)
        self.mean = X.mean(0)
        self.std = X.std(0) + 1e-6
        Z = (X - self.mean) / self.std
        if extra is not None:
            E = np.asarray(extra, np.float64).reshape(len(X), -1)
            E = E - E.mean(0)
            Z = np.hstack([Z, E])
        ym = float(np.mean(y))
        A = Z.T @ Z + self.alpha * np.eye(Z.shape[1])
        w = np.linalg.solve(A, Z.T @ (np.asarray(y, np.float64) - ym))
        d = X.shape[1]
        self.coef = w[:d]
        self.intercept = ym
        if extra is not None:
            # predictions are put on the scale of the *first* extra column's zero level (MINT rows)
            E0 = np.asarray(extra, np.float64).reshape(len(X), -1)
            self.intercept = ym - float(E0.mean(0) @ w[d:])
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return ((np.asarray(X, np.float32) - self.mean.astype(np.float32)) / self.std.astype(np.float32)) @ self.coef.astype(
            np.float32
        ) + np.float32(self.intercept)

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {
            prefix + "mean": self.mean.astype(np.float32),
            prefix + "std": self.std.astype(np.float32),
            prefix + "coef": self.coef.astype(np.float32),
            prefix + "intercept": np.array([self.intercept], np.float32),
        }

    @classmethod
    def from_arrays(cls, a, prefix: str = "") -> Ridge:
        r = cls()
        r.mean, r.std, r.coef = a[prefix + "mean"], a[prefix + "std"], a[prefix + "coef"]
        r.intercept = float(a[prefix + "intercept"][0])
        return r


class IntimacyModel:
    """encoder + ridge head, sklearn style: ``fit(texts, y)`` then ``transform(texts)`` -> intimacy 0..1."""

    def __init__(self, encoder, alpha: float = 10.0, head: Ridge | None = None, tok_score: np.ndarray | None = None):
        self.encoder = encoder
        self.head = head or Ridge(alpha)
        # static encoder + linear head: the head applied to each token's vector, precomputed
        self._tok_score = tok_score

    def fit(self, texts: list[str], y, nuisance=None) -> IntimacyModel:
        self._tok_score = None
        X, _ = self.encoder.encode(list(texts))
        self.head.fit(X, np.asarray(y, np.float64), nuisance)
        return self

    def fit_features(self, X, y, nuisance=None) -> IntimacyModel:
        self._tok_score = None
        self.head.fit(X, np.asarray(y, np.float64), nuisance)
        return self

    def predict_features(self, X) -> np.ndarray:
        return np.clip(self.head.predict(X), 0.0, 1.0)

    def transform(self, texts: list[str]) -> np.ndarray:
        return self.predict_with_lengths(list(texts))[0]

    def predict_with_lengths(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(intimacy 0..1, number of tokens). For a static encoder with a linear head the mean of
        token vectors followed by the head equals the mean of per-token scores, so each text costs
        one scalar lookup per token instead of a vector sum."""
        if isinstance(self.encoder, StaticEncoder):
            if getattr(self, "_tok_score", None) is None:
                h = self.head
                self._tok_score = ((self.encoder.table - h.mean) / h.std) @ np.asarray(h.coef, np.float32)
                self._tok_score = self._tok_score.astype(np.float32)
            ids = self.encoder.token_ids(texts)
            lens = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
            raw = np.zeros(len(texts), np.float32)
            if lens.sum():
                flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lens.sum()))
                nz = lens > 0
                starts = np.concatenate([[0], np.cumsum(lens)[:-1]])[nz]
                raw[nz] = np.add.reduceat(self._tok_score[flat], starts) / lens[nz] + np.float32(self.head.intercept)
            if (~(lens > 0)).any():  # no tokens: the head applied to a zero vector
                raw[lens == 0] = np.float32(self.head.intercept)  # no tokens: the mean vector of nothing is 0
            return np.clip(raw, 0.0, 1.0), lens
        X, lens = self.encoder.encode(texts)
        return self.predict_features(X), lens

    def fit_transform(self, texts, y, nuisance=None) -> np.ndarray:
        return self.fit(texts, y, nuisance).transform(texts)


def read_meta(name: str) -> dict:
    return json.loads((MODEL_DIR / f"{name}.json").read_text(encoding="utf-8"))
