"""How the scorer (and the simulated customer) reads what a CSO wrote.

Text is lower-cased and cut into words; punctuation only separates words and clauses, so case,
extra spaces and missing or extra punctuation do not matter. Each word is mapped to a canonical
form: common chat abbreviations ("tdk", "yg", "gak"), the suffix "-nya", and small typos of
longer words ("pelangan" -> "pelanggan"). Cues are phrases of whole words, so "masukkan" never
counts as the button "Masuk". A cue said in the negative ("tidak bisa lewat website") does not
count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

WORD = re.compile(r"[^\W_]+")
BREAK = re.compile(r"[,;:!?()\[\]\n\"]|\.(?!\w)|\s-\s")
GAP = 4  # words allowed between the parts of a cue written with "..."
MAX_CACHE = 200_000

SYNONYMS = {
    "tdk": "tidak", "gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak",
    "ngga": "tidak", "enggak": "tidak", "engga": "tidak", "g": "tidak", "tak": "tidak",
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "utk": "untuk", "sdh": "sudah",
    "udah": "sudah", "blm": "belum", "silahkan": "silakan", "kalo": "kalau", "klo": "kalau",
    "lg": "lagi", "dlu": "dulu", "dl": "dulu", "bs": "bisa", "bsa": "bisa", "pke": "pakai",
    "pake": "pakai", "lwt": "lewat", "websitenya": "website", "situsnya": "situs",
    "webnya": "web", "emailnya": "email", "mail": "email", "surel": "email",
    "akunnya": "akun", "account": "akun", "idpelnya": "idpel", "no": "nomor", "nmr": "nomor",
    "pw": "password", "sandi": "password", "kata": "kata", "loginnya": "login",
    "signin": "sign", "ulp": "ulp", "dihubungin": "dihubungi", "hubungin": "hubungi",
    "tlp": "telepon", "telp": "telepon", "krn": "karena", "jg": "juga", "sm": "sama",
}
NEGATIONS = frozenset({"tidak", "bukan", "jangan", "belum", "tanpa"})
# Words that may stand between a negation and the thing negated ("tidak BISA LEWAT website").
FILLERS = frozenset({
    "bisa", "dapat", "boleh", "perlu", "usah", "ada", "lagi", "lewat", "melalui", "via",
    "menggunakan", "pakai", "memakai", "ke", "di", "dari", "dengan", "mengakses", "akses",
    "diakses", "membuka", "buka", "cek", "mengecek", "melihat", "lihat", "digunakan",
    "dipakai", "tersedia", "dilihat", "dicek", "dibuka", "diketahui", "mendaftar", "juga",
    "memang", "sedang", "untuk", "kami",
    "kita", "bapak", "ibu", "anda", "sudah", "masih", "mau", "ingin", "disarankan",
})
# After a cue: "website PLN sedang TIDAK BISA diakses".
POST_MODALS = frozenset({
    "bisa", "dapat", "tersedia", "berlaku", "melayani", "aktif", "digunakan", "diakses",
    "menyediakan", "support", "mendukung", "menampilkan", "boleh",
})
POST_SKIP = frozenset({"pln", "sedang", "saat", "ini", "juga", "masih", "memang", "co", "id",
                       "www", "resmi", "kami", "nya"})
CLAUSE_RESET = frozenset({"tapi", "tetapi", "namun", "silakan", "jadi", "sedangkan",
                          "melainkan", "kemudian", "lalu", "setelah", "sehingga"})


@dataclass(frozen=True, slots=True)
class Cue:
    """A compiled cue: words in order, each with whether a gap may come before it."""

    text: str
    words: tuple[str, ...]
    gaps: tuple[bool, ...]
    tag: int = 0  # lets one CueSet carry several groups (e.g. the website steps)


class Hit(NamedTuple):
    """Where a cue was found: reply index, first and last word index, and the cue."""

    reply: int
    start: int
    end: int
    cue: str
    tag: int = 0


@dataclass(slots=True)
class Analysed:
    """One reply, read: canonical words, clause numbers, and where each word is."""

    raw: str
    words: list[str]
    clause: list[int]
    index: dict[str, list[int]]
    _spans: list[tuple[int, int]] | None = None

    def quote(self, start: int, end: int, context: int = 5) -> str:
        """The CSO's own words around words start..end, as they typed them."""
        if self._spans is None:
            self._spans = [m.span() for m in WORD.finditer(self.raw)]
        spans = self._spans
        a = max(0, start - context)
        b = min(len(spans) - 1, end + context)
        if not spans or a > b:
            return ""
        text = " ".join(self.raw[spans[a][0] : spans[b][1]].split())
        if len(text) > 160:
            text = text[:157] + "..."
        pre = "..." if a > 0 else ""
        post = "..." if b < len(spans) - 1 else ""
        return f"{pre}{text}{post}"


def split_cue(cue: str) -> tuple[list[str], list[bool]]:
    """Cut a cue into raw words and gap flags ("a ... b" puts a gap before b)."""
    words: list[str] = []
    gaps: list[bool] = []
    gap = False
    for chunk in cue.lower().split("..."):
        for i, w in enumerate(WORD.findall(chunk)):
            words.append(w)
            gaps.append(gap and i == 0 and bool(words[:-1]))
        gap = True
    return words, gaps


