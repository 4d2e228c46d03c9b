"""Turning a user's query into search terms: lower-cased, accents removed, words only."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case and strip accents ("Crème" → "creme"), as the indexes do."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))
