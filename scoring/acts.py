"""One reading of a CSO reply: the acts it carries, each with polarity, slots and evidence.

The scorer judges criteria over these acts and the simulated customer reacts to them; neither
keeps phrasings of its own. Every phrasing is content: the `acts:` section of the SOP file
(`sop.models.ActLexicon`), plus the cues of the SOP's website steps. The rules here are the
labelling rules of ../shared/acts-guideline.md and corpus/README.md:

- a reply is cut into sentences (. ! ? and line breaks) and clauses (commas, colons, and words
  such as "tapi", "lalu", "silakan");
- a phrasing is found as whole words in order within one sentence ("a ... b" lets up to four
  words stand between; "a|b" is either word);
- its polarity comes from the clause around it: a negator before it in the clause (across the
  words between, "tidak bisa lagi dilihat di ...") or a negated modal after it makes it
  `denied`; "kalau/jika ... belum punya akun" before it makes it `conditional` (with the
  condition, so the scorer can match it with the customer's facts), while "kalau mau"/"kalau
  sudah" leave it `said`; "sudah/pernah/apakah ...?" makes it `asked`;
- a channel (website, PLN Mobile) is an *offer* only when the clause invites or informs that the
  customer can use it: named in a reason or an excuse ("karena website sedang gangguan") or in
  a question about an account it is no offer at all;
- amounts are read in digits ("Rp 345.000", "345 ribu", "1,2 juta") and in words ("tiga ratus
  empat puluh lima ribu rupiah").

Pure and deterministic: `ActReader(sop).read(text)` gives the acts of one reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.text import SYNONYMS, Reader
from sop.models import ActLexicon, Sop

GAP = 5
READ_CACHE = 50_000  # replies whose reading is kept (a reply is sent once, then scored)
SAID, DENIED, CONDITIONAL, ASKED = "said", "denied", "conditional", "asked"
POLARITIES = (SAID, DENIED, CONDITIONAL, ASKED)
ACTS = (
    "greet", "introduce", "ask_data", "confirm_data", "state_amount", "offer_channel",
    "website_step", "announce_forward", "promise_contact", "email_used_advice", "ask_more",
    "close", "empathy", "hold", "unprofessional",
)
SENTENCE_ACTS = frozenset({"greet", "introduce", "close", "ask_more", "empathy", "hold",
                           "unprofessional"})
# The slot the evaluation compares for each act that has one.
KEY_SLOTS = {
    "ask_data": "field", "confirm_data": "field", "offer_channel": "channel",
    "website_step": "step", "announce_forward": "target", "email_used_advice": "option",
    "state_amount": "amount",
}
ACT_LABELS = {
    "greet": "salam pembuka", "introduce": "memperkenalkan diri", "ask_data": "meminta data",
    "confirm_data": "mengonfirmasi data", "state_amount": "menyebut jumlah tagihan",
    "offer_channel": "menawarkan kanal layanan mandiri", "website_step": "langkah website",
    "announce_forward": "meneruskan permintaan", "promise_contact": "Unit akan menghubungi",
    "email_used_advice": "saran email lain/kantor PLN", "ask_more": "menanyakan hal lain",
    "close": "penutup", "empathy": "empati", "hold": "meminta menunggu",
    "unprofessional": "bahasa tidak profesional",
}
POLARITY_LABELS = {SAID: "disampaikan", DENIED: "disangkal", CONDITIONAL: "bersyarat",
                   ASKED: "ditanyakan"}

ABBREVIATIONS = frozenset({"jl", "jln", "no", "kel", "kec", "rt", "rw", "rp", "dr", "ir", "bpk",
                           "sdr", "gg", "tgl", "dll", "dsb", "ybs", "kab", "prov", "blok", "st",
                           "an", "sbg", "kpd", "yth", "mr", "mrs", "hj", "h", "drs", "ny"})
EMOJI = "\U0001F300-\U0001FAFF\u2600-\u27BF"
SENT_BREAK = re.compile(r"[!?\n]+|\.(?![\w])|\.{2,}|[" + EMOJI + "]+")
CLAUSE_BREAK = re.compile(r"[,;:()\[\]\"“”→➡»>•]|\s[-–—]\s")
WORD = re.compile(r"[^\W_]+")
TOKEN = re.compile(r"(?P<w>[^\W_]+)|(?P<s>" + SENT_BREAK.pattern + r")|(?P<c>"
                   + CLAUSE_BREAK.pattern + r")")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\d)(?:\+?62|0)8\d{1,3}[\s-]?\d{3,4}[\s-]?\d{3,5}(?!\d)")
DIGITS12 = re.compile(r"(?<![\d.,])\d(?:[\s.-]?\d){11}(?![\d.,]?\d)")
DIGITS11 = re.compile(r"(?<![\d.,])\d{11}(?!\d)")
AMOUNT = re.compile(
    r"(?<![\w.,])((?:rp|idr)\.?\s*)?(\d{1,3}(?:[.,]\d{3})+|\d+[.,]\d{1,2}(?=\s*(?:ribu|rb|k|juta|jt)\b)"
    r"|\d+)(?:,(\d{1,2})(?!\d)|,-|\.-|-?an(?=\s*(?:ribu|rb|juta|jt)\b))?"
    r"(?:\s*(ribu|rb|(?<=\d)k|juta|jt)(an)?\b)?(\s*rupiah)?",
    re.IGNORECASE,
)
NOT_BILL_AFTER = re.compile(r"\s*(per\b|/\s*kwh)", re.IGNORECASE)
MONEY_WORDS = frozenset({"tagihan", "tagihannya", "bayar", "dibayar", "pembayaran", "total",
                         "jumlah", "sebesar", "biaya", "rekening", "nominal", "tunggakan",
                         "bill", "amount"})
NOT_MONEY_AFTER = re.compile(r"\s*(va|kva|kwh|watt|w|volt|digit|angka|hari|jam|menit|x|kali)\b",
                             re.IGNORECASE)
UNITS = {"ribu": 1_000, "rb": 1_000, "k": 1_000, "juta": 1_000_000, "jt": 1_000_000}
CAPS = re.compile(r"\b[A-Z]{3,}\b")
# eye roll, unamused, facepalm, huffing, upside-down (sarcasm), clapping at a slip
ROLLS = re.compile("[\U0001F644\U0001F612\U0001F926\U0001F624\U0001F643]|\U0001F44F{2,}")


@dataclass(frozen=True, slots=True)
class Act:
    """One act of one reply."""

    act: str
    polarity: str
    slots: tuple[tuple[str, Any], ...] = ()
    start: int = 0  # word positions of the evidence in the reply
    end: int = 0
    evidence: str = ""

    def slot(self, name: str, default: Any = None) -> Any:
        for k, v in self.slots:
            if k == name:
                return v
        return default

    @property
    def key(self) -> tuple[str, str, Any]:
        """(act, polarity, key slot value): what the evaluation compares."""
        name = KEY_SLOTS.get(self.act)
        return (self.act, self.polarity, self.slot(name) if name else None)

    @property
    def condition(self) -> dict[str, bool]:
        return dict(self.slot("if") or ())

    def to_dict(self) -> dict[str, Any]:
        slots = {k: (dict(v) if k == "if" else v) for k, v in self.slots}
        out: dict[str, Any] = {"act": self.act, "polarity": self.polarity}
        if slots:
            out["slots"] = slots
        out["evidence"] = self.evidence
        return out


# ---------------------------------------------------------------- text structure
@dataclass(slots=True)
class Text:
    """A reply cut into canonical words with their sentence and clause, and raw spans."""

    raw: str
    words: list[str]
    lower: list[str]  # the words as typed, lower-cased (before spelling/typo mapping)
    spans: list[tuple[int, int]]
    sent: list[int]
    clause: list[int]
    question: set[int]  # sentences that end with "?"
    index: dict[str, list[int]] = field(default_factory=dict)
    # "Blm punya akun? Klik Daftar Akun": a short account question that conditions the next
    # sentence (sentence index -> condition)
    carry: dict[int, dict[str, bool]] = field(default_factory=dict)
    found: dict[int, list] = field(default_factory=dict)  # matcher results, found once
    _sentences: dict[int, list[int]] | None = None

    def sentence(self, i: int) -> list[str]:
        """The words of the sentence of word i."""
        if self._sentences is None:
            self._sentences = {}
            for k, s in enumerate(self.sent):
                self._sentences.setdefault(s, []).append(k)
        return [self.words[k] for k in self._sentences.get(self.sent[i], ())]

    def quote(self, start: int, end: int, context: int = 3) -> str:
        if not self.spans:
            return ""
        a = max(0, start - context)
        b = min(len(self.spans) - 1, end + context)
        text = " ".join(self.raw[self.spans[a][0]: self.spans[b][1]].split())
        if len(text) > 160:
            text = text[:157] + "..."
        return ("..." if a > 0 else "") + text + ("..." if b < len(self.spans) - 1 else "")

    def word_at(self, char: int) -> int:
        """The index of the first word that ends after char."""
        for i, (_, b) in enumerate(self.spans):
            if b > char:
                return i
        return max(0, len(self.spans) - 1)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled phrasing: alternatives per position, and whether a gap may come before."""

    text: str
    alts: tuple[frozenset[str], ...]
    gaps: tuple[bool, ...]
    value: str = ""


GROUP = re.compile(r"\(([^()]*)\)")


def expand(phrase: str) -> list[str]:
    """A phrasing with "(a b|c)" groups as every phrasing without them."""
    m = GROUP.search(phrase)
    if m is None:
        return [phrase]
    out = []
    for alt in m.group(1).split("|"):
        out.extend(expand(phrase[: m.start()] + " " + alt.strip() + " " + phrase[m.end():]))
    return out


def _split(phrase: str) -> list[tuple[list[str], bool]]:
    out: list[tuple[list[str], bool]] = []
    gap = False
    for chunk in phrase.lower().split("..."):
        for i, token in enumerate(chunk.split()):
            alts = [w for a in token.split("|") for w in WORD.findall(a)]
            if not alts:
                continue
            # "www.pln.co.id" is several words: each is a position of its own
            if "|" not in token and len(alts) > 1:
                for j, w in enumerate(alts):
                    out.append(([w], gap and i == 0 and j == 0 and bool(out)))
            else:
                out.append((alts, gap and i == 0 and bool(out)))
        gap = True
    return out


