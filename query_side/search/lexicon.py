"""The words of product titles and categories, for correcting typos ("mlik" → "milk").

Kept in process memory, built when a web process starts and brought up to date when the
catalog changes (checked at most once a second) from the new and revised products only, so
correcting a query costs a dictionary lookup and, for unknown words, one C-speed scan of
optimal-string-alignment distances, which counts a transposition as one edit.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections import Counter

from django.db import DatabaseError, connections
from django.db.models import Max, Q
from rapidfuzz import process
from rapidfuzz.distance import OSA

from query_side.models import ProductRow

from .terms import words

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0


class Lexicon:
    def __init__(self, counts: Counter[str], sorted_words: list[str] | None = None) -> None:
        self.counts = counts
        self.sorted_words = sorted(counts) if sorted_words is None else sorted_words

    def extended(self, added: Counter[str]) -> Lexicon:
        """This lexicon with `added` counted too. The new words are merged into the sorted
        list: two sorted runs, which the sort merges in one pass instead of sorting them all."""
        new = sorted(word for word in added if word not in self.counts)
        merged = sorted(self.sorted_words + new) if new else self.sorted_words  # never mutated
        return Lexicon(self.counts + added, merged)

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.sorted_words, prefix)
        return i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix)

    def correct(self, word: str) -> str | None:
        """The closest known word within 1 edit (2 for words of 6+ letters), or None."""
        if len(word) < 3:
            return None
        limit = 1 if len(word) < 6 else 2
        matches = process.extract(
            word, self.sorted_words, scorer=OSA.distance, score_cutoff=limit, limit=8
        )
        if not matches:
            return None
        best = min(matches, key=lambda m: (m[1], -self.counts[m[0]], m[0]))
        return best[0]


class _State:
    """The lexicon this process serves and the catalog stamp it was built at. `stale_since`:
    when a title it counted was first seen revised (the old words stay counted until a full
    build); None when every counted word is in a title."""

    def __init__(self, stamp: tuple[int, int], lexicon: Lexicon, stale_since: float | None):
        self.stamp, self.lexicon, self.stale_since = stamp, lexicon, stale_since


_lock = threading.Lock()
_cached: _State | None = None
_checked_at = 0.0
_rebuilding = False
# A full build reads every product (seconds at 1M): at process start (warm), and in a
# background thread when the catalog shrank (a read model rebuilt or emptied) or this long after
# a revision. Otherwise only new and revised products are read.
FULL_BUILD_AFTER_REVISION_SECONDS = 300.0
BUILD_THREAD = "lexicon-build"


def _stamp() -> tuple[int, int]:
    # Products are added with growing ids and revisions record their position: the two tops
    # are a cheap (indexed) stamp of the catalog's words. Read on the primary, as the rows
    # are: a process-wide cache must not move back and forth between copies of the database.
    tops = ProductRow.objects.using("default").aggregate(
        top=Max("product_id"), revised=Max("revised_position")
    )
    return tops["top"] or 0, tops["revised"] or 0


def _count(counts: Counter[str], rows, stamp: tuple[int, int]) -> None:
    """Count the words of `rows` as of `stamp`: a product registered or revised after the stamp
    was read is left to the next extension, which reads everything past the stamp, so no title
    is counted twice whatever the projector commits between the two reads."""
    top, revised = stamp
    as_of = rows.filter(
        Q(product_id__lte=top), Q(revised_position__isnull=True) | Q(revised_position__lte=revised)
    )
    for title, category in as_of.values_list("title", "category").iterator(chunk_size=5000):
        counts.update(words(title))
        counts.update(words(category))


def _full() -> _State:
    stamp = _stamp()
    counts: Counter[str] = Counter()
    _count(counts, ProductRow.objects.using("default"), stamp)
    return _State(stamp, Lexicon(counts), stale_since=None)


def _extended(state: _State, stamp: tuple[int, int]) -> _State:
    """`state` plus the products registered or revised since its stamp, up to `stamp`."""
    top, revised = state.stamp
    changed = ProductRow.objects.using("default").filter(
        Q(product_id__gt=top) | Q(revised_position__gt=revised)
    )
    added: Counter[str] = Counter()
    _count(added, changed, stamp)
    stale_since = state.stale_since
    if stale_since is None and stamp[1] > revised:
        stale_since = time.monotonic()
    return _State(stamp, state.lexicon.extended(added), stale_since)


def _rebuild_in_background() -> None:
    def run() -> None:
        global _cached, _rebuilding
        try:
            fresh = _full()  # at its own stamp: the next check extends it with what came after
            with _lock:
                _cached = fresh
        except Exception:
            logger.exception("search lexicon: full build failed; the current one is kept")
        finally:
            connections.close_all()  # this thread's own connections
            _rebuilding = False  # last: whoever waits for it finds the thread's work done

    global _rebuilding
    _rebuilding = True
    threading.Thread(target=run, name=BUILD_THREAD, daemon=True).start()


def wait_for_background_build(seconds: float = 30) -> None:
    """Until a background full build running now has installed its lexicon (for tests: one
    test's build must not install itself in the next)."""
    for thread in threading.enumerate():
        if thread.name == BUILD_THREAD:
            thread.join(seconds)


def current_lexicon() -> Lexicon:
    global _cached, _checked_at
    now = time.monotonic()
    state = _cached
    if state is not None and now - _checked_at < REFRESH_SECONDS:
        return state.lexicon
    with _lock:
        if _cached is None:  # cold: warm() found no read tables yet
            _cached = _full()
            return _cached.lexicon
        state = _cached
        if now - _checked_at < REFRESH_SECONDS:  # another thread checked meanwhile
            return state.lexicon
        # This thread checks; until the next second the others serve `state`. The stamp is read
        # outside the lock: a slow or unreachable database holds only this request, within its
        # own deadline.
        _checked_at = now
    stamp = _stamp()
    with _lock:
        if _cached is not state:  # a background build replaced it: the next check goes on
            return _cached.lexicon
        if stamp[0] < state.stamp[0] or stamp[1] < state.stamp[1]:
            # Shrank: the old words serve until the background build replaces them (a word
            # that is gone only makes a correction that finds nothing).
            if not _rebuilding:
                _rebuild_in_background()
            return state.lexicon
        if state.stamp != stamp:
            state = _cached = _extended(state, stamp)
        stale_since = state.stale_since
        if (
            stale_since is not None
            and now - stale_since > FULL_BUILD_AFTER_REVISION_SECONDS
            and not _rebuilding
        ):
            _rebuild_in_background()
        return state.lexicon


def warm() -> None:
    """Build the lexicon before the process serves (WEB_PROCESS_STARTUP): a full build at 1M
    products takes longer than a request's deadline. A database not migrated yet is left to
    the first request."""
    try:
        current_lexicon()
    except DatabaseError:
        logger.warning("search lexicon not built at start: the read tables are not ready")


def corrected_terms(terms: list[str]) -> list[str]:
    """Each term as typed when known (or, for the last, a known prefix), else its correction."""
    lexicon = current_lexicon()
    out = []
    for i, term in enumerate(terms):
        is_last = i == len(terms) - 1
        if term in lexicon.counts or (is_last and lexicon.has_prefix(term)):
            out.append(term)
        else:
            out.append(lexicon.correct(term) or term)
    return out
