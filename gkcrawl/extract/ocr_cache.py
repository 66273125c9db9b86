"""An opt-in store of OCR answers by the page's pixels, so the same page is read by the engine once.

OCR is the slowest step gkcrawl has (seconds a page) and deterministic: the same pixels at
the same resolution through the same engine and settings give the same words. When
``$GKCRAWL_OCR_CACHE_DIR`` names a directory, each page's words are kept there as JSON under
the sha256 of everything that decides them (engine version, the reader's settings, dpi, the
image's shape and pixels) and later reads of that page are answered from it. Unset (the
default) nothing is stored or read. The test suite sets it for one run, so the demo's scanned
report is OCR'd once instead of in every crawl of the demo portal; the answers are the
engine's own, written atomically (parallel workers may share the directory).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

ENV_DIR = "GKCRAWL_OCR_CACHE_DIR"


def cache_dir() -> Path | None:
    """The directory named by ``$GKCRAWL_OCR_CACHE_DIR``, or None (no cache)."""
    value = os.environ.get(ENV_DIR)
    return Path(value) if value else None


def page_key(pixels: Any, dpi: float, settings: tuple) -> str:
    """sha256 over what decides a page's words: the reader's settings, dpi, the pixels and their shape."""
    digest = hashlib.sha256(repr((settings, float(dpi), str(pixels.dtype), tuple(pixels.shape))).encode("utf-8"))
    digest.update(memoryview(pixels.tobytes()))
    return digest.hexdigest()


def lookup(key: str) -> list[dict[str, Any]] | None:
    """The words stored for `key`, or None (no cache, or not read yet)."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        words = json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return words if isinstance(words, list) else None


def store(key: str, words: list[dict[str, Any]]) -> None:
    """Keep `words` for `key` (written whole, then renamed into place); no cache: nothing."""
    directory = cache_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".part")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(words, stream, ensure_ascii=False)
    os.replace(temporary, directory / f"{key}.json")
