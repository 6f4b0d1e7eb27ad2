"""Quotes for proposals, verified exactly like curated ones (kgtool.provenance.locate).

A match is a slice of the clean view; its quote is that slice grown, a character at a time
within its sentence, until `provenance.locate` finds it exactly once in the *source* and at the
same offsets. Growing keeps quotes short (the shortest unique context), which is what a curator
would write; a candidate that stays ambiguous in its whole sentence is skipped, never guessed.
"""
from __future__ import annotations

from kgtool.errors import InputError
from kgtool.propose.text import CleanText, Sentence
from kgtool.provenance import Span, locate


def verified(ct: CleanText, start: int, end: int, sentence: Sentence) -> Span | None:
    """The verified span of clean slice [start, end) (grown inside `sentence`), or None."""
    lo, hi = start, end
    grow_left = True
    while True:
        quote = ct.clean[lo:hi]
        want = ct.to_source(lo, hi)
        try:
            span = locate(ct.source, quote)
        except InputError:
            span = None
        if span is not None and (span.start, span.end) == want:
            return span
        can_left, can_right = lo > sentence.start, hi < sentence.end
        if not (can_left or can_right):
            return None
        if (grow_left and can_left) or not can_right:
            lo -= 1
        else:
            hi += 1
        grow_left = not grow_left
