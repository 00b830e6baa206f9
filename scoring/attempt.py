"""The attempt a scorer reads, and the result it gives (the contract of sop-reading.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sop.yamlfile import field_name, translate

MAX_REPLY_CHARS = 20_000
MAX_REPLIES = 200
MAX_FIELD_CHARS = 5_000


class AttemptError(ValueError):
    """Bad attempt input: names the field and what is wrong with it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Facts(_In):
    has_account: bool = False
    email_used_elsewhere: bool = False


class Customer(_In):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    idpel: str = Field(max_length=40)
    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    bill_amount: int | None = Field(default=None, ge=0, le=10**12)

    @field_validator("idpel", mode="before")
    @classmethod
    def _idpel_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class ApktForm(_In):
    action: str = Field(min_length=1, max_length=80)
    sub_issue_type: str | None = Field(default=None, max_length=80)
    idpel: str | None = Field(default=None, max_length=MAX_FIELD_CHARS)
    email: str | None = Field(default=None, max_length=MAX_FIELD_CHARS)
    keterangan: str | None = Field(default=None, max_length=MAX_FIELD_CHARS)

    @field_validator("sub_issue_type", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v


class Attempt(_In):
    case: str = Field(min_length=1, max_length=80)
    facts: Facts = Facts()
    customer: Customer
    replies: list[str] = Field(max_length=MAX_REPLIES)
    apkt: ApktForm
    # Optional: what the customer said, in order. With it, an e-mail address counts as known
    # only when it is on the data panel (customer.email_on_record) or the customer said it.
    customer_lines: list[str] | None = Field(default=None, max_length=MAX_REPLIES + 1)

    @field_validator("replies", "customer_lines")
    @classmethod
    def _reply_size(cls, v: list[str] | None) -> list[str] | None:
        for i, r in enumerate(v or ()):
            if len(r) > MAX_REPLY_CHARS:
                raise ValueError(
                    f"balasan [{i}] terlalu panjang ({len(r)} karakter, maksimal {MAX_REPLY_CHARS})"
                )
        return v


def parse_attempt(data: Any) -> Attempt:
    """Validate raw JSON data; raise AttemptError naming the first bad field."""
    if not isinstance(data, dict):
        raise AttemptError("(attempt)", "harus berupa objek JSON")
    try:
        return Attempt.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise AttemptError(field_name(err["loc"]), translate(err["msg"])) from None


@dataclass(slots=True)
class CriterionResult:
    id: str
    ok: bool
    points: float
    max: float
    critical: bool
    sop_ref: str
    evidence: str
    group: str = "sop"  # "sop", or "layanan" for the service standard (not SOP text)


@dataclass(frozen=True)
class ScoreResult:
    case: str
    score: float
    max_score: float
    passed: bool
    critical_failed: list[str] = field(default_factory=list)
    criteria: list[CriterionResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    def criterion(self, criterion_id: str) -> CriterionResult | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)