class Matcher:
    """Patterns indexed by every alternative of their first word."""

    def __init__(self, patterns: Iterable[Pattern], within_clause: bool = True):
        self.within_clause = within_clause
        self.patterns = tuple(p for p in patterns if p.alts)
        # ties (same start and end) go to the phrasing listed first, whatever the hash seed
        self.order = {id(p): i for i, p in enumerate(self.patterns)}
        self.by_first: dict[str, list[Pattern]] = {}
        for p in self.patterns:
            for w in p.alts[0]:
                self.by_first.setdefault(w, []).append(p)

    def find(self, t: Text) -> list[tuple[int, int, Pattern]]:
        """Every (start, end, pattern) in t, longest first at each start. A phrasing's words
        stand in one clause (a phrasing may itself end with a comma-free gap)."""
        key = id(self)
        got = t.found.get(key)
        if got is None:
            got = t.found[key] = self._find(t)
        return got

    def _find(self, t: Text) -> list[tuple[int, int, Pattern]]:
        out = []
        words, sent = t.words, (t.clause if self.within_clause else t.sent)
        n = len(words)
        for w in t.index.keys() & self.by_first.keys():
            for p in self.by_first[w]:
                for s in t.index[w]:
                    end = _extend(p, words, sent, s, n)
                    if end is not None:
                        out.append((s, end, p))
        order = self.order
        out.sort(key=lambda h: (h[0], -h[1], order[id(h[2])]))
        return out


def _extend(p: Pattern, words: list[str], sent: list[int], s: int, n: int) -> int | None:
    cur = s
    for k in range(1, len(p.alts)):
        alts = p.alts[k]
        if p.gaps[k]:
            q = cur + 1
            stop = min(n, cur + 2 + GAP)
            while q < stop and sent[q] == sent[s] and words[q] not in alts:
                q += 1
            if q >= stop or sent[q] != sent[s]:
                return None
            cur = q
        elif cur + 1 < n and words[cur + 1] in alts and sent[cur + 1] == sent[s]:
            cur += 1
        else:
            return None
    return cur


# ---------------------------------------------------------------- numbers in words
_DIGITS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
           "delapan": 8, "sembilan": 9}
_WHOLE = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
_SCALES = {"ribu": 1_000, "rb": 1_000, "juta": 1_000_000, "jt": 1_000_000,
           "miliar": 1_000_000_000, "milyar": 1_000_000_000}
_BIG = {"seribu": 1_000, "sejuta": 1_000_000, **_SCALES}


def words_number(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """An Indonesian number written in words from words[i]: (value, index after it).

    "tiga ratus empat puluh lima ribu" -> 345000; "satu koma dua juta" -> 1200000."""
    total = cur = 0
    pending: int | None = None
    j, n = i, len(words)
    while j < n:
        w = words[j]
        if w in _DIGITS:
            if pending is not None:
                break
            pending = _DIGITS[w]
        elif w in _WHOLE:
            if pending is not None:
                break
            cur += _WHOLE[w]
        elif w == "puluh" and pending is not None:
            cur, pending = cur + pending * 10, None
        elif w == "belas" and pending is not None:
            cur, pending = cur + 10 + pending, None
        elif w == "ratus" and pending is not None:
            cur, pending = cur + pending * 100, None
        elif w in ("seribu", "sejuta"):
            total += _BIG[w]
        elif w in _SCALES and (cur or pending):
            total += (cur + (pending or 0)) * _SCALES[w]
            cur, pending = 0, None
        elif (w == "koma" and (cur or pending) and j + 2 < n and words[j + 1] in _DIGITS
              and words[j + 2] in _SCALES):
            whole = cur + (pending or 0)
            total += round((whole + _DIGITS[words[j + 1]] / 10) * _SCALES[words[j + 2]])
            cur, pending = 0, None
            j += 3
            break
        else:
            break
        j += 1
    value = total + cur + (pending or 0)
    return (value, j) if value > 0 and j > i else None


# Words that start the consequence of a condition written without a comma.
CONSEQUENCE = frozenset({"bisa", "dapat", "silakan", "maka", "nanti", "langsung", "cukup",
                         "tinggal", "harus", "wajib", "akan", "boleh", "mohon", "sistem",
                         "kemudian", "baru"})

REGISTERING = frozenset({"daftar", "mendaftar", "registrasi", "register", "signup"})
# A step after these (in its clause) is a state, not a step to do.
DONE = frozenset({"sudah", "udah", "sempat", "berhasil", "kemarin", "kmrn", "akhirnya",
                  "sampai", "nyampe", "pernah"})
# After "kalau belum/sudah", these continue the condition ("kalau belum punya akun").
ELLIPSIS_OK = frozenset({"punya", "memiliki", "ada", "pernah", "terdaftar", "daftar", "bisa",
                         "berhasil", "login", "masuk", "menerima", "dapat", "mendaftar",
                         "registrasi", "selesai", "verifikasi", "terverifikasi", "bapak", "ibu",
                         "kakak", "anda", "juga", "mau", "ingin", "tahu", "register", "regis",
                         "signup", "sign", "akun"})
LINE_CHECK = frozenset({"masih", "tersambung", "dengar", "terdengar", "kedengaran", "putus"})
# The advice of SOP 4 is about registering with an e-mail already used.
REGISTRATION = frozenset({"daftar", "mendaftar", "pendaftaran", "registrasi", "register",
                          "akun", "terdaftar", "dipakai", "digunakan", "terpakai", "kepake",
                          "sign", "signup", "didaftarkan", "daftarkan", "dipake"})
OTHER = frozenset({"lain", "lainnya", "berbeda", "beda", "alternatif", "kedua", "cadangan",
                   "another", "other", "terdekat"})
# An office named as advice: "datang/ajukan ke kantor PLN terdekat", "bisa ke kantor PLN".
ADVICE = frozenset({"datang", "ke", "ajukan", "mengajukan", "permohonan", "kunjungi",
                    "mengunjungi", "bisa", "dapat", "silakan", "disarankan", "sarankan", "urus",
                    "lewat", "melalui", "langsung", "mendatangi", "saran", "alternatif"})
ASK_MORE_OBJECT = frozenset({"nomor", "telepon", "email", "alamat", "idpel", "tagihan"})
# A channel named after these is no offer: an e-mail domain, a comparison.
NOT_OFFER_BEFORE = frozenset({"domain", "berdomain", "seperti", "beda", "berbeda", "dibanding",
                              "dibandingkan", "daripada"})
# Lists of menus: "a → b → Masuk", "a > b > Login", "1. ...\n4. Masuk"
LIST_SEP = re.compile(r"→|➡|⇒|->|>|\n\s*\d+[.)]|(?:^|\s)\d+[.)]?\s")
LIST_BEFORE = re.compile(r"(→|➡️?|⇒|->|>|(?:^|\n|\s)\d+[.)]?)$")
LIST_AFTER = re.compile(r"(→|➡|⇒|->|>|\n|\s\d+[.)]?\s|[.,;!]?\s*$|[.,;]?\s*\n)")
# The channel told about, not offered: "websitenya memang ganti tampilan", "web PLN-nya
# loading terus", "akun web sama akun PLN Mobile itu beda"
CHANNEL_STATE = frozenset({"sedang", "lagi", "memang", "sekarang", "loading", "dikembangkan",
                           "diperbarui", "update", "ganti", "berubah", "aman", "https", "beda",
                           "berbeda", "sama", "tetap", "jadi"})
# "hampir 200rb, tepatnya 187.300": the exact amount after an approximation
APPROX_WORDS = frozenset({"tepatnya", "persisnya", "tepat", "pastinya", "sekitar", "kisaran",
                          "hampir", "kurleb", "kira"})
# "password tadi dan masukkan IDPEL": a new step after "dan", not a past one
THEN = frozenset({"dan", "lalu", "terus", "trus", "kemudian", "habis", "abis", "setelah"})
# "karena belum punya akun, klik Daftar Akun": the negator is the account's, not the step's
ACCOUNT_STATE = frozenset({"akun", "account"})
POSSESS = frozenset({"punya", "pny", "memiliki", "ada", "mempunyai", "terdaftar"})
MODALS = frozenset({"bisa", "dapat", "akan", "perlu", "usah", "boleh", "mau"})
# An earlier forward told about ("bulan lalu sudah pernah diteruskan ke Unit")
FORWARD_PAST = frozenset({"pernah", "kemarin", "sebelumnya", "statusnya"})
# English words Indonesian service talk uses as its own ("oke", "thank you", "sorry")
LOANWORDS = frozenset({"okay", "ok", "yes", "no", "sorry", "thanks", "thank", "you", "noted",
                       "hi", "hello", "sure", "bye", "please", "sir", "madam", "mam"})
# Modals of possibility: in a reason clause they still offer ("karena bisa dilihat di web").
POSSIBLE = frozenset({"bisa", "dapat", "tersedia", "bs", "boleh", "silakan", "cukup", "tinggal"})
# Nouns of a place inside the site: "kolom pencarian website" is no offer of the website.
PLACES = frozenset({"kolom", "menu", "halaman", "pencarian", "fitur", "tombol", "bagian"})
# After a channel, a negator followed by one of these makes it an excuse or a denial.
POST_MODALS = frozenset({"bisa", "dapat", "tersedia", "berlaku", "melayani", "aktif",
                         "digunakan", "diakses", "menyediakan", "support", "mendukung",
                         "menampilkan", "boleh", "ada", "muncul", "perlu", "usah", "lagi",
                         "akan", "menghubungi", "dihubungi"})

MONTHS = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
          "september", "oktober", "november", "desember", "jan", "feb", "mar", "apr", "jun",
          "jul", "agu", "agt", "sep", "sept", "okt", "nov", "des")


