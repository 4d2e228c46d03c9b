"""docs/decisions/: every record is listed in the index, and every listed record exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.unit

DECISIONS = Path(settings.BASE_DIR) / "docs" / "decisions"
RECORD = re.compile(r"\d{3}-[a-z0-9-]+\.md")


def test_the_index_lists_exactly_the_records_in_the_folder():
    on_disk = {p.name for p in DECISIONS.iterdir() if RECORD.fullmatch(p.name)}
    index = (DECISIONS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\((\d{3}-[a-z0-9-]+\.md)\)", index))
    assert on_disk - listed == set(), "add these records to docs/decisions/README.md"
    assert listed - on_disk == set(), "docs/decisions/README.md lists records that do not exist"


def test_record_numbers_are_unique_and_each_title_carries_its_number():
    records = sorted(p for p in DECISIONS.iterdir() if RECORD.fullmatch(p.name))
    numbers = [p.name[:3] for p in records]
    assert len(numbers) == len(set(numbers)), numbers
    for path in records:
        title = path.read_text(encoding="utf-8").splitlines()[0]
        assert title.startswith(f"# {path.name[:3]}"), (path.name, title)
