"""Forgiving matching of what someone typed against projects or tasks.

Case and accents never matter (``cafe`` finds ``Café``), nor punctuation. A candidate matches a
query in one of these ways, best first (:class:`Quality`):

1. EXACT: the whole name, the project code (``acm01`` finds ``ACM-01``), or client and name
   together (``acme website`` finds Acme's ``Website``).
2. PREFIX: the name, code, or client-and-name starts with the query (``des`` finds ``Design``).
3. TOKENS: every query word starts a word of the client, name or code (``web acme``).
4. SUBSTRING: the query appears inside the name (``site`` finds ``Website``).
5. FUZZY: every query word is within a typo or two of a word there (``desgin`` finds ``Design``):
   none for words of up to 3 letters, 1 for 4-5 letters, 2 from 6 (Damerau-Levenshtein).

The candidates found are ranked by quality, then by fewer typos, then by name. The result is
UNIQUE when one candidate alone has the best rank, AMBIGUOUS when several share it (the caller
offers them in a picker), NONE when nothing matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import cached_property
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def normalize(text: str) -> str:
    """Lower case, without accents or punctuation, single spaces: what comparisons see."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def _compact(text: str) -> str:
    return normalize(text).replace(" ", "")


def damerau_levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``.

    The optimal-string-alignment variant: no substring is edited twice, which is what typos do.
    """
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[len(b)]


def typo_allowance(word: str) -> int:
    """How many typos a query word may carry: short words must be right."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 5 else 2


class Quality(IntEnum):
    """How a candidate matched; higher is better."""

    FUZZY = 1
    SUBSTRING = 2
    TOKENS = 3
    PREFIX = 4
    EXACT = 5


class MatchKind(StrEnum):
    UNIQUE = "unique"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True)
class Candidate(Generic[T]):
    """Something to match: ``value`` is returned, the texts are searched."""

    value: T
    name: str
    client: str = ""
    code: str = ""

    @cached_property
    def searchable(self) -> Searchable:
        """The texts as :func:`match` compares them, computed once per candidate."""
        return Searchable(self)


class Searchable:
    """A candidate's texts, normalized."""

    def __init__(self, candidate: Candidate[Any]) -> None:
        self.name = normalize(candidate.name)
        self.code = _compact(candidate.code)
        client = normalize(candidate.client)
        self.wholes = [t for t in (self.name, f"{client} {self.name}".strip()) if t]
        self.wholes_reversed = f"{self.name} {client}".strip()
        self.words = tuple(
            dict.fromkeys(f"{client} {self.name} {normalize(candidate.code)}".split())
        )


@dataclass(frozen=True)
class Scored(Generic[T]):
    """A candidate that matched, how well, and with how many typos."""

    candidate: Candidate[T]
    quality: Quality
    typos: int = 0

    @property
    def rank(self) -> tuple[int, int]:
        return (-self.quality, self.typos)


@dataclass(frozen=True)
class Match(Generic[T]):
    """The outcome of :func:`match`: UNIQUE with ``best``, AMBIGUOUS, or NONE."""

    query: str
    kind: MatchKind
    ranked: tuple[Scored[T], ...] = field(default=())

    @property
    def best(self) -> Candidate[T] | None:
        """The one candidate meant, when the match is UNIQUE."""
        return self.ranked[0].candidate if self.kind is MatchKind.UNIQUE else None

    @property
    def quality(self) -> Quality | None:
        """How the top-ranked candidate matched, or None."""
        return self.ranked[0].quality if self.ranked else None

    @property
    def tied(self) -> tuple[Candidate[T], ...]:
        """The candidates sharing the best rank: what a picker should offer first."""
        if not self.ranked:
            return ()
        top = self.ranked[0].rank
        return tuple(s.candidate for s in self.ranked if s.rank == top)


def _score(
    query: str, words: Sequence[str], texts: Searchable
) -> tuple[Quality, int] | None:
    compact = query.replace(" ", "")
    if (
        query in texts.wholes
        or query == texts.wholes_reversed
        or (texts.code == compact)
    ):
        return Quality.EXACT, 0
    if any(whole.startswith(query) for whole in texts.wholes) or (
        texts.code and len(compact) >= 2 and texts.code.startswith(compact)
    ):
        return Quality.PREFIX, 0
    if all(any(w.startswith(q) for w in texts.words) for q in words):
        return Quality.TOKENS, 0
    if query in texts.name:
        return Quality.SUBSTRING, 0
    typos = 0
    for q in words:
        allowance = typo_allowance(q)
        if allowance == 0:
            return None
        best = min(
            min(damerau_levenshtein(q, w), damerau_levenshtein(q, w[: len(q)]))
            for w in texts.words
        )
        if best > allowance:
            return None
        typos += best
    return Quality.FUZZY, typos


def match(query: str, candidates: Iterable[Candidate[T]]) -> Match[T]:
    """Rank ``candidates`` against ``query`` and say whether one is meant.

    An empty query matches nothing.
    """
    normalized = normalize(query)
    if not normalized:
        return Match(query, MatchKind.NONE)
    words = normalized.split()
    scored = []
    for candidate in candidates:
        outcome = _score(normalized, words, candidate.searchable)
        if outcome is not None:
            scored.append(Scored(candidate, *outcome))
    scored.sort(key=lambda s: (s.rank, normalize(s.candidate.name), s.candidate.name))
    if not scored:
        return Match(query, MatchKind.NONE)
    unique = len(scored) == 1 or scored[0].rank != scored[1].rank
    return Match(
        query, MatchKind.UNIQUE if unique else MatchKind.AMBIGUOUS, tuple(scored)
    )


def match_leading(
    text: str, candidates: Sequence[Candidate[T]]
) -> tuple[Match[T], str]:
    """Match the longest run of leading words that matches anything; the rest is left over.

    For ``Design fixing the login`` against tasks, ``Design`` is the task and ``fixing the
    login`` is returned as the rest (the notes). When no leading words match at all, the
    result is NONE and the whole text is the rest.
    """
    words = text.split()
    for end in range(len(words), 0, -1):
        found = match(" ".join(words[:end]), candidates)
        if found.kind is not MatchKind.NONE:
            return found, " ".join(words[end:])
    return Match(text, MatchKind.NONE), " ".join(words)
