"""Synthetic Instagram "Download Your Information" exports for the import benchmark.

Same generator as ``messenger.py`` with Instagram's paths (``your_instagram_activity/...``),
its profile file, a followers list and duplicated reactions.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["generate"]


def _messenger():
    spec = importlib.util.spec_from_file_location("_closeknit_gen_messenger", Path(__file__).with_name("messenger.py"))
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load the messenger generator beside instagram.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    return _messenger().build(Path(out_dir), n_messages, seed, "instagram")
