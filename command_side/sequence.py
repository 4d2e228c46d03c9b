"""IdSequence: hands out the integer wire ids of stores and products.

The sequence is saved in the same append as the store or product it numbers, so two concurrent
creations conflict on the sequence's version instead of sharing an id.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from uuid import UUID, uuid5

from events.catalog import IdsAllocated

from .aggregate import Aggregate
from .ids import NAMESPACE


def sequence_id(kind: str) -> UUID:
    return uuid5(NAMESPACE, f"sequence:{kind}")


class IdSequence(Aggregate):
    kind: str
    last_id: int

    @classmethod
    def start(cls, kind: str) -> IdSequence:
        sequence = cls(sequence_id(kind))
        sequence.kind, sequence.last_id = kind, 0
        return sequence

    def next_id(self, now: datetime) -> int:
        self._record(IdsAllocated, now, kind=self.kind, last_id=self.last_id + 1)
        return self.last_id

    def cover(self, used_id: int, now: datetime) -> None:
        """Make sure an id chosen by the caller (the seed) is never handed out again."""
        if used_id > self.last_id:
            self._record(IdsAllocated, now, kind=self.kind, last_id=used_id)

    @singledispatchmethod
    def when(self, event: object) -> None:
        raise NotImplementedError(type(event))

    @when.register
    def _(self, event: IdsAllocated) -> None:
        self.kind, self.last_id = event.kind, event.last_id
