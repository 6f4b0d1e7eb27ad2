"""Quotes for proposals, verified exactly like curated ones (kgtool.provenance.locate).

A match is a slice of the clean view; its quote is that slice grown inside its sentence,
alternately a character to the left and to the right, to the shortest window that occurs once in
the clean text (found by exponential then binary search: uniqueness only grows with the window,
so a long document costs a few searches per quote, not one per character). The window is then
checked with `provenance.locate` against the *source*: it must be found exactly once and at the
window's own offsets. A candidate still ambiguous in its whole sentence is skipped, never guessed.
"""
from __future__ import annotations

from kgtool.errors import InputError
from kgtool.propose.text import CleanText, Sentence
from kgtool.provenance import Span, locate


def _window(start: int, end: int, sentence: Sentence, k: int) -> tuple[int, int]:
    """The slice grown by k steps, left first and alternating; a side that hits the sentence
    edge gives its steps to the other side."""
    room_left, room_right = start - sentence.start, sentence.end - end
    left = min(room_left, (k + 1) // 2)
    right = min(room_right, k - left)
    left = min(room_left, k - right)
    return start - left, end + right


def _unique(clean: str, lo: int, hi: int) -> bool:
    quote = clean[lo:hi]
    return clean.find(quote) == lo and clean.find(quote, lo + 1) == -1


def verified(ct: CleanText, start: int, end: int, sentence: Sentence) -> Span | None:
    """The verified span of clean slice [start, end) (grown inside `sentence`), or None."""
    most = (start - sentence.start) + (sentence.end - end)
    if not _unique(ct.clean, *_window(start, end, sentence, most)):
        return None
    lo_k, hi_k = 0, 1
    while hi_k < most and not _unique(ct.clean, *_window(start, end, sentence, hi_k)):
        lo_k, hi_k = hi_k, hi_k * 2
    hi_k = min(hi_k, most)
    if _unique(ct.clean, *_window(start, end, sentence, lo_k)):
        hi_k = lo_k
    while lo_k < hi_k:                       # smallest k whose window is unique
        mid = (lo_k + hi_k) // 2
        if _unique(ct.clean, *_window(start, end, sentence, mid)):
            hi_k = mid
        else:
            lo_k = mid + 1
    lo, hi = _window(start, end, sentence, hi_k)
    try:
        span = locate(ct.source, ct.clean[lo:hi])
    except InputError:
        return None
    return span if (span.start, span.end) == ct.to_source(lo, hi) else None
