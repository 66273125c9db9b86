"""A report's prose, as the copies and renditions analyses compare it.

The stored text carries the tables as `| … |` rows; those and every digit are dropped (a copied
report keeps its neighbour's words but prints its own numbers), so what is compared is the words
the body wrote. Shingles are runs of SHINGLE characters; MinHash (datasketch) estimates their
Jaccard similarity."""

from __future__ import annotations

import re

from datasketch import MinHash

from gkcrawl.extract.normalize import normalize, to_simplified

SHINGLE = 5
NUM_PERM = 128
# Below this many characters of prose a report says too little to be called a copy.
MIN_PROSE_CHARS = 200

_NOISE = re.compile(r"[\s\d０-９.,，。、:：;；()（）\-—%％|]+")


def prose_of(text: str) -> str:
    """The prose lines of a stored text, normalised, without digits, spaces or punctuation runs."""
    lines = [line for line in (text or "").splitlines() if not line.lstrip().startswith("|")]
    return _NOISE.sub("", to_simplified(normalize("\n".join(lines))))


def shingles(prose: str) -> set[str]:
    return {prose[i:i + SHINGLE] for i in range(max(len(prose) - SHINGLE + 1, 0))}


def minhash_of(prose: str) -> MinHash:
    signature = MinHash(num_perm=NUM_PERM, seed=1)
    signature.update_batch([shingle.encode("utf-8") for shingle in shingles(prose)])
    return signature