# ---------------------------------------------------------------- the reader
class ActReader:
    """Reads replies into acts with the phrasings of one SOP's `acts:` section."""

    def __init__(self, sop: Sop, reader: Reader | None = None):
        lex = sop.acts
        if lex is None:
            raise ValueError(f"SOP '{sop.id}' tidak punya bagian acts")
        self.sop = sop
        self.lex = lex
        self.spellings = {**SYNONYMS, **lex.spellings}
        vocab = self._vocabulary(sop, lex)
        self.reader = reader or Reader(vocab)
        self._cache: dict[str, str] = {}
        self._readings: dict[str, tuple[Act, ...]] = {}
        c = self._compile
        self.set = {
            "negators": frozenset(self._canon_all(lex.negators)),
            "neutral": frozenset(self._canon_all(lex.neutral_after_negator)),
            "resets": frozenset(self._canon_all(lex.clause_breakers)),
            "conditions": frozenset(self._canon_all(lex.conditions)),
            "reasons": frozenset(self._canon_all(lex.reasons)),
            "past": frozenset(self._canon_all(lex.question_markers)),
            "invite": frozenset(self._canon_all(lex.invitations)),
            "frames": frozenset(self._canon_all(lex.offer_frames)),
            "failures": frozenset(self._canon_all(lex.failures)),
            "account": frozenset(self._canon_all(lex.account_words)),
            "temporal_markers": frozenset(self._canon_all(lex.temporal_markers)),
            "will": frozenset(self._canon_all(lex.will_words)),
            "insist": frozenset(self._canon_all(lex.insist_words)),
            "english": frozenset(w.lower() for w in lex.english_words),
            "indonesian": frozenset(w.lower() for w in lex.indonesian_words),
            "cso_self": frozenset(self._canon_all(lex.cso_self)),
            "not_forwarded": frozenset(self._canon_all(lex.not_forwarded)),
            "forward_targets": frozenset(self._canon_all(lex.forward_targets)),
            "complaint_words": frozenset(self._canon_all(lex.complaint_words)),
            "unit_words": frozenset(self._canon_all(lex.unit_words)),
            "confirm_markers": frozenset(self._canon_all(lex.confirm_markers)),
            "caps_ok": frozenset(w.upper() for w in lex.caps_allowed),
            "honorifics": frozenset(w.lower() for w in lex.honorifics),
            "polite": frozenset(self._canon_all(lex.polite_prefix)),
            "trouble": frozenset(self._canon_all(lex.trouble)),
            "past_context": frozenset(self._canon_all(lex.past_context)),
            "regional": frozenset(w.lower() for w in lex.regional_words),
        }
        self.channels = Matcher(x for v, ps in lex.channels.items() for p in ps for x in c(p, v))
        # Most phrasings stand in one clause; greetings, closings and questions run on across
        # commas ("terima kasih, selamat siang", "dengan Bapak, siapa?").
        self.phrases = {
            act: Matcher((x for v, ps in by_value.items() for p in ps for x in c(p, v)),
                         within_clause=act not in SENTENCE_ACTS)
            for act, by_value in lex.phrases.items()
        }
        self.openers = Matcher(x for p in lex.openers for x in c(p, "-"))
        self.apologies = Matcher(x for p in lex.apologies for x in c(p, "-"))
        self.fields = Matcher(x for v, ps in lex.data_fields.items() for p in ps for x in c(p, v))
        self.no_need = Matcher(x for p in lex.no_need for x in c(p, "-"))
        self.purposes = Matcher(x for p in lex.other_purposes for x in c(p, "-"))
        self.ask_frames = frozenset(self._canon_all(lex.ask_frames))
        self.email_frames = frozenset(self._canon_all(lex.email_ask_frames))
        steps = []
        for step, _ in sop.all_steps():
            for cue in step.cues:
                steps.extend(c(cue, step.id))
        self.login_steps = tuple(lex.login_steps)
        self.steps = Matcher(steps)
        self._login_item = next((p for p in self.steps.patterns
                                 if self.login_steps and p.value == self.login_steps[0]), None)
        # "... > Daftar Akun > Setuju > ...": the agreement step named as a list item
        self._agree_item = next((p for p in self.steps.patterns if "setuju" in p.text
                                 and any("setuju" in alts for alts in p.alts)), None)
        self.registration_steps = frozenset(lex.registration_steps)

    # -------------------------------------------------------- set-up
    @staticmethod
    def _vocabulary(sop: Sop, lex: ActLexicon) -> list[str]:
        vocab: list[str] = []
        for ps in lex.channels.values():
            vocab.extend(ps)
        for by_value in lex.phrases.values():
            for ps in by_value.values():
                vocab.extend(ps)
        for step, _ in sop.all_steps():
            vocab.extend(step.cues)
        for ps in lex.data_fields.values():
            vocab.extend(ps)
        vocab.extend(lex.ask_frames + lex.email_ask_frames + lex.no_need + lex.other_purposes
                     + lex.openers + lex.apologies)
        vocab.extend(lex.offer_frames + lex.failures + lex.account_words + lex.negators
                     + lex.conditions + lex.reasons + lex.question_markers + lex.invitations)
        return [v.replace("|", " ").replace("(", " ").replace(")", " ") for v in vocab]

    def _word(self, w: str) -> str:
        out = self._cache.get(w)
        if out is None:
            out = self.reader.canon(self.spellings.get(w, w))
            if len(self._cache) < 200_000:
                self._cache[w] = out
        return out

    def _canon_all(self, words: Iterable[str]) -> list[str]:
        return [self._word(w.lower()) for w in words]

    def _compile(self, phrase: str, value: str) -> list[Pattern]:
        out = []
        for variant in expand(phrase):
            parts = _split(variant)
            out.append(Pattern(
                phrase,
                tuple(frozenset(self._word(w) for w in alts) for alts, _ in parts),
                tuple(g for _, g in parts),
                value,
            ))
        return out

    # -------------------------------------------------------- cutting
    def cut(self, raw: str) -> Text:
        """Words with their sentence and clause, in one pass over the reply."""
        words: list[str] = []
        lower: list[str] = []
        spans: list[tuple[int, int]] = []
        sent: list[int] = []
        clause: list[int] = []
        index: dict[str, list[int]] = {}
        question: set[int] = set()
        s = c = 0
        resets = self.set["resets"]
        word_of = self._word
        pending = 0  # 0 none, 1 clause break, 2 sentence break, 3 question
        for m in TOKEN.finditer(raw):
            w = m.group("w")
            if w is None:
                if m.group("s") is not None:
                    g = m.group()
                    if g == ".":
                        before = raw[max(0, m.start() - 6): m.start()].lower()
                        word = re.split(r"[^\w]", before)[-1]
                        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                            continue  # "Jl. Melati", "a.n. Budi", "Rp. 345.000"
                    kind = 3 if "?" in g else 2
                    if kind == 3 and words:
                        question.add(s)
                    pending = max(pending, kind)
                else:
                    pending = max(pending, 1)
                continue
            if pending:
                if pending >= 2 and words and sent[-1] == s:
                    s += 1
                c += 1
                pending = 0
            w = w.lower()
            cw = word_of(w)
            if cw in resets and words and clause[-1] == c and words[-1] not in ("yang", "yg"):
                c += 1  # "lalu", "tapi" start a clause; "yang baru" does not
            i = len(words)
            words.append(cw)
            lower.append(w)
            spans.append(m.span("w"))
            sent.append(s)
            clause.append(c)
            got = index.get(cw)
            if got is None:
                index[cw] = [i]
            else:
                got.append(i)
        return Text(raw, words, lower, spans, sent, clause, question, index)

    # -------------------------------------------------------- polarity
    def _conditions(self, t: Text) -> list[tuple[int, int, dict[str, bool] | None]]:
        """Condition spans (start, end, condition): None when the condition does not limit
        the act ("kalau mau", "kalau sudah"), {} when it is one the facts cannot decide."""
        out = []
        words, clause = t.words, t.clause
        conds, account, neg = self.set["conditions"], self.set["account"], self.set["negators"]
        last_account: bool | None = None
        n = len(words)
        i = 0
        while i < n:
            w = words[i]
            is_marker = (w in conds or w in self.set["temporal_markers"]
                         or (w == "untuk" and i + 1 < n and words[i + 1] == "yang")
                         or (w == "yang" and i + 1 < n and words[i + 1] in ("belum", "sudah")
                             and any(x in account for x in words[i + 2: i + 5])))
            if is_marker and {"bagaimana", "gimana", "gmn", "gmana", "bgmn", "gimna"} & set(
                    words[max(0, i - 3): i]):
                is_marker = False  # "bagaimana kalau dicoba lewat website?" proposes
            if is_marker and i + 1 < n and words[i + 1] in ("itu", "ini", "tersebut", "begitu",
                                                           "demikian", "gitu", "gini", "begini"):
                i += 2  # "setelah itu": then; "kalau begitu": in that case
                continue
            if not is_marker:
                i += 1
                continue
            j = i + 1
            end = i
            has_account = has_neg = has_email_used = will = insist = False
            done_account = False
            if (i + 1 < n and words[i + 1] in ("belum", "sudah", "tidak") and (
                    i + 2 >= n or clause[i + 2] != clause[i] or words[i + 2] not in ELLIPSIS_OK)):
                # "kalau belum(,) klik Daftar Akun": the condition is one word long
                neg_ = words[i + 1] != "sudah"
                ctx = any(x in account for x in words[:i])
                out.append((i, i + 1, {"has_account": not neg_} if ctx else None))
                if ctx:
                    last_account = not neg_
                i += 2
                continue
            while j < n and clause[j] == clause[i] and j - i <= 9:
                x = words[j]
                if x in account and "email" in words[i + 1: j]:
                    has_email_used = True  # "jika email Bapak sudah terdaftar (di ID lain)"
                    end = j
                    j += 1
                    continue
                if x in account:
                    has_account = True
                    if x in REGISTERING and not {"sudah", "udah", "pernah", "belum"} & set(
                            words[i + 1: j]):
                        has_neg = True  # "bila mendaftar, ...": registering, so no account yet
                    end = j
                    done_account = True
                    # "akun di website PLN" belongs to the condition too
                    k = j + 1
                    while k < n and clause[k] == clause[i] and words[k] in (
                            "di", "website", "web", "pln", "www", "co", "id", "situs", "nya"):
                        k += 1
                    end = k - 1
                    break
                if x in neg:
                    has_neg = True
                if x in ("email",) and j + 1 < n and any(
                        y in ("terdaftar", "dipakai", "digunakan", "terpakai", "kepake",
                              "dipake", "terpake")
                        for y in words[j + 1: j + 5]):
                    has_email_used = True
                if x in self.set["will"]:
                    will = True
                if x in self.set["insist"]:
                    insist = True
                end = j
                j += 1
            if not done_account:
                # to the end of the clause, or to where the consequence starts
                # ("kalau mau lihat rinciannya BISA lewat www.pln.co.id")
                k = i
                while (k + 1 < n and clause[k + 1] == clause[i]
                       and not (k + 1 > i + 1 and words[k + 1] in CONSEQUENCE)):
                    k += 1
                end = k
                span = words[i + 1: end + 1]  # what the condition itself says
                has_neg = not neg.isdisjoint(span)
                will = not self.set["will"].isdisjoint(span)
                insist = not self.set["insist"].isdisjoint(span)
            cond: dict[str, bool] | None
            if w in self.set["temporal_markers"]:
                cond = None  # "setelah daftar dengan email lain, ...": a step done, then the next
            elif has_account:
                cond = {"has_account": not has_neg}
                last_account = not has_neg
            elif has_email_used:
                cond = {"email_used_elsewhere": True}
            elif (end - i) <= 2 and (last_account is not None or any(
                    x in account for x in words[:i])) and (
                    has_neg or any(x in ("sudah", "udah") for x in words[i + 1: end + 1])):
                cond = {"has_account": not has_neg}
            elif insist:
                cond = {}
            elif will or w in self.set["temporal_markers"] or (
                    end - i <= 1 and i + 1 < n and words[i + 1] in ("tidak", "belum", "sudah")):
                # "kalau mau", "jika berkenan", "setelah login", "kalau sudah", "kalau tidak":
                # still an instruction (or a step referred back to)
                cond = None
            else:
                cond = {}  # "apabila ada kendala, petugas Unit akan menghubungi"
            out.append((i, end, cond))
            i = end + 1
        for sq in t.question:
            idx = [k for k in range(n) if t.sent[k] == sq]
            if 0 < len(idx) <= 6 and any(words[k] in account for k in idx) and (
                    any(words[k] in neg or words[k] in ("sudah", "udah") for k in idx)):
                has = not any(words[k] in neg for k in idx)
                t.carry[sq + 1] = {"has_account": has}
        return out

    def _customer_does(self, t: Text, s: int) -> bool:
        """The customer is the one doing it ("silakan teruskan ...", "Bapak bisa mengajukan")."""
        c = t.clause[s]
        before = [w for k, w in enumerate(t.words[max(0, s - 4): s], start=max(0, s - 4))
                  if t.clause[k] == c]
        if any(w in self.set["cso_self"] for w in before):
            return False
        return "silakan" in before or (
            bool({"bapak", "ibu", "anda", "kakak"} & set(before))
            and bool({"bisa", "dapat", "boleh", "perlu", "harus"} & set(before)))

    def _forward_mood(self, t: Text, s: int, e: int, pol: str, cond):
        """"Mau saya buatkan laporan?" asks; "... kalau Ibu berkenan", "agar kami buatkan
        laporan", "mau lewat website atau tetap kami teruskan" only make it possible."""
        c = t.clause[s]
        clause = [k for k in range(len(t.words)) if t.clause[k] == c]
        after = [t.words[k] for k in clause if k > e]
        before = [t.words[k] for k in clause if k < s]
        sentence = t.sentence(s)
        if t.sent[s] in t.question and {"mau", "bagaimana", "gimana", "apakah", "atau",
                                        "perlu", "ingin"} & set(sentence):
            return ASKED, None
        if (set(after) & self.set["conditions"]) or {"agar", "supaya", "biar"} & set(before):
            return CONDITIONAL, {}
        if "atau" in before and {"mau", "pilihan", "pilih", "opsi"} & set(sentence):
            return CONDITIONAL, {}
        return pol, cond

    def _will_condition(self, t: Text, i: int, conds) -> bool:
        """A condition on the customer's wish ("kalau Ibu ingin berhenti, kami buatkan
        laporan"): an offer stays an offer, but a forward or a promise is only possible."""
        for a, b, cond in conds:
            temporal = t.words[a] in self.set["temporal_markers"]
            if b < i and t.sent[a] == t.sent[i] and cond is None and not temporal:
                span = t.words[a: b + 1]
                if any(w in self.set["will"] - {"sudah", "udah", "selesai", "berhasil",
                                                 "sukses", "bisa"} for w in span):
                    return True
        return False

    def _negated(self, t: Text, start: int, end: int, conds) -> bool:
        words, clause = t.words, t.clause
        neg, neutral = self.set["negators"], self.set["neutral"]
        # a negator between the words of the phrase: "Unit TIDAK akan menghubungi" (but not
        # one that a new subject ends: "invoice tidak diterima KAMI catat")
        cso = self.set["cso_self"]
        for j in range(start + 1, end):
            if words[j] in neg and (
                    (words[j + 1] not in neutral and cso.isdisjoint(words[j + 1: end]))
                    or words[j + 1] in cso
                    or (words[j + 1] in MODALS and words[j + 2: j + 3] and words[j + 2] in cso)):
                return True  # "tidak kami teruskan", "tidak bisa kami teruskan"
        c = clause[start]
        j = start - 1
        cso = self.set["cso_self"]
        while j >= 0 and clause[j] == c:
            if words[j] in cso and j > 0 and words[j - 1] not in neg:
                break  # a new subject: "invoice tidak diterima, KAMI catat ..."
            if words[j] in neg and not _inside(j, conds) and not (
                    words[j + 1: j + 2] and words[j + 1] in POSSESS
                    and not ACCOUNT_STATE.isdisjoint(words[j + 2: min(j + 4, start)])):
                # "krn blm pny akun klik Daftar Akun": the negator is the account's
                nxt = words[j + 1] if j + 1 < len(words) else ""
                if nxt in neutral or nxt in ("hanya", "cuma", "saja"):
                    j -= 1
                    continue
                return True
            j -= 1
        # "PLN Mobile tidak bisa ...", "login tidak perlu"
        j = end + 1
        n = len(words)
        while j < n - 1 and clause[j] == clause[end] and j - end <= 3:
            if words[j] in neg:
                # "PLN Mobile tidak bisa ..."; but "... lewat website tanpa perlu menunggu
                # email" negates what follows "tanpa"
                return words[j] != "tanpa" and words[j + 1] in POST_MODALS
            j += 1
        return False

    def _asked(self, t: Text, start: int) -> bool:
        s = t.sent[start]
        words = t.words
        c = t.clause[start]
        first = start
        while first > 0 and t.clause[first - 1] == c:
            first -= 1
        last = start
        while last + 1 < len(words) and t.clause[last + 1] == c:
            last += 1
        before = words[first:last + 1]
        past = self.set["past"]
        has_past = not past.isdisjoint(before)
        question = s in t.question and _last_clause_of_sentence(t, c)
        tag_belum = words[last] in ("belum",) and last > start
        if not self.set["invite"].isdisjoint(words[first:start]):
            return False  # "mau coba pakai email lain?": an invitation, not a question
        if words[first] in ("apakah", "apa") and first < start:
            return True
        return has_past and (question or tag_belum)

    def _polarity(self, t: Text, start: int, end: int, conds, *, question_ok=False):
        """(polarity, condition) for a phrase at start..end, or None when it sits inside a
        condition (it is then part of the condition, not an act)."""
        if _inside(start, conds):
            return None
        if self._negated(t, start, end, conds):
            return DENIED, None
        if not question_ok and self._asked(t, start):
            return ASKED, None
        cond = _governing(t, start, conds)
        if cond is not None:
            if cond:
                return CONDITIONAL, cond
            return CONDITIONAL, {}
        return SAID, None

    # -------------------------------------------------------- reading
    def read(self, raw: str) -> list[Act]:
        """The acts of one reply. A reply is read once: the simulated customer reads it when
        it is sent and the scorer reuses that reading (a bounded cache keyed by the text)."""
        got = self._readings.get(raw)
        if got is None:
            got = tuple(self._read(raw))
            if len(self._readings) >= READ_CACHE:
                self._readings.clear()
            self._readings[raw] = got
        return list(got)

    def clear_cache(self) -> None:
        self._readings.clear()

    def _read(self, raw: str) -> list[Act]:
        t = self.cut(raw)
        if not t.words:
            return []
        conds = self._conditions(t)
        acts: list[Act] = []
        taken: list[tuple[int, int]] = []  # spans of ask_data(account) etc.: not steps

        def add(act, pol, start, end, cond=None, **slots):
            items = list(slots.items())
            if cond:
                items.append(("if", tuple(sorted(cond.items()))))
            acts.append(Act(act, pol, tuple(items), start, end, t.quote(start, end)))

        # phrase acts
        for act, matcher in self.phrases.items():
            seen_end = -1
            for s, e, p in matcher.find(t):
                if s <= seen_end and act != "ask_data":
                    continue
                if act == "unprofessional":
                    if {"harus", "perlu", "apalagi"} & set(t.words[max(0, s - 2): s]):
                        continue  # "apalagi harus urus sendiri": sympathy, not dismissal
                    if p.value == "blame" and {"bukan", "tidak"} & {
                            t.words[k] for k in range(max(0, s - 2), s)
                            if t.clause[k] == t.clause[s]}:
                        continue  # "bukan kesalahan Ibu kok": reassurance
                    add(act, SAID, s, e, kind=p.value)
                    seen_end = e
                    continue
                if act in ("ask_data",):
                    if _inside(s, conds):
                        continue
                    if p.value == "account" and not self._account_question(t, s, e):
                        continue
                    if p.value == "email" and t.sent[s] not in t.question and not (
                            QUESTION_WORDS | self.ask_frames).intersection(t.sentence(s)):
                        continue  # "email barunya sudah sy catat": no question
                    pol = DENIED if self._no_need(t, s) else SAID
                    add(act, pol, s, e, field=p.value)
                    taken.append((s, e))
                    seen_end = e
                    continue
                got = self._polarity(t, s, e, conds, question_ok=act in (
                    "ask_more", "hold", "greet", "introduce", "close", "empathy"))
                if got is None:
                    continue
                pol, cond = got
                if act in ("greet", "introduce", "close", "ask_more", "hold", "empathy"):
                    if pol == DENIED and not (act == "empathy" and not self.set[
                            "negators"].isdisjoint(t.words[max(0, s - 1): e + 1])):
                        continue  # but "bukan kesalahan Ibu", "Bapak tidak salah" reassure
                    pol, cond = SAID, None
                if act == "announce_forward":
                    if not self._forward_ok(t, s, e, p.value):
                        continue
                    if any(w in ("sebelum", "sblm") for w in t.words[max(0, s - 3):s]):
                        continue  # "sebelum kami teruskan, ...": not forwarded (yet)
                    if t.sent[s] not in t.question and FORWARD_PAST & {
                            w for k, w in enumerate(t.words[:e + 1]) if t.clause[k] == t.clause[s]}:
                        continue  # "bulan lalu sudah pernah diteruskan": an earlier forward
                    if pol == DENIED and "jangan" in t.words[max(0, s - 3): e + 1]:
                        continue  # "jangan teruskan email itu": a warning, no forward
                    if self._customer_does(t, s) or "terdekat" in t.words[s: e + 3]:
                        continue  # "Bapak bisa mengajukan ke kantor PLN terdekat": advice
                    if pol == SAID:
                        pol, cond = self._forward_mood(t, s, e, pol, cond)
                if act in ("announce_forward", "promise_contact") and pol == SAID:
                    will = self._will_condition(t, s, conds)
                    if will:
                        pol, cond = CONDITIONAL, {}
                if act == "promise_contact" and self._cso_self(t, s, e):
                    continue
                slot = {"greet": {}, "introduce": {}, "close": {}, "ask_more": {},
                        "hold": {}, "empathy": {}}.get(act)
                if slot is None:
                    name = {"announce_forward": "target", "promise_contact": "who",
                            "email_used_advice": "option"}.get(act, "value")
                    slot = {name: p.value}
                add(act, pol, s, e, cond, **slot)
                seen_end = e

        self._introduce(t, acts, add)
        self._steps(t, conds, taken, acts, add)
        self._channels(t, conds, taken, acts, add)
        self._amounts(t, conds, add)
        self._confirm(t, acts, add)
        self._ask_fields(t, conds, acts, add)
        self._language(t, add)
        self._apology(t, acts, add)
        self._bare_hold(t, acts, add)
        acts = self._forward_targets(t, acts)
        acts = self._settle_context(t, acts)
        return _dedupe(_settle(_settle_email(acts, t)))

    # -------------------------------------------------------- "dengan Rina"
    def _introduce(self, t: Text, acts: list[Act], add) -> None:
        if (t.words and t.words[0] in ("pagi", "siang", "sore", "malam")
                and not any(a.act == "greet" for a in acts)
                and (len(t.words) == 1 or t.clause[1] != t.clause[0])):
            add("greet", SAID, 0, 0)  # "Pagi, PLN 123."
        raw, hon = t.raw, self.set["honorifics"]
        vocab = self.reader.vocab
        greet_sents = {t.sent[a.start] for a in acts if a.act in ("greet", "introduce")}
        for i, w in enumerate(t.lower):
            if w not in ("saya", "sy", "aku") or i + 1 >= len(t.words):
                continue
            k = i + 1
            nxt = t.lower[k]
            if t.sent[k] != t.sent[i] or nxt in hon or nxt.isdigit() or len(nxt) < 3:
                continue
            if (t.words[k] in vocab or nxt in self.set["indonesian"] or nxt in vocab
                    or t.words[k] in self.set["confirm_markers"] or nxt in self.spellings):
                continue  # "saya ulangi", "saya cek": a verb
            if not raw[t.spans[k][0]].isupper() and (
                    nxt.endswith(("kan", "nya", "lah")) or (
                        len(nxt) > 6 and nxt.startswith(("ber", "mem", "men", "meng", "ter")))):
                continue  # "saya bacakan", "saya berbicara": a verb, not a name
            follow = t.lower[k + 1] if k + 1 < len(t.lower) else ""
            ends = k + 1 >= len(t.words) or t.clause[k + 1] != t.clause[k]
            capital = raw[t.spans[k][0]].isupper()
            if not capital and t.sent[i] not in greet_sents and t.sent[i] != 0:
                continue  # "mohon maaf, saya ralat": a verb; "Halo, sy dimas": a name
            if not (t.sent[i] in greet_sents or follow in ("dari", "cso", "pln", "yang", "yg", "di")
                    or (capital and ends)):
                continue  # "Oh maaf, saya lompat.": a verb
            add("introduce", SAID, i, k, name=raw[t.spans[k][0]: t.spans[k][1]])
            return
        for i, w in enumerate(t.words[:-2]):
            if w in ("saya", "kami") and t.words[i + 1] == "dari" and t.words[i + 2] == "pln":
                add("introduce", SAID, i, i + 2, name="PLN 123")  # "kami dari PLN 123"
                return
        for i in t.index.get("dengan", []):
            if i + 1 >= len(t.words) or t.sent[i + 1] != t.sent[i]:
                continue
            k = i + 1
            if t.lower[k] == "saya" and k + 1 < len(t.words):
                k += 1
            a, _ = t.spans[k]
            if t.lower[k] in hon or not raw[a].isupper() or t.words[k].isdigit():
                continue
            if "siapa" in t.words[i: i + 5]:
                continue
            add("introduce", SAID, i, k, name=raw[t.spans[k][0]: t.spans[k][1]])
            return

    # -------------------------------------------------------- channel offers
    def _channels(self, t: Text, conds, taken, acts, add) -> None:
        """A channel named is an offer unless it is named in a reason or an excuse, in a
        denial, in a question about an account or a past try, for another purpose ("token bisa
        dibeli di PLN Mobile") or as the place of another step ("kolom pencarian website")."""
        words, clause = t.words, t.clause
        frames, reasons, failures = self.set["frames"], self.set["reasons"], self.set["failures"]
        invite, account, past = self.set["invite"], self.set["account"], self.set["past"]
        negs = self.set["negators"]
        purposes = [(s, e) for s, e, _ in self.purposes.find(t)]
        last_end = -1
        hits = self.channels.find(t)
        for n_, (s, e, p) in enumerate(hits):
            if s <= last_end:
                continue
            for s2, e2, p2 in hits[n_ + 1:]:  # "website www.pln.co.id": one mention
                if s2 == e + 1 and p2.value == p.value:
                    e = e2
            last_end = e
            if any(a <= s <= b or a <= e <= b for a, b in taken):
                continue  # "punya akun di website?" asks for data, offers nothing
            cond_here = [c for c in conds if c[0] <= s <= c[1]]
            if cond_here and (cond_here[0][2] is not None or not self.set["negators"].isdisjoint(
                    words[cond_here[0][0]: s])):
                continue  # "kalau sudah punya akun di website", "apabila tidak berkenan lewat web"
            happened = [k for k in range(max(0, s - 4), s)
                        if words[k] in self.set["past_context"]
                        and not (k > 0 and words[k - 1] in ("setiap", "kapan", "sewaktu"))]
            if not NOT_OFFER_BEFORE.isdisjoint(words[max(0, s - 2): s]) or happened:
                continue  # "berdomain pln.co.id", "seperti di website", "saat mendaftar di web"
            c = clause[s]
            first = s
            while first > 0 and clause[first - 1] == c:
                first -= 1
            last = e
            while last + 1 < len(words) and clause[last + 1] == c:
                last += 1
            before, after = words[first:s], words[e + 1: last + 1]
            if not account.isdisjoint(before + after) and (
                    t.sent[s] in t.question or not past.isdisjoint(before)):
                continue  # a question about an account
            invited = not invite.isdisjoint(words[first:last + 1])
            if not invited and self._channel_question(t, s, first) and any(
                    w in past for w in before):
                self._offer(add, ASKED, s, e, None, p.value)  # "sudah dicoba di web ...?"
                continue
            sent_before = [w for k, w in enumerate(words[:s]) if t.sent[k] == t.sent[s]]
            if "terima" in sent_before and {"bersedia", "mau", "berkenan"} & set(sent_before):
                continue  # "terima kasih sudah bersedia mencoba lewat website": accepted before
            y = max((k for k in range(first, s) if words[k] in ("yang", "yg")), default=None)
            if y is not None and not negs.isdisjoint(words[y:s]):
                continue  # "email yang belum pernah didaftarkan di website": a description
            r = max((k for k in range(first, s) if words[k] in reasons), default=None)
            if r is not None and (not not POSSIBLE.isdisjoint(words[r + 1: last + 1])
                                  or not negs.isdisjoint(words[r + 1: s])):
                # named in a reason: "karena website sedang gangguan", "krn bpk gak bisa akses
                # web"; but "karena invoice-nya bisa dilihat di website" offers it
                continue
            if not failures.isdisjoint(after) or (
                    not failures.isdisjoint(before) and not not frames.isdisjoint(before)):
                continue  # named in an excuse
            if any(t.sent[a] == t.sent[s] and t.clause[a] == c for a, _ in purposes):
                continue  # for another purpose than bills
            if set(words[max(0, s - 3): s]) & PLACES:
                continue  # the place of another step: "ketik IDPEL di kolom pencarian website"
            if not account.isdisjoint(before + after) and (
                    t.sent[s] in t.question or not past.isdisjoint(before)):
                continue  # a question about an account
            if self._negated(t, s, e, conds):
                if (not negs.isdisjoint(after) and not not negs.isdisjoint(before)
                        and before[-1:] not in (["di"], ["lewat"], ["melalui"], ["via"])):
                    continue  # "website tidak bisa diakses": an excuse, not an offer denied
                self._offer(add, DENIED, s, e, None, p.value)
                continue
            invited = not invite.isdisjoint(before) or any(
                w in invite for w in words[first:last + 1])
            if not invited and self._channel_question(t, s, first):
                self._offer(add, ASKED, s, e, None, p.value)
                continue
            sentence = {w for k, w in enumerate(words) if t.sent[k] == t.sent[s]}
            if not invited and frames.isdisjoint(sentence) and (
                    not CHANNEL_STATE.isdisjoint(after) or "akun" in before[-2:]):
                continue  # "website PLN sekarang sudah pakai https": told about, not offered
            cond = _governing(t, s, conds)
            self._offer(add, CONDITIONAL if cond else SAID, s, e, cond, p.value)

    def _channel_question(self, t: Text, s: int, first: int) -> bool:
        """"Sudah pernah cek lewat web PLN?", "Bapak punya aplikasi PLN Mobile?"."""
        if self._asked(t, s):
            return True
        if t.sent[s] not in t.question:
            return False
        sentence = t.sentence(s)
        markers = self.set["past"] | {"biasanya", "biasa", "punya", "ada", "apa", "apakah",
                                      "pakai", "menggunakan", "install", "instal", "menginstal"}
        return any(w in markers for w in sentence[: max(1, s - first + 1)] + sentence[:3])

    @staticmethod
    def _offer(add, pol, s, e, cond, channel) -> None:
        add("offer_channel", pol, s, e, cond, channel=channel)
        if channel == "website":
            add("website_step", pol, s, e, cond, step="4a")

    # -------------------------------------------------------- asking for data
    def _no_need(self, t: Text, s: int) -> bool:
        c = t.clause[s]
        return any(t.clause[a] == c or t.clause[b] == c for a, b, _ in self.no_need.find(t))

    def _account_question(self, t: Text, s: int, e: int) -> bool:
        """"Sudah punya akun?" asks; "karena Bapak belum punya akun, ..." tells; "sudah klik
        Daftar Akun?" asks about a step."""
        span = t.words[s: e + 1]
        sentence = t.sentence(s)
        if any(w in ("klik", "tekan", "pilih", "tombol") for w in span) or any(
                w in ("login", "masuk", "notifikasi", "email") for w in sentence):
            return False  # a question about a step or an error, not about having an account
        first = s
        while first > 0 and t.clause[first - 1] == t.clause[s]:
            first -= 1
        if any(w in self.set["reasons"] for w in t.words[first:s]):
            return False
        sentence = t.sentence(s)
        return (t.sent[s] in t.question or "apakah" in sentence or sentence[-1:] == ["belum"]
                or "belum" in t.words[e + 1: e + 4])

    def _ask_fields(self, t: Text, conds, acts: list[Act], add) -> None:
        """"Boleh minta IDPEL-nya?", "IDPEL nya brp?", "nomor HP tidak perlu disebutkan"."""
        words, clause = t.words, t.clause
        step_clauses = {t.clause[a.start] for a in acts if a.act == "website_step"}
        confirmed = {(t.sent[a.start], a.slot("field")) for a in acts if a.act == "confirm_data"}
        asked = {a.slot("field") for a in acts if a.act == "ask_data"}
        frames = self.ask_frames
        # a sentence that asks for one field asks for the others it lists ("mohon sebutkan
        # nama dan IDPEL"), and a list after "mohon informasikan:" too
        ask_sents = {t.sent[a.start] for a in acts if a.act == "ask_data" and a.polarity == SAID}
        for k, w in enumerate(t.words):
            if w in frames and t.raw[t.spans[k][1]:].lstrip()[:1] == ":":
                ask_sents.update(range(t.sent[k], t.sent[k] + 6))
        for k, w in enumerate(t.words):  # "Boleh IDPEL-nya? Atau nama dan alamat juga bisa."
            if w in ("atau", "dan") and (k == 0 or t.sent[k - 1] != t.sent[k]) and (
                    t.sent[k] - 1 in ask_sents):
                ask_sents.add(t.sent[k])
        field_words = {w for _, _, p in self.fields.find(t) for alts in p.alts for w in alts}
        last_end = -1
        for s, e, p in self.fields.find(t):
            if s <= last_end:
                continue
            last_end = e
            field_ = p.value
            if field_ in asked or (t.sent[s], field_) in confirmed:
                continue
            if field_ == "email" and t.sent[s] not in ask_sents and self.email_frames.isdisjoint(
                    w for k, w in enumerate(words[max(0, s - 3): e + 4], start=max(0, s - 3))
                    if clause[k] == clause[s]):
                continue  # "dikirim via email?" asks for nothing; "IDPEL sama emailnya?" does
            if s > 0 and words[s - 1] in ("pemilik", "atas"):
                continue  # "nama pemilik IDPEL": the field is not what is asked
            if _inside(s, conds) or clause[s] in step_clauses:
                continue
            if field_ == "name" and s > 0 and words[s - 1] == "atas":
                continue
            if field_ == "address" and e + 1 < len(words) and words[e + 1] == "email":
                continue
            if self._no_need(t, s):
                add("ask_data", DENIED, s, e, field=field_)
                asked.add(field_)
                continue
            c = clause[s]
            nxt = c + 1
            near = [w for k, w in enumerate(words[max(0, s - 3): e + 4], start=max(0, s - 3))
                    if clause[k] == c and not (w == "mohon" and words[k + 1: k + 2] == ["maaf"])]
            last_of_sentence = _last_clause_of_sentence(t, c) or (
                any(clause[k] == nxt and t.sent[k] == t.sent[s] for k in range(len(words)))
                and _last_clause_of_sentence(t, nxt))
            question = t.sent[s] in t.question and last_of_sentence
            rest = [w for k, w in enumerate(words) if t.sent[k] == t.sent[s] and k > e]
            first_word = min(k for k in range(len(words)) if t.sent[k] == t.sent[s])
            bare = (s == first_word or words[first_word:s] in (["atau"], ["dan"])) and all(
                w in BARE_REST or w in field_words for w in rest)
            if not frames.isdisjoint(near) or question or t.sent[s] in ask_sents or bare:
                add("ask_data", SAID, s, e, field=field_)
                asked.add(field_)
                ask_sents.add(t.sent[s])
                if t.raw[t.spans[e][1]:].lstrip().startswith(":") or _ends_with_colon(t, s):
                    ask_sents.update(range(t.sent[s] + 1, t.sent[s] + 6))

    # -------------------------------------------------------- website steps
    def _list_items(self, t: Text) -> list[tuple[int, int, Pattern]]:
        """"Pelayanan Pelanggan → ... → Masuk", "4. Masuk": a bare "Masuk"/"Login" standing
        as an item of a list of menus is the login step."""
        if not LIST_SEP.search(t.raw):
            return []
        out = []
        for k, w in enumerate(t.words):
            item = (self._login_item if w in ("masuk", "login", "signin")
                    else self._agree_item if w in ("setuju", "agree") else None)
            if item is None:
                continue
            a, b = t.spans[k]
            before = t.raw[:a].rstrip(" \t*_'\"")
            after = t.raw[b:].lstrip(" \t*_'\"")
            if LIST_BEFORE.search(before) and (not after or LIST_AFTER.match(after)):
                out.append((k, k, item))
        return out

    def _steps(self, t: Text, conds, taken, acts, add) -> None:
        hits = [h for h in self.steps.find(t) + self._list_items(t) if not _inside(h[0], conds)]
        # the longest phrase wins where two overlap ("info tagihan listrik" is 4c, not 4-info)
        chosen: list[tuple[int, int, Pattern]] = []
        for s, e, p in sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0])):
            if any(not (e < a or s > b) for a, b, _ in chosen):
                continue
            chosen.append((s, e, p))
        chosen.sort(key=lambda h: h[0])
        registration_seen = False
        blame_sents = {t.sent[a.start] for a in acts
                       if a.act == "unprofessional" and a.slot("kind") == "blame"}
        mobile_sents = {t.sent[s] for s, _, p in self.channels.find(t) if p.value == "pln_mobile"}
        web_sents = {t.sent[s] for s, _, p in self.channels.find(t) if p.value == "website"}
        for s, e, p in chosen:
            if any(a <= s <= b for a, b in taken):
                continue
            if t.sent[s] in mobile_sents and t.sent[s] not in web_sents:
                continue  # steps in PLN Mobile, not on the website
            if s > 0 and t.words[s - 1] in ("unit", "pelaksana", "pusat"):
                continue  # "Unit Layanan Pelanggan" is an office, not the menu
            if any(w in self.set["past_context"] and t.clause[k] == t.clause[s]
                   and THEN.isdisjoint(t.words[k + 1: s])
                   for k, w in enumerate(t.words[max(0, s - 3): s], start=max(0, s - 3))):
                if t.sent[s] in t.question:
                    add("website_step", ASKED, s, e, step=p.value)  # "tadi sudah klik Setuju?"
                continue  # "saat mendaftar di website": what happened, not a step
            if s > 0 and t.words[s - 1] in ("halaman", "lupa") or "reset" in t.words[s:e + 1]:
                continue  # "halaman login", "link reset dikirim": not the step
            if t.sent[s] in blame_sents or "pandu" in t.words[max(0, s - 3): s]:
                continue  # "salah Ibu sendiri gak baca syarat ...", "mau saya pandu daftar?"
            c = t.clause[s]
            before = [w for k, w in enumerate(t.words[max(0, s - 4): s], start=max(0, s - 4))
                      if t.clause[k] == c]
            markers = self.set["conditions"] | self.set["temporal_markers"] | {"yang"}
            state = [k for k in range(max(0, s - 4), s) if t.clause[k] == c
                     and t.words[k] in DONE and not _inside(k, conds)
                     and not (k > 0 and t.words[k - 1] in markers)]
            if state and t.sent[s] not in t.question:
                continue  # "udh login ya bu", "kemarin sudah berhasil daftar": a state, no step
            if t.words[s] == "tombol" and not {"klik", "tekan", "pilih"} & set(before):
                continue  # "di bawah tombol Masuk ada tulisan ...": a description
            if not self.set["cso_self"].isdisjoint(before[-2:]) and "maksud" not in before:
                continue  # "saya cek dulu email yang terdaftar": the CSO's own work (but
                # "maksud saya menu Pelayanan Pelanggan" corrects a step)
            if p.value == "4j" and not {"struk", "meteran", "kwitansi", "kertas"}.isdisjoint(
                    t.sentence(s)):
                continue  # "cari IDPEL di struk pembayaran": not on the website
            step = p.value
            if step == "4j" and any(w in self.set["cso_self"] for w in t.words[max(0, s - 2):s]):
                continue  # "sy input idpel ...": the CSO's own work, not a step to do
            if step in self.registration_steps and not self._negated(t, s, e, conds):
                registration_seen = True
            if step in self.login_steps and len(self.login_steps) == 2:
                with_acc, after_reg = self.login_steps
                sentence = t.words[max(0, s - 8): e + 6]
                cond = _governing(t, s, conds) or {}
                if cond.get("has_account") is True or (
                        {"terdaftar", "punya", "memiliki"} & set(t.words[max(0, s - 8): s])
                        and not registration_seen):
                    step = with_acc  # "kalau sudah punya akun, login", "karena sudah terdaftar"
                elif registration_seen or cond.get("has_account") is False or any(
                        w in ("didaftarkan", "dibuat", "daftarkan", "tadi", "barusan", "baru")
                        for w in sentence):
                    step = after_reg
                else:
                    step = with_acc
            inside = [c for c in conds if c[0] <= s <= c[1]]
            if inside:
                # "kalau sudah punya akun": the condition; "setelah login, ketik IDPEL": a
                # step referred back to, not given again
                continue
            got = self._polarity(t, s, e, conds)
            if got is None:
                continue
            pol, cond = got
            if pol == SAID:  # "Login kalau sudah punya akun.": the condition after the step
                after = [c for a, b, c in conds if a > e and t.clause[a] == t.clause[s] and c]
                if after:
                    pol, cond = CONDITIONAL, after[0]
            add("website_step", pol, s, e, cond, step=step)

    # -------------------------------------------------------- amounts
    def _amounts(self, t: Text, conds, add) -> None:
        raw = t.raw
        low = raw.lower()
        found: list[tuple[int, int, int, bool]] = []  # start char, end char, value, unit
        money_context = {w[:-3] if w.endswith("nya") else w for w in t.lower}
        for m in AMOUNT.finditer(low):
            rp, digits, dec, unit, an, rupiah = m.groups()
            if unit and (re.fullmatch(r"\d+[.,]\d{1,2}", digits) or (
                    unit in ("juta", "jt") and re.fullmatch(r"\d{1,3}[.,]\d{3}", digits))):
                whole, frac = re.split(r"[.,]", digits)
                digits, dec = whole, frac  # "1.5jt", "1,2 juta", "1,085 jt"
            plain = re.sub(r"[.,]", "", digits)
            grouped = digits != plain
            if not (rp or unit or rupiah or grouped) and not (
                    4 <= len(plain) <= 9 and MONEY_WORDS & money_context
                    and not re.fullmatch(r"(19|20)\d\d", plain)):
                continue  # a bare number is money only next to "tagihan", "total" (not a year)
            if NOT_MONEY_AFTER.match(low, m.end()) or NOT_BILL_AFTER.match(low, m.end()):
                continue
            if not (rp or unit or rupiah) and not MONEY_WORDS & money_context and not (
                    grouped and (APPROX_WORDS & money_context
                                 or money_context.intersection(MONTHS))):
                continue  # "stand meter 12.340": a number, not money ("Oktober 512.300" is)
            if not rp and not unit and not rupiah and len(plain) > 9:
                continue
            if len(plain) > 15 or len(dec or "") > 15:
                continue  # no bill has that many digits (and int/float would overflow)
            value = float(f"{int(plain)}.{dec}") if dec else float(int(plain))
            if unit:
                if dec is None and grouped and "," in digits and len(digits.split(",")[-1]) != 3:
                    pass
                if not grouped and "," in m.group(2):
                    pass
                # "1,2 juta": the regex took "1" and decimals "2"
                value = value * UNITS[unit]
            if found and unit and re.fullmatch(r"\s*(?:dan\s+)?", low[found[-1][1]:m.start()]) and (
                    found[-1][2] % 1_000_000 == 0 and value < 1_000_000
                    or found[-1][2] % 1_000 == 0 and value < 1_000) and found[-1][2] > value:
                a0, _, v0, u0 = found.pop()  # "1 juta 85 ribu", "1juta 85ribu"
                found.append((a0, m.end(), v0 + int(round(value)), u0))
                continue
            if found and rupiah and not unit and re.fullmatch(r"\s*(?:dan\s+)?", low[
                    found[-1][1]:m.start()]) and found[-1][2] % 1_000 == 0 and value < 1_000:
                a0, _, v0, u0 = found.pop()  # "345 ribu 500 rupiah"
                found.append((a0, m.end(), v0 + int(round(value)), u0))
                continue
            found.append((m.start(), m.end(), int(round(value)), bool(unit or an)))
        # "1,2 juta" read as digits "1" + ",2" decimals above; words next
        i = 0
        words = t.lower
        while i < len(words):
            got = words_number(words, i)
            if got is None:
                i += 1
                continue
            value, j = got
            is_money = (j < len(words) and words[j] in ("rupiah", "rp")) or any(
                w in _BIG for w in words[i:j])
            approx_words = j < len(words) and words[j] in ("ribuan", "jutaan")
            if approx_words:
                value *= 1000 if words[j] == "ribuan" else 1_000_000
                j += 1
                is_money = True
            if is_money and value >= 1000 and (j - i >= 2 or words[i] in ("sejuta", "seribu")):
                found.append((t.spans[i][0], t.spans[j - 1][1], value, approx_words))
            i = max(j, i + 1)
        for a, b, value, _unit in found:
            s = t.word_at(a)
            e = max(s, t.word_at(b - 1))
            before = " ".join(t.lower[max(0, s - 3): s])
            after = t.lower[e + 1] if e + 1 < len(t.lower) else ""
            approx = bool(re.search(r"sekitar|kurang lebih|kira|kisaran|hampir|lebih dari|±|"
                                    r"sktr|kurleb", before)) or raw[max(0, a - 2):a].strip() == "±"
            approx = approx or t.lower[e].endswith("an") and t.lower[e] in ("ribuan", "jutaan")
            approx = approx or after in ("an", "lebih", "an-an")
            month = next((w for w in t.lower[max(0, s - 6): e + 6] if w in MONTHS), None)
            pol = DENIED if self._negated(t, s, e, conds) else SAID
            slots: dict[str, Any] = {"amount": value, "approximate": approx}
            if month:
                slots["month"] = month
            add("state_amount", pol, s, e, **slots)

    # -------------------------------------------------------- confirming data
    def _confirm(self, t: Text, acts: list[Act], add) -> None:
        """Data read back for confirmation: a value (12 digits, an e-mail address, 08...,
        "a.n. Budi", "Jl. Melati No. 12") with "benar/betul/sesuai/...?", a question, or "ya"
        right after it."""
        raw = t.raw
        step_clauses = {t.clause[a.start] for a in acts if a.act == "website_step"}
        found: list[tuple[str, int, int]] = []  # field, first word, last word
        taken: list[tuple[int, int]] = []
        for field_, rx in (("email", EMAIL), ("phone", PHONE), ("idpel", DIGITS12),
                           ("meter", DIGITS11)):
            for m in rx.finditer(raw):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append(m.span())
                found.append((field_, t.word_at(m.start()), t.word_at(m.end() - 1)))
        found.extend(self._spelled(t))
        found.extend(self._names(t))
        found.extend(self._addresses(t))
        for field_, s, e in found:
            if field_ == "idpel" and t.clause[s] in step_clauses:
                continue  # "ketik IDPEL 5321... di kolom pencarian"
            if self._confirmed(t, s, e):
                add("confirm_data", SAID, s, e, field=field_)

    def _confirmed(self, t: Text, s: int, e: int) -> bool:
        markers = self.set["confirm_markers"]
        if t.sent[s] in t.question:
            return True
        sents = {t.sent[s] - 1, t.sent[s], t.sent[s] + 1, t.sent[s] + 2}
        if any(w in markers for k, w in enumerate(t.words) if t.sent[k] in sents):
            return True
        after = t.words[e + 1: e + 3]
        return "ya" in after[:1] or (
            after[:1] in (["a"], ["atas"]) and "ya" in t.words[e + 1: e + 7])

    def _spelled(self, t: Text) -> list[tuple[str, int, int]]:
        """Digits said as words ("lima tiga dua satu ...") and spelled addresses ("... at
        example dot co dot id")."""
        out = []
        words = t.lower
        i = 0
        while i < len(words):
            j = i
            digits = []
            while j < len(words) and (words[j] in _DIGITS or words[j] == "nol" or words[j].isdigit()
                                      and len(words[j]) <= 4):
                digits.append(words[j])
                j += 1
            n = sum(len(w) if w.isdigit() else 1 for w in digits)
            if n >= 10 and any(not w.isdigit() for w in digits):
                field_ = "phone" if digits[:2] == ["nol", "delapan"] else (
                    "idpel" if n == 12 else "meter" if n == 11 else "phone")
                out.append((field_, i, j - 1))
            i = max(j, i + 1)
        for i in t.index.get("at", []):
            if "dot" in words[i: i + 6] and i > 0:
                out.append(("email", max(0, i - 3), i + 3))
        return out

    def _names(self, t: Text) -> list[tuple[str, int, int]]:
        """"atas nama Budi Santoso", "a.n. Ratna Sari", "dengan Bapak Agus ya?"."""
        out = []
        words, raw = t.lower, t.raw
        hon = self.set["honorifics"]
        for i, w in enumerate(words):
            k = None
            if w == "atas" and i + 1 < len(words) and words[i + 1] == "nama":
                k = i + 2
            elif w == "a" and i + 1 < len(words) and words[i + 1] == "n":
                k = i + 2
            elif w in ("dengan", "dgn", "dg") and i + 2 < len(words) and words[i + 1] in hon:
                k = i + 2
            elif w == "name" and i > 0 and words[i - 1] == "the":
                k = i + 1  # "under the name Mr. Joko Susilo, correct?"
            if k is None or k >= len(words):
                continue
            while k < len(words) and (words[k] in hon or words[k] in ("mr", "mrs", "ms")):
                k += 1
            if k >= len(words) or words[k] in ("siapa", "saya", "kami"):
                continue
            if not raw[t.spans[k][0]].isupper():
                continue
            end = k
            while end + 1 < len(words) and raw[t.spans[end + 1][0]].isupper() and (
                    t.sent[end + 1] == t.sent[k]):
                end += 1
            out.append(("name", i, end))
        return out

    def _addresses(self, t: Text) -> list[tuple[str, int, int]]:
        out = []
        marks = {"jl", "jalan", "perum", "perumahan", "blok", "rt", "rw", "gg", "gang", "kel",
                 "kelurahan", "kec", "kecamatan", "komplek", "kompleks", "desa", "dusun"}
        for s, e, p in self.fields.find(t):
            if p.value != "address":
                continue
            sent = [k for k in range(len(t.words)) if t.sent[k] == t.sent[s]]
            if any(t.lower[k] in marks for k in sent if k > e):
                out.append(("address", s, sent[-1]))
        if not out:  # "atas nama Ibu Ratna, Jl. Melati No. 12 Sleman, sesuai?"
            for k, w in enumerate(t.lower):
                if w in ("jl", "jln", "jalan", "gg", "perum", "perumahan", "komplek") and (
                        k + 1 < len(t.words) and t.raw[t.spans[k + 1][0]].isupper()):
                    out.append(("address", k, k + 1))
                    break
        return out

    # -------------------------------------------------------- another language
    def _language(self, t: Text, add) -> None:
        words = [w for w in t.lower if not w.isdigit() and len(w) > 1]  # "d-e-w-i" spells
        if 2 <= len(words) <= 3 and all(w in self.set["english"] for w in words) and (
                not LOANWORDS.issuperset(words)):
            add("unprofessional", SAID, 0, len(t.words) - 1, kind="other_language")
            return  # "Okay, 530117782045, correct?"
        if len(words) >= 3:
            # names, numbers and "www.pln.co.id" are neither language: count known words only
            eng = sum(1 for w in words if w in self.set["english"])
            ind = sum(1 for w, cw in zip(t.lower, t.words, strict=True)
                      if not w.isdigit() and (w in self.set["indonesian"]
                                              or cw in self.set["indonesian"]))
            regional = sum(1 for w in words if w in self.set["regional"])
            if (eng >= 3 and ind <= 1 and eng >= 0.4 * len(words)) or (
                    regional >= 2 and regional > ind):  # "nggih Pak, mohon ..." is Indonesian
                add("unprofessional", SAID, 0, len(t.words) - 1, kind="other_language")
                return
        if ROLLS.search(t.raw):
            add("unprofessional", SAID, 0, len(t.words) - 1, kind="rude")  # 🙄 at the customer
            return
        caps = [w for w in CAPS.findall(t.raw) if w not in self.set["caps_ok"]]
        if len(caps) >= 3 and len(caps) >= 0.5 * len(t.words) and (
                "!" in t.raw or "??" in t.raw):
            # shouting: capitals with exclamation marks (capitals alone are a writing style)
            add("unprofessional", SAID, 0, len(t.words) - 1, kind="rude")

    def channel_named(self, text: str) -> str | None:
        """The words around the first channel named in a reply, offered or not (feedback can
        then say "named, not offered")."""
        t = self.cut(text)
        hits = self.channels.find(t)
        return t.quote(hits[0][0], hits[0][1], 6) if hits else None

    def languages(self, text: str) -> set[str]:
        """Other languages a text uses ("english", "regional"), by at least two of its words."""
        words = [w.lower() for w in WORD.findall(text)]
        out = set()
        if sum(1 for w in words if w in ENGLISH_FUNCTION) >= 2:
            out.add("english")
        if sum(1 for w in words if w in self.set["regional"]) >= 2:
            out.add("regional")
        return out

    # -------------------------------------------------------- checks on phrase acts
    def _bare_hold(self, t: Text, acts: list[Act], add) -> None:
        for s in set(t.sent):
            words = t.sentence(t.sent.index(s))
            if words in (["tunggu"], ["tunggu", "ya"], ["sebentar", "ya"]) and not any(
                    a.act == "hold" for a in acts):
                k = t.sent.index(s)
                add("hold", SAID, k, k + len(words) - 1)  # "541002983317 ya? Tunggu."

    def _apology(self, t: Text, acts: list[Act], add) -> None:
        if any(a.act == "empathy" for a in acts):
            return
        if any(a.act == "unprofessional" for a in acts):
            return
        polite, negs = self.set["polite"], self.set["negators"]
        trouble = self.set["trouble"]
        for s, e, _ in self.apologies.find(t):
            sentence = [(k, w) for k, w in enumerate(t.words) if t.sent[k] == t.sent[s] and k > e]
            nxt = [w for k, w in sentence[:4] if w not in TRAILING]
            if not trouble.isdisjoint(nxt[:3]):
                add("empathy", SAID, s, e)  # "mohon maaf menunggu lama", "maaf atas ..."
                return
            if not polite.isdisjoint(nxt):
                continue  # "maaf, boleh minta IDPEL?": a polite prefix
            if t.sent[s] in t.question:
                continue  # "maaf Pak, maksudnya bulan lalu?": a polite prefix to a question
            rest = [w for _, w in sentence]
            if "memang" in rest or "harus" in rest or not negs.isdisjoint(rest) and (
                    "karena" not in rest):
                continue  # "mohon maaf, invoice tidak dikirim lewat ...": a policy
            add("empathy", SAID, s, e)
            return

    def _settle_context(self, t: Text, acts: list[Act]) -> list[Act]:
        """What a phrase means by the reply around it: PLN 123 named in an opening
        introduces, in a farewell it closes; "mohon ditunggu, Bapak akan dihubungi" is no hold;
        the nearest PLN office in a forward is no advice."""
        named = any(a.act == "introduce" and a.slot("name") and t.sent[a.start] <= 1
                    for a in acts)
        starts_greeting = any(a.act == "greet" and a.start <= 1 for a in acts) or (
            t.words[:2] == ["pln", "123"] or t.words[1:3] == ["pln", "123"])
        offers_help = any(not {"lagi", "lain", "lainnya"} & {
            w for k, w in enumerate(t.words) if t.sent[k] == t.sent[s]}
            for s, _, _ in self.openers.find(t))  # "ada yang bisa dibantu (lagi)?"
        asks_more = any(a.act == "ask_more" for a in acts)
        opening = (named or offers_help or starts_greeting) and not asks_more
        promise_sents = {t.sent[a.start] for a in acts
                         if a.act in ("promise_contact", "announce_forward")}
        promise_only = {t.sent[a.start] for a in acts if a.act == "promise_contact"}
        office_advice = any(a.act == "email_used_advice" and a.slot("option") == "office"
                            and a.polarity != DENIED for a in acts)
        out = []
        for a in acts:
            if a.act == "close" and opening:
                continue
            if a.act == "introduce" and not a.slot("name") and not opening:
                continue
            if a.act == "greet" and t.words[a.start] in ("halo", "hallo", "helo", "hai") and (
                    LINE_CHECK & {
                    w for k, w in enumerate(t.words) if t.sent[k] in (
                        t.sent[a.start], t.sent[a.start] + 1)}) and (
                    t.sent[a.start] in t.question):
                continue  # "Halo? Masih di sana?": checking the line, not greeting
            if (a.act == "unprofessional" and a.slot("kind") == "dismissive"
                    and any(x.act == "announce_forward" and x.polarity == SAID
                            and t.sent[x.start] == t.sent[a.start] for x in acts)):
                continue  # "bukan wewenang kami, namun akan kami teruskan ke Unit": polite
            if a.act == "ask_more" and t.sent[a.start] not in t.question and not (
                    {"lagi", "lainnya", "lain", "selain", "jelas", "clear", "bingung"}
                    & set(t.sentence(a.start))):
                continue  # "ada lagi tagihan bulan lalu ...": a statement
            if a.act == "ask_more" and not ASK_MORE_OBJECT.isdisjoint(t.sentence(a.start)):
                continue  # "ada nomor telepon lain?": asks for data, not for more
            if a.act == "hold" and (
                    {"proses", "prosesnya", "inbox", "kabar", "hari"} & set(t.sentence(a.start))):
                continue  # waiting for processing, an e-mail or news: not on the line
            if a.act == "hold" and (t.sent[a.start] in promise_only or any(
                    w in self.set["cso_self"] for w in t.words[max(0, a.start - 1): a.start])
                    or any(w in ("sudah", "menyela", "udah", "potong", "ganggu", "mengganggu")
                           for w in t.words[max(0, a.start - 2): a.end + 1])):
                continue  # "mohon ditunggu, Bapak akan dihubungi"; "sdh sy cek": done
            if a.act == "email_used_advice" and a.slot("option") == "office" and (
                    (t.sent[a.start] in promise_sents and a.polarity != DENIED) or not ADVICE & {
                        w for k, w in enumerate(t.words) if t.sent[k] == t.sent[a.start]}):
                continue  # the office named for a forward, or only described
            if (a.act == "email_used_advice" and a.slot("option") == "other_email"
                    and a.polarity != DENIED and not office_advice
                    and not REGISTRATION & set(t.words)
                    and not OTHER & set(t.words[a.start: a.end + 1])):
                continue  # "ganti email Invoice ke email baru": a correction, not the advice
            if a.act == "email_used_advice" and any(
                    x.act == "unprofessional" and x.slot("kind") == "dismissive"
                    and t.sent[x.start] == t.sent[a.start] for x in acts):
                continue  # "tanya ke kantor PLN aja, saya gak ngurusin": a brush-off
            if a.act == "email_used_advice" and any(
                    t.sent[x] == t.sent[a.start] for x, _, _ in self.purposes.find(t)):
                continue  # "hubungi ULP terdekat soal pasang baru": another matter
            if a.act == "email_used_advice" and any(
                    x.act == "confirm_data" and x.slot("field") == "email"
                    and t.sent[x.start] == t.sent[a.start] for x in acts):
                continue  # "email lain yang Bapak sebutkan, x@y.id, benar?": a read-back
            out.append(a)
        return out

    def _forward_targets(self, t: Text, acts: list[Act]) -> list[Act]:
        """One forward, its targets from the sentence: "laporan keluhan ke Unit" is both a
        KELUHAN report and a forward to the Unit; "kami teruskan" alone goes to the Unit."""
        out = []
        for a in acts:
            if a.act != "announce_forward":
                out.append(a)
                continue
            sent = set(t.sentence(a.start))
            targets = set()
            if sent & self.set["complaint_words"]:
                targets.add("keluhan")
            if sent & self.set["unit_words"] or not targets:
                targets.add("unit")
            for target in sorted(targets):
                slots = tuple((k, target if k == "target" else v) for k, v in a.slots)
                out.append(Act(a.act, a.polarity, slots, a.start, a.end, a.evidence))
        return out

    def _forward_ok(self, t: Text, s: int, e: int, target: str) -> bool:
        sent = t.sent[s]
        window = [w for k, w in enumerate(t.words) if t.sent[k] == sent]
        if any(w in self.set["not_forwarded"] for w in window):
            return False
        if target == "keluhan":
            # "laporan sudah kami buat" forwards only with a target: a complaint or the Unit
            return any(w in self.set["forward_targets"] for w in window) and "closed" not in window
        return True

    def _cso_self(self, t: Text, s: int, e: int) -> bool:
        first = s
        c = t.clause[s]
        while first > 0 and t.clause[first - 1] == c:
            first -= 1
        return any(w in self.set["cso_self"] for w in t.words[first:s]) and not any(
            w in ("unit", "ulp", "up3", "petugas", "pihak", "kantor") for w in t.words[first:e + 1])


