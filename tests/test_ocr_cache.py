"""The opt-in OCR cache: a page's words kept by its pixels, answered from there the next time,
and nothing kept or read when $GKCRAWL_OCR_CACHE_DIR is unset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gkcrawl.extract.ocr import read_image, unavailable_reason
from gkcrawl.extract.ocr_cache import ENV_DIR

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason="rapidocr-onnxruntime not installed")


def _picture():  # type: ignore[no-untyped-def]
    """A strip of a real report page (its heading lines), small enough to read in a second."""
    from scans import render_pages

    page = render_pages((FIXTURES / "reports" / "gen2021_ningan.pdf").read_bytes(), 100)[0]
    return page.crop((0, 0, page.width, page.height // 6)).convert("L")


def test_a_page_is_read_once_then_answered_from_the_cache_by_its_pixels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "cache"))
    picture = _picture()
    words = read_image(picture, dpi=100)
    assert words and any(w["text"] for w in words)
    (stored,) = (tmp_path / "cache").glob("*.json")
    assert json.loads(stored.read_text(encoding="utf-8")) == words
    # The next read of the same pixels is the stored answer (proved by changing what is stored).
    stored.write_text(json.dumps([{**words[0], "text": "从缓存读出"}], ensure_ascii=False), encoding="utf-8")
    assert [w["text"] for w in read_image(picture, dpi=100)] == ["从缓存读出"]
    # Other pixels, or the same pixels at another resolution, are other pages: read by the engine.
    changed = picture.copy()
    changed.putpixel((0, 0), 0 if picture.getpixel((0, 0)) else 255)
    assert read_image(changed, dpi=100) != [{**words[0], "text": "从缓存读出"}]
    read_image(picture, dpi=150)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3
    assert not list((tmp_path / "cache").glob("*.part"))


def test_without_the_variable_nothing_is_kept_or_read(ocr_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from gkcrawl.extract.ocr import _reader_settings
    from gkcrawl.extract.ocr_cache import page_key

    picture = _picture()
    words = read_image(picture, dpi=100)  # kept in the run's cache (tests/conftest.py)
    kept = ocr_cache / f"{page_key(np.array(picture), 100, _reader_settings())}.json"
    assert json.loads(kept.read_text(encoding="utf-8")) == words
    kept.write_text("[]", encoding="utf-8")  # what a cached read would now answer
    try:
        monkeypatch.delenv(ENV_DIR)
        assert read_image(picture, dpi=100) == words
        assert kept.read_text(encoding="utf-8") == "[]"
    finally:
        kept.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
