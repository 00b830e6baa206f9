"""Typo-tolerant search across an SOP's steps and glossary (no UI code here).

A query is split into words; each word is matched against the words of every field of a
candidate (step id, title and text; glossary term and meaning) with rapidfuzz, so
"pelangan" still finds "Pelanggan" and "invoce" finds "Invoice". A candidate's score is the
mean of its best word matches, weighted by where they matched (a title or term counts more
than body text), blended with how well the whole query matches as a phrase, so words that
stand together in the SOP rank above the same words scattered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, utils

from sop.models import Sop

Kind = Literal["langkah", "glosarium"]

# Words too common in the SOP to tell steps apart; they still count inside a phrase.
STOPWORDS = frozenset(
    "yang dan di ke dari untuk dengan pada atau ini itu tsb sbb maka jika saya mau ingin "
    "bagaimana cara apa".split()
)
MIN_SCORE = 45.0  # lets a query match on some of its words, ranked lower
WORD_FLOOR = 78.0  # a query word matching a word worse than this counts as not found
SHORT_FLOOR = 75.0  # the same for words of 4 letters, where one typo costs more ("apkr")
PHRASE_SHARE = 0.25  # share of the score that rewards the query's words standing together
SNIPPET_WIDTH = 140
MAX_QUERY = 200  # characters of a query that are read; the rest is ignored


@dataclass(frozen=True)
class SearchHit:
    """One search result: a step ("langkah") or a glossary entry ("glosarium")."""

    kind: Kind
    id: str  # step id (e.g. "4b") or glossary term (e.g. "APKT")
    title: str  # step title ("" when the step has none), or the glossary term
    snippet: str  # plain text around the best match, "..." where cut
    score: float  # 0-100, higher is better
    parent: str | None = None  # id of the top-level step of a sub-step


@dataclass(frozen=True)
class _Field:
    text: str
    weight: float
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Doc:
    kind: Kind
    id: str
    title: str
    parent: str | None
    fields: tuple[_Field, ...]
    body: str  # the text the snippet is cut from


def _words(text: str) -> tuple[str, ...]:
    return tuple(utils.default_process(text).split())


def _field(text: str, weight: float) -> _Field:
    return _Field(text, weight, _words(text))


def _docs(sop: Sop) -> list[_Doc]:
    docs: list[_Doc] = []
    for step, parent in sop.all_steps():
        title = step.title or ""
        fields = [_field(f"langkah {step.id}", 1.0), _field(step.text, 0.9)]
        if step.title:
            fields.append(_field(step.title, 1.0))
        docs.append(
            _Doc("langkah", step.id, title, parent.id if parent else None, tuple(fields), step.text)
        )
    for entry in sop.glossary:
        fields = (_field(entry.term, 1.0), _field(entry.meaning, 0.85))
        docs.append(_Doc("glosarium", entry.term, entry.term, None, fields, entry.meaning))
    return docs


def _word_score(q: str, word: str) -> float:
    """How well one query word matches one word of the text (0-100)."""
    if q == word:
        return 100.0
    if len(q) < 3 or len(word) < 3:
        return 0.0  # short words ("4c", "di") must match exactly
    score = fuzz.ratio(q, word)
    if len(q) >= 4 and (word.startswith(q) or q.startswith(word)):
        score = max(score, 92.0)  # "invoice" ~ "invoicenya", "daftar" ~ "daftarkan"
    elif len(q) >= 5 and len(word) > len(q):
        # a typo inside a longer word: "invoce" ~ "invoicenya"
        score = max(score, fuzz.ratio(q, word[: len(q) + 1]) - 5)
    return score


def _best_word(q: str, fields: tuple[_Field, ...]) -> list[tuple[float, str]]:
    """Best match of one query word in each field: (weighted score, matched word)."""
    out = []
    floor = SHORT_FLOOR if len(q) <= 4 else WORD_FLOOR
    for field in fields:
        best, hit = 0.0, ""
        for word in field.words:
            score = _word_score(q, word)
            if score >= floor and score > best:
                best, hit = score, word
        out.append((best * field.weight, hit))
    return out


def _score(query: str, qwords: tuple[str, ...], doc: _Doc) -> tuple[float, list[str]]:
    """Score of one candidate and the words of its body that matched, best first."""
    keywords = [w for w in qwords if w not in STOPWORDS] or list(qwords)
    per_word = [_best_word(q, doc.fields) for q in keywords]  # [word][field]
    if not any(score for row in per_word for score, _ in row):
        return 0.0, []
    n = len(keywords)
    # all words found in one field (a title, a term, a step's text) beat words spread over
    # several fields, e.g. a glossary term plus a word of its meaning
    one_field = max(sum(row[i][0] for row in per_word) / n for i in range(len(doc.fields)))
    spread = sum(max(score for score, _ in row) for row in per_word) / n
    word_part = max(one_field, 0.95 * spread)
    phrase = max(
        fuzz.partial_ratio(query, utils.default_process(f.text)) * f.weight for f in doc.fields
    )
    body = next(i for i, f in enumerate(doc.fields) if f.text == doc.body)
    matched = [row[body][1] for row in sorted(per_word, key=lambda r: -r[body][0]) if row[body][0]]
    return (1 - PHRASE_SHARE) * word_part + PHRASE_SHARE * phrase, matched


def _snippet(text: str, words: list[str], width: int = SNIPPET_WIDTH) -> str:
    """About `width` characters of `text` around the matched `words`, cut at spaces.

    The window is placed at the occurrence of the best word that has most of the other
    matched words close by; "..." marks a cut.
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    pos, word = 0, ""
    if words:
        lower = flat.lower()
        spots = {w: [m.start() for m in re.finditer(re.escape(w), lower)] for w in words}

        def near(at: int) -> int:
            return sum(any(abs(p - at) < width // 2 for p in spots[w]) for w in words)

        if spots[words[0]]:
            best = max(spots[words[0]], key=lambda at: (near(at), -at))
            # start the window at the first matched word of that cluster
            pos, word = min(
                (at, w) for w in words for at in spots[w] if abs(at - best) < width // 2
            )
    end = min(len(flat), max(0, pos - width // 3) + width)
    start = max(0, end - width)
    if start > 0:  # begin after a space, never after the match
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < pos else start
    if end < len(flat):  # end at a space, never before the match
        space = flat.rfind(" ", pos + len(word), end)
        end = space if space > pos else end
    return ("..." if start > 0 else "") + flat[start:end] + ("..." if end < len(flat) else "")


def search(
    sop: Sop, query: str, limit: int = 10, *, within: float | None = None
) -> list[SearchHit]:
    """Steps and glossary entries of `sop` that match `query`, best first (at most `limit`).

    With `within`, only hits scoring at most that many points below the best one are kept.
    """
    processed = utils.default_process((query or "")[:MAX_QUERY])
    qwords = tuple(processed.split())
    if not qwords or limit <= 0:
        return []
    hits: list[SearchHit] = []
    for doc in _docs(sop):
        score, words = _score(processed, qwords, doc)
        if score < MIN_SCORE:
            continue
        hits.append(
            SearchHit(
                kind=doc.kind,
                id=doc.id,
                title=doc.title,
                snippet=_snippet(doc.body, words),
                score=round(score, 1),
                parent=doc.parent,
            )
        )
    # best first; on a tie a step before a glossary entry, then SOP order (stable sort)
    hits.sort(key=lambda h: (-h.score, h.kind != "langkah"))
    if within is not None and hits:
        hits = [h for h in hits if h.score >= hits[0].score - within]
    return hits[:limit]