def _inside(i: int, conds) -> bool:
    return any(a <= i <= b for a, b, _ in conds)


def _governing(t: Text, i: int, conds) -> dict[str, bool] | None:
    """The condition over word i: a condition earlier in the same sentence. Returns None when
    there is none or it does not limit the act ("kalau mau")."""
    best = t.carry.get(t.sent[i])
    for a, b, cond in conds:
        # the nearest condition that limits ("kalau sudah punya akun, setelah masuk ke menu,
        # klik Masuk": "setelah" does not lift the account condition)
        if b < i and t.sent[a] == t.sent[i] and cond is not None:
            best = cond
    return best


def _ends_with_colon(t: Text, i: int) -> bool:
    last = max(k for k in range(len(t.words)) if t.sent[k] == t.sent[i])
    return t.raw[t.spans[last][1]:].lstrip()[:1] == ":"


ENGLISH_FUNCTION = frozenset({"the", "you", "your", "is", "are", "can", "could", "please", "i",
                              "we", "it", "do", "does", "what", "how", "speak", "my", "me",
                              "this", "that", "have", "will", "would", "with", "for", "of"})
BARE_REST = frozenset({"nya", "dulu", "dong", "sekalian", "dan", "atau", "serta", "juga", "bisa",
                       "pak", "bapak", "bu", "ibu", "kak", "ya", "lengkap"})