class Reader:
    """Reads replies against a fixed vocabulary of cue words, with a shared word cache."""

    def __init__(self, cues: Iterable[str]):
        vocab: set[str] = set()
        for cue in cues:
            words, _ = split_cue(cue)
            vocab.update(SYNONYMS.get(w, w) for w in words)
        self.vocab = frozenset(vocab)
        self._long = sorted(w for w in vocab if len(w) >= 6)
        self._cache: dict[str, str] = {}

    def compile(self, cue: str, tag: int = 0) -> Cue:
        words, gaps = split_cue(cue)
        return Cue(cue, tuple(self.canon(w) for w in words), tuple(gaps), tag)

    def canon(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        out = self._canon(word)
        if len(self._cache) >= MAX_CACHE:
            self._cache.clear()
        self._cache[word] = out
        return out

    def _canon(self, word: str) -> str:
        w = SYNONYMS.get(word, word)
        if w in self.vocab or len(w) < 6 or w.isdigit():
            return w
        if w.endswith("nya") and w[:-3] in self.vocab:
            return w[:-3]
        best = process.extractOne(w, self._long, scorer=OSA.distance, score_cutoff=2)
        if best is not None:
            target, dist, _ = best
            allowed = 1 if len(target) < 10 else 2
            if dist <= allowed and abs(len(target) - len(w)) <= allowed:
                return target
        return w

    def read(self, raw: str) -> Analysed:
        words: list[str] = []
        clause: list[int] = []
        index: dict[str, list[int]] = {}
        get = self._cache.get
        canon = self.canon
        findall = WORD.findall
        c = 0
        i = 0
        for part in BREAK.split(raw.lower()):
            c += 1
            for w in findall(part):
                cw = get(w) or canon(w)
                if cw in CLAUSE_RESET:
                    c += 1
                words.append(cw)
                clause.append(c)
                pos = index.get(cw)
                if pos is None:
                    index[cw] = [i]
                else:
                    pos.append(i)
                i += 1
        return Analysed(raw, words, clause, index)


def _negated(t: Analysed, start: int, end: int) -> bool:
    words, clause = t.words, t.clause
    c = clause[start]
    j = start - 1
    skipped = 0
    while j >= 0 and clause[j] == c and skipped <= 3:
        w = words[j]
        if w in NEGATIONS:
            return True
        if w not in FILLERS:
            break
        skipped += 1
        j -= 1
    n = len(words)
    c = clause[end]
    j = end + 1
    skipped = 0
    while j < n - 1 and clause[j] == c and skipped <= 3:
        w = words[j]
        if w in NEGATIONS:
            return words[j + 1] in POST_MODALS
        if w not in POST_SKIP:
            break
        skipped += 1
        j += 1
    return False


def find(cue: Cue, t: Analysed, reply: int = 0) -> list[Hit]:
    """Every place in one reply where the cue is said (and not said in the negative)."""
    starts = t.index.get(cue.words[0])
    if not starts:
        return []
    words = t.words
    n = len(words)
    hits = []
    rest = tuple(zip(cue.words[1:], cue.gaps[1:], strict=True))
    for p in starts:
        cur = p
        for word, gap in rest:
            if gap:
                q = cur + 1
                stop = min(n, cur + 2 + GAP)
                while q < stop and words[q] != word:
                    q += 1
                if q >= stop:
                    break
                cur = q
            elif cur + 1 < n and words[cur + 1] == word:
                cur += 1
            else:
                break
        else:
            if not _negated(t, p, cur):
                hits.append(Hit(reply, p, cur, cue.text, cue.tag))
    return hits


class CueSet:
    """Compiled cues grouped by their first word, so a reply is only checked for cues whose
    first word it contains."""

    def __init__(self, cues: Sequence[Cue]):
        self.cues = tuple(cues)
        self.by_first: dict[str, list[Cue]] = {}
        for cue in self.cues:
            self.by_first.setdefault(cue.words[0], []).append(cue)

    def _in(self, t: Analysed, reply: int) -> list[Hit]:
        by_first = self.by_first
        hits: list[Hit] = []
        for w in t.index.keys() & by_first.keys():
            for cue in by_first[w]:
                hits.extend(find(cue, t, reply))
        return hits

    def first(self, texts: Sequence[Analysed]) -> Hit | None:
        """The earliest hit, or None."""
        for i, t in enumerate(texts):
            hits = self._in(t, i)
            if hits:
                return min(hits, key=lambda h: (h.start, -h.end))
        return None


def first_hit(cues: Sequence[Cue], texts: Sequence[Analysed]) -> Hit | None:
    return CueSet(cues).first(texts)


# ---------------------------------------------------------------- amounts of money
AMOUNT = re.compile(
    r"(?<![\w.,])(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+|\d+)(?:,(\d{1,2})(?!\d)|,-)?"
    r"(?:\s*(ribu|rb|k|juta|jt)\b)?",
    re.IGNORECASE,
)
MULTIPLIER = {"ribu": 1_000, "rb": 1_000, "k": 1_000, "juta": 1_000_000, "jt": 1_000_000}


@dataclass(frozen=True, slots=True)
class Amount:
    value: float
    text: str
    unit: int  # 1000 or 1000000 when said with "ribu"/"juta" (rounding allowed), else 0


def amounts(raw: str) -> list[Amount]:
    """Money amounts written the usual ways: "Rp 345.000", "Rp345.000,-", "345 ribu", "1,2 juta"."""
    out = []
    for m in AMOUNT.finditer(raw):
        digits, decimals, unit = m.group(1), m.group(2), m.group(3)
        whole = int(re.sub(r"[.,]", "", digits))
        value = float(f"{whole}.{decimals}") if decimals else float(whole)
        if unit:
            mult = MULTIPLIER[unit.lower()]
            out.append(Amount(value * mult, m.group(0).strip(), mult))
        else:
            out.append(Amount(value, m.group(0).strip(), 0))
    return out
