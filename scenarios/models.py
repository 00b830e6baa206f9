"""Typed models of the scenario content: scenario files and the data files beside them.

- `Scenario`: one scenario file (scenarios/library/<id>.yaml): a case of an SOP, the facts it
  sets, a customer persona, the customer's opening lines and reactions.
- `DialogueData`: scenarios/data/dialogue.yaml, the customer's stance per case and the default
  customer lines (what a reply *does* is read by scoring.acts from the SOP's phrasings).
- `TariffTable`: scenarios/data/tariffs.yaml, tariff classes and rates with their "as of" date.
- `PeopleData`: scenarios/data/people.yaml, mobile prefixes and e-mail domains for customers.

Structural rules live here; rules that need the SOP library (case ids, facts, criteria) live in
`scenarios.library.check_scenario`.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

DIFFICULTIES = ("mudah", "sedang", "sulit")
STATUSES = ("aktif", "nonaktif")
GENDERS = ("pria", "wanita", "acak")
EMAIL_ON_RECORD = ("tidak_ada", "sama", "lama")

# How a customer of a case meets the website offer (set per case in dialogue.yaml).
STANCES = ("setuju", "tetap", "info", "keluhan")

# What the customer can answer; each is a list of alternative lines. The customer reacts to the
# acts of the CSO's reply (scoring.acts, read with the SOP's own phrasings), never to words.
REACTIONS = (
    "greeting",             # greeting / self-introduction only: the customer restates the request
    "off_topic",            # nothing understood: repeat or clarify
    "silence",              # an empty reply
    "give_name",            # ask_data(name)
    "give_idpel",           # ask_data(idpel)
    "give_email",           # ask_data(email), also "mau diganti jadi apa?" in a correction
    "give_phone",           # ask_data(phone)
    "give_address",         # ask_data(address)
    "give_meter",           # ask_data(meter)
    "account_yes",          # ask_data(account), has one
    "account_no",           # ask_data(account), has none
    "confirm_yes",          # confirm_data read back right: "Iya, betul"
    "confirm_wrong",        # confirm_data read back wrong: says so, then gives the right value
    "website_setuju",       # website offered to a customer who agrees: agrees, asks how
    "website_tetap",        # website offered to a customer who insists on e-mail
    "website_info",         # website offered to a customer asking the amount: notes it
    "mobile_info",          # only PLN Mobile offered to a customer asking the amount: notes it
    "website_keluhan",      # website offered to a customer with an Invoice complaint
    "steps_next",           # some website steps given: follows along, asks what next
    "steps_done",           # every step of the customer's path given, 4j included: bill found
    "email_used",           # registration steps, e-mail used elsewhere: "email sudah terdaftar"
    "email_used_again",     # more steps while still stuck on it: "masih ditolak"
    "email_advice",         # after hearing: use another e-mail or the nearest PLN office
    "already_has_account",  # registration steps to a customer who has an account
    "no_account_yet",       # login steps to a customer without an account
    "forward",              # forwarding to the Unit announced
    "unit_followup",        # told that the Unit will contact them
    "amount_given",         # the right bill amount was stated
    "amount_wrong",         # another amount was stated: disputes it ({stated_amount})
    "amount_approximate",   # only an approximate amount: asks for the exact one
    "amount_unresolved",    # "ada lagi?" while the amount is still disputed
    "nothing_else",         # "ada lagi?": nothing else
    "wait",                 # asked to hold: the customer waits
    "empathy",              # an apology or empathy only: accepts, asks how it goes on
    "rude_complaint",       # the first unprofessional reply: complains
    "rude_supervisor",      # the second: asks for a supervisor
    "rude_hangup",          # the third: ends the call
    "goodbye",              # the CSO closes: the customer says goodbye
    "goodbye_unresolved",   # the CSO closes while the amount is still disputed: no thanks
    "turn_limit",           # too many turns: the customer ends the call politely
)
REQUIRED_REACTIONS = ("greeting", "off_topic")
Stance = Literal[STANCES]  # type: ignore[valid-type]
ReactionName = Literal[REACTIONS]  # type: ignore[valid-type]

# Reactions that only one stance ever uses; a scenario of another stance may not define them.
STANCE_REACTIONS = {
    "website_setuju": "setuju",
    "steps_next": "setuju",
    "steps_done": "setuju",
    "email_used": "setuju",
    "email_used_again": "setuju",
    "email_advice": "setuju",
    "already_has_account": "setuju",
    "no_account_yet": "setuju",
    "website_tetap": "tetap",
    "website_info": "info",
    "mobile_info": "info",
    "amount_given": "info",
    "amount_wrong": "info",
    "amount_approximate": "info",
    "amount_unresolved": "info",
    "goodbye_unresolved": "info",
    "website_keluhan": "keluhan",
}
# Reactions that only make sense for one value of a fact.
FACT_REACTIONS = {
    "account_yes": ("has_account", True),
    "account_no": ("has_account", False),
    "already_has_account": ("has_account", True),
    "no_account_yet": ("has_account", False),
    "email_used": ("email_used_elsewhere", True),
    "email_used_again": ("email_used_elsewhere", True),
    "email_advice": ("email_used_elsewhere", True),
}

# Placeholders a customer line may use, filled from the generated call.
PLACEHOLDERS = {
    "name": "nama lengkap pelanggan",
    "first_name": "nama depan",
    "idpel": "ID Pelanggan (12 digit)",
    "meter": "nomor meter (11 digit)",
    "email": "email pelanggan (untuk koreksi: email baru yang diinginkan)",
    "email_on_record": "email Invoice yang tercatat (lama)",
    "phone": "nomor HP",
    "address": "alamat",
    "month": "bulan tagihan yang ditanyakan, mis. Mei 2025",
    "bill_amount": "jumlah tagihan bulan itu, mis. Rp 345.000",
    "tariff": "tarif/daya, mis. R-1/TR 1.300 VA",
}
# Placeholders filled from what the CSO said, allowed only in the reaction that has them.
REACTION_PLACEHOLDERS = {
    "amount_wrong": {"stated_amount": "jumlah (salah) yang disebut CSO, mis. Rp 412.000"},
}
_FORMATTER = string.Formatter()


def placeholders_in(text: str) -> list[str]:
    """The {placeholder} names of a line; raise ValueError on broken braces."""
    names = []
    for _, name, spec, conv in _FORMATTER.parse(text):
        if name is None:
            continue
        if spec or conv or not name:
            raise ValueError(f"placeholder '{{{name}}}' tidak valid")
        names.append(name)
    return names


def _check_lines(lines: list[str]) -> list[str]:
    """Broken braces or unknown placeholders (a reaction-only placeholder is checked where it is
    used: scenarios.library, with the reaction and line it is in)."""
    known = {**PLACEHOLDERS, **{k: v for extra in REACTION_PLACEHOLDERS.values()
                                for k, v in extra.items()}}
    for line in lines:
        try:
            names = placeholders_in(line)
        except ValueError as exc:
            raise ValueError(f"{exc} pada baris: {line!r}") from None
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(
                f"placeholder {{{unknown[0]}}} tidak dikenal; yang ada: "
                + ", ".join("{" + p + "}" for p in known)
            )
    return lines


def misplaced_placeholders(reaction: str | None, line: str) -> list[str]:
    """Reaction-only placeholders of `line` that `reaction` (None: an opening line) cannot
    fill."""
    allowed = REACTION_PLACEHOLDERS.get(reaction or "", {})
    only = {k for extra in REACTION_PLACEHOLDERS.values() for k in extra}
    try:
        names = placeholders_in(line)
    except ValueError:
        return []
    return [n for n in names if n in only and n not in allowed]


def reactions_for_placeholder(name: str) -> list[str]:
    return [r for r, extra in REACTION_PLACEHOLDERS.items() if name in extra]


Line = str
Lines = list[Line]


def _customer_line(line: str) -> str:
    if not line.strip():
        raise ValueError("kalimat tidak boleh kosong")
    _check_lines([line])
    return line


def _reaction_lines(lines: list[str]) -> list[str]:
    if not lines:
        raise ValueError("perlu minimal satu kalimat")
    return lines


# Each line and each reaction is checked on its own, so every bad one is reported at its path
# ("opening[2]", "reactions.greeting[0]"), all at once.
CustomerLine = Annotated[str, AfterValidator(_customer_line)]
ReactionLines = Annotated[list[CustomerLine], AfterValidator(_reaction_lines)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# ---------------------------------------------------------------- scenario files
class Persona(Model):
    style: str = Field(min_length=1, max_length=60)
    gender: Literal["pria", "wanita", "acak"] = "acak"
    description: str = Field(min_length=1, max_length=1000)


class Scenario(Model):
    id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str = Field(min_length=1, max_length=200)
    case: str = Field(min_length=1, max_length=80)
    status: Literal["aktif", "nonaktif"] = "aktif"
    difficulty: Literal["mudah", "sedang", "sulit"]
    persona: Persona
    facts: dict[str, bool] = {}
    email_on_record: Literal["tidak_ada", "sama", "lama"] = "tidak_ada"
    max_turns: int | None = Field(default=None, ge=3, le=50)
    opening: list[CustomerLine] = Field(min_length=1, max_length=50)
    reactions: dict[str, ReactionLines] = {}
    hints: dict[str, str] = {}

    _version: str = PrivateAttr(default="")
    _file: str = PrivateAttr(default="")

    @property
    def content_version(self) -> str:
        """A short hash of the file the scenario came from (or of its content)."""
        if not self._version:
            import hashlib

            digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]
            self._version = digest
        return self._version

    @property
    def file(self) -> str:
        return self._file

    def summary(self) -> dict:
        """What a list of scenarios shows (`cso-trainer scenarios --json`)."""
        return {
            "id": self.id,
            "title": self.title,
            "case": self.case,
            "facts": dict(self.facts),
            "difficulty": self.difficulty,
            "persona": self.persona.style,
            "status": self.status,
            "content_version": self.content_version,
        }


# ---------------------------------------------------------------- dialogue.yaml
class PersonaDef(Model):
    id: str = Field(min_length=1, max_length=60)
    label: str = Field(min_length=1, max_length=200)


class DialogueData(Model):
    max_turns: int = Field(ge=3, le=50)
    personas: list[PersonaDef] = Field(min_length=1)
    stances: dict[str, Stance]
    default_stance: Stance = "keluhan"
    defaults: dict[ReactionName, list[Line]]

    @field_validator("defaults")
    @classmethod
    def _default_lines(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, lines in v.items():
            if not lines:
                raise ValueError(f"reaksi '{name}' perlu minimal satu kalimat")
            _check_lines(lines)
        return v

    @model_validator(mode="after")
    def _complete(self) -> DialogueData:
        missing = [r for r in REACTIONS if r not in self.defaults and r not in REQUIRED_REACTIONS]
        if missing:
            raise ValueError("defaults belum lengkap: " + ", ".join(missing))
        return self

    def persona_ids(self) -> list[str]:
        return [p.id for p in self.personas]

    def persona_label(self, persona_id: str) -> str:
        return next((p.label for p in self.personas if p.id == persona_id), persona_id)


# ---------------------------------------------------------------- tariffs.yaml
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class TariffClass(Model):
    tarif: str = Field(min_length=1, max_length=40)
    daya_va: int = Field(gt=0, le=1_000_000)
    label: str | None = Field(default=None, max_length=80)
    subsidi: bool = False
    rate_per_kwh: Decimal = Field(gt=0, le=100_000, decimal_places=2)
    kwh: tuple[int, int]
    bobot: int = Field(default=1, ge=1, le=1000)

    @field_validator("kwh")
    @classmethod
    def _range(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 0 < v[0] <= v[1] <= 100_000:
            raise ValueError("kwh harus [min, max] dengan 0 < min <= max")
        return v

    @property
    def display(self) -> str:
        if self.label:
            return self.label
        return f"{self.tarif} {self.daya_va:,} VA".replace(",", ".")


class BillingWindow(Model):
    dari: str
    sampai: str

    @field_validator("dari", "sampai", mode="before")
    @classmethod
    def _month(cls, v: object) -> object:
        if isinstance(v, dt.date):
            v = f"{v.year:04d}-{v.month:02d}"
        if not isinstance(v, str) or not MONTH.match(v):
            raise ValueError("bulan harus berformat YYYY-MM")
        return v

    @model_validator(mode="after")
    def _order(self) -> BillingWindow:
        if self.dari > self.sampai:
            raise ValueError("'dari' harus sebelum 'sampai'")
        return self


class TariffTable(Model):
    berlaku_sejak: dt.date
    keterangan: str = Field(min_length=1, max_length=2000)
    sumber: str = Field(min_length=1, max_length=1000)
    jatuh_tempo_tanggal: int = Field(ge=1, le=28)
    bulan_tagihan: tuple[int, int] = (3, 6)
    periode_tagihan: BillingWindow
    golongan: list[TariffClass] = Field(min_length=1)

    @model_validator(mode="after")
    def _window(self) -> TariffTable:
        lo, hi = self.bulan_tagihan
        if not 1 <= lo <= hi <= 24:
            raise ValueError("bulan_tagihan harus [min, max] dengan 1 <= min <= max <= 24")
        y0, m0 = map(int, self.periode_tagihan.dari.split("-"))
        y1, m1 = map(int, self.periode_tagihan.sampai.split("-"))
        if (y1 * 12 + m1) - (y0 * 12 + m0) + 1 < hi:
            raise ValueError(f"periode_tagihan harus mencakup minimal {hi} bulan")
        start = self.berlaku_sejak
        if (y0, m0) < (start.year, start.month):
            raise ValueError("periode_tagihan dimulai sebelum berlaku_sejak")
        return self


# ---------------------------------------------------------------- people.yaml
class PeopleData(Model):
    phone_prefixes: list[str] = Field(min_length=1)
    phone_lengths: dict[int, int] = Field(min_length=1)  # total digits -> weight
    email_domains: list[str] = Field(min_length=1)
    idpel_prefixes: list[str] = Field(min_length=1)
    meter_prefixes: list[str] = Field(min_length=1)

    @field_validator("phone_prefixes")
    @classmethod
    def _prefix(cls, v: list[str]) -> list[str]:
        for p in v:
            if not re.fullmatch(r"08\d{2}", p):
                raise ValueError(f"awalan HP '{p}' harus 4 digit dimulai 08")
        return v

    @field_validator("phone_lengths")
    @classmethod
    def _lengths(cls, v: dict[int, int]) -> dict[int, int]:
        for n, w in v.items():
            if not 10 <= n <= 13 or w < 1:
                raise ValueError("panjang nomor HP 10-13 digit dengan bobot >= 1")
        return v

    @field_validator("email_domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        for d in v:
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d):
                raise ValueError(f"domain email '{d}' tidak valid")
        return v

    @field_validator("idpel_prefixes", "meter_prefixes")
    @classmethod
    def _digits(cls, v: list[str]) -> list[str]:
        for p in v:
            if not re.fullmatch(r"[1-9]\d{0,5}", p):
                raise ValueError(f"awalan '{p}' harus 1-6 digit, tidak diawali 0")
        return v