QUESTION_WORDS = frozenset({"apa", "mana", "berapa", "bagaimana", "gimana", "siapa", "dimana"})
TRAILING = frozenset({"pak", "bapak", "bu", "ibu", "kak", "kakak", "mas", "mbak", "ya", "yah",
                      "dong", "nih", "deh", "sih", "ka", "gan", "sis", "bos", "om", "tante"})


def _last_clause_of_sentence(t: Text, c: int) -> bool:
    """Clause c ends its sentence (but for a trailing "Pak?", "ya Bu?")."""
    idx = [k for k, cl in enumerate(t.clause) if cl == c]
    if not idx:
        return False
    last = idx[-1]
    k = last + 1
    while k < len(t.words) and t.sent[k] == t.sent[last]:
        if t.words[k] not in TRAILING:
            return False
        k += 1
    return True


def _settle_email(acts: list[Act], t: Text) -> list[Act]:
    """"Bisa pakai email lain" advises; "punya email lain?" asks for one."""
    advice = [a for a in acts if a.act == "email_used_advice" and a.slot("option") == "other_email"]
    asks = [a for a in acts if a.act == "ask_data" and a.slot("field") == "email"]
    read_back = {t.sent[a.start] for a in acts
                 if a.act == "confirm_data" and a.slot("field") == "email"}
    out = []
    for a in acts:
        if a in asks and t.sent[a.start] in read_back:
            continue  # "email barunya x@y.id ya Bu?" reads it back
        if a in asks and any(t.sent[b.start] == t.sent[a.start] for b in advice) and (
                t.sent[a.start] not in t.question):
            continue
        if a in advice and t.sent[a.start] in t.question and any(
                t.sent[b.start] == t.sent[a.start] for b in asks):
            continue
        out.append(a)
    return out


