"""Typed models of the scenario content: scenario files and the data files beside them.

- `Scenario`: one scenario file (scenarios/library/<id>.yaml): a case of an SOP, the facts it
  sets, a customer persona, the customer's opening lines and reactions.
- `DialogueData`: scenarios/data/dialogue.yaml, the cues that drive the simulated customer and
  the default customer lines.
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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

DIFFICULTIES = ("mudah", "sedang", "sulit")
STATUSES = ("aktif", "nonaktif")
GENDERS = ("pria", "wanita", "acak")
EMAIL_ON_RECORD = ("tidak_ada", "sama", "lama")

# How a customer of a case meets the website offer (set per case in dialogue.yaml).
STANCES = ("setuju", "tetap", "info", "keluhan")

# What the CSO's reply can be recognised as saying (cues in dialogue.yaml).
TRIGGERS = (
    "closing",        # the CSO ends the call
    "anything_else",  # "ada lagi yang bisa dibantu?"
    "greeting",       # greeting only
    "ask_name",
    "ask_idpel",
    "ask_email",
    "ask_account",    # asks whether the customer has a www.pln.co.id account
    "steps",          # gives website steps (besides two or more SOP steps in one reply)
    "registration",   # the registration step ("Daftar Akun")
    "login",          # the login step ("Masuk")
    "website",        # mentions / offers the website www.pln.co.id
    "pln_mobile",     # mentions the PLN Mobile app
    "forward",        # announces forwarding to the PLN Unit
    "unit_followup",  # says the Unit will contact the customer
    "email_advice",   # advises another e-mail address or the nearest PLN office
    "hold",           # asks the customer to wait while the CSO checks
)

# What the customer can answer; each is a list of alternative lines.
REACTIONS = (
    "greeting",             # to a greeting only: the customer restates the request
    "off_topic",            # to anything not understood: repeat or clarify
    "silence",              # to an empty reply
    "give_name",
    "give_idpel",
    "give_email",
    "account_yes",          # asked for an account, has one
    "account_no",           # asked for an account, has none
    "website_setuju",       # website offered to a customer who agrees: agrees, asks how
    "website_tetap",        # website offered to a customer who insists on e-mail
    "website_info",         # website or PLN Mobile mentioned to a customer asking the amount
    "website_keluhan",      # website mentioned to a customer with an Invoice complaint
    "steps_next",           # some website steps given: follows along, asks what next
    "steps_done",           # every step the customer needs has been given
    "email_used",           # registration steps to a customer whose e-mail is used elsewhere
    "email_advice",         # after hearing: use another e-mail or the nearest PLN office
    "already_has_account",  # registration steps to a customer who has an account
    "no_account_yet",       # login steps to a customer without an account
    "forward",              # forwarding to the Unit announced
    "unit_followup",        # told that the Unit will contact them
    "amount_given",         # the bill amount was stated
    "nothing_else",         # "ada lagi?": nothing else
    "wait",                 # asked to hold: the customer waits
    "goodbye",              # the CSO closes: the customer says goodbye
    "turn_limit",           # too many turns: the customer ends the call politely
)
REQUIRED_REACTIONS = ("greeting", "off_topic")
Stance = Literal[STANCES]  # type: ignore[valid-type]
TriggerName = Literal[TRIGGERS]  # type: ignore[valid-type]
ReactionName = Literal[REACTIONS]  # type: ignore[valid-type]

# Reactions that only one stance ever uses; a scenario of another stance may not define them.
STANCE_REACTIONS = {
    "website_setuju": "setuju",
    "steps_next": "setuju",
    "steps_done": "setuju",
    "email_used": "setuju",
    "email_advice": "setuju",
    "already_has_account": "setuju",
    "no_account_yet": "setuju",
    "website_tetap": "tetap",
    "website_info": "info",
    "amount_given": "info",
    "website_keluhan": "keluhan",
}
# Reactions that only make sense for one value of a fact.
FACT_REACTIONS = {
    "account_yes": ("has_account", True),
    "account_no": ("has_account", False),
    "already_has_account": ("has_account", True),
    "no_account_yet": ("has_account", False),
    "email_used": ("email_used_elsewhere", True),
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
    for line in lines:
        try:
            names = placeholders_in(line)
        except ValueError as exc:
            raise ValueError(f"{exc} pada baris: {line!r}") from None
        unknown = [n for n in names if n not in PLACEHOLDERS]
        if unknown:
            raise ValueError(
                f"placeholder {{{unknown[0]}}} tidak dikenal; yang ada: "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            )
    return lines


Line = str
Lines = list[Line]


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
    opening: list[Line] = Field(min_length=1, max_length=50)
    reactions: dict[str, list[Line]] = {}
    hints: dict[str, str] = {}

    _version: str = PrivateAttr(default="")
    _file: str = PrivateAttr(default="")

    @field_validator("opening")
    @classmethod
    def _opening_lines(cls, v: list[str]) -> list[str]:
        if any(not line.strip() for line in v):
            raise ValueError("baris pembuka tidak boleh kosong")
        return _check_lines(v)

    @field_validator("reactions")
    @classmethod
    def _reaction_lines(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, lines in v.items():
            if not lines:
                raise ValueError(f"reaksi '{name}' perlu minimal satu kalimat")
            if any(not line.strip() for line in lines):
                raise ValueError(f"reaksi '{name}' berisi kalimat kosong")
            _check_lines(lines)
        return v

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
    triggers: dict[TriggerName, list[str]]
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
        missing = [t for t in TRIGGERS if not self.triggers.get(t)]
        if missing:
            raise ValueError("triggers belum lengkap: " + ", ".join(missing))
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
