"""What spam removal found: the strings removed, where they stood, and the identity evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SpamReport:
    found: bool = False
    strings: list[str] = field(default_factory=list)
    # Where each removed string stood in the original text: {"string", "start", "end"}.
    positions: list[dict[str, Any]] = field(default_factory=list)
    spam_domains: list[str] = field(default_factory=list)
    # The body's identity recovered from the document's own evidence, when spam overwrote it:
    # {"region": ..., "agency": ...,
    #  "evidence": [{"kind": "postal_code", "value": "036000", "points_to": "山西省朔州市"}, ...]}
    identity: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"found": self.found, "strings": list(self.strings)}
        if self.positions:
            out["positions"] = self.positions
        if self.spam_domains:
            out["spam_domains"] = self.spam_domains
        if self.identity:
            out["identity"] = self.identity
        return out