def _settle(acts: list[Act]) -> list[Act]:
    """A greeting after the thanks of a farewell ("terima kasih, selamat siang") belongs to the
    close. (Whether thanks for calling opens or closes the call: `_settle_context`.)"""
    close_at = min((a.start for a in acts if a.act == "close"), default=None)
    return [a for a in acts
            if not (a.act == "greet" and close_at is not None and a.start > close_at)]


def _dedupe(acts: list[Act]) -> list[Act]:
    seen: set[tuple] = set()
    out = []
    for a in sorted(acts, key=lambda a: (a.start, a.end)):
        k = a.key
        if k in seen:
            continue
        seen.add(k)
        out.append(a)
    return out


_READERS: dict[int, tuple[Sop, ActReader]] = {}


def reader_for(sop: Sop) -> ActReader:
    """The one reader of an SOP (as loaded), shared by the scorer and the simulated customer,
    so a reply read during the call is not read again to score it."""
    got = _READERS.get(id(sop))
    if got is None or got[0] is not sop:
        if len(_READERS) >= 16:
            _READERS.clear()
        got = (sop, ActReader(sop))
        _READERS[id(sop)] = got
    return got[1]


__all__ = ["ACTS", "ACT_LABELS", "Act", "ActReader", "KEY_SLOTS", "POLARITIES",
           "POLARITY_LABELS", "reader_for", "words_number"]
