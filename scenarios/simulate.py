"""Simulated trainees: trainees of varying skill take generated calls, scored by the real scorer.

Each simulated attempt is a real call (`scenarios.practice.start_call`, Faker id_ID), answered
reply by reply through the dialogue rules (`add_reply`), closed with an APKT form and scored by
`finish_call` with the real `Scorer`. The CSO's replies are built from what the SOP asks for
(amount, PLN Mobile / website, the website steps in order, forwarding, the Unit's follow-up,
the e-mail advice) in varied wording, with the service standard's greeting with the CSO's name
and the IDPEL confirmed; a trainee's skill decides how often they leave something
out, make typos that hide a keyword, mix up the order, or choose a wrong APKT action, sub issue
type, IDPEL or e-mail. Skill grows a little week by week, so the trend is not flat. Attempts
are spread over weeks, on working days and hours (WIB). Writing them is store/demo.py,
the demo accounts and the whole job services/demo.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.fmt import WIB as _WIB_TZ
from scenarios.dialogue import DialogueRules, load_dialogue_rules
from scenarios.generator import Call, rupiah
from scenarios.library import ScenarioLibrary, load_scenarios
from scenarios.practice import add_reply, choose_scenario, finish_call, start_call
from scoring.scorer import Scorer
from sop.library import Library, load_library

WIB = _WIB_TZ.utcoffset(None)  # Jakarta's offset from UTC
ACTIONS = ("issue_closed", "forward_unit", "keluhan", "none")
SUB_TYPES = ("koreksi_email_invoice", "berhenti_langganan_invoice", "lainnya_invoice")
# The APKT action a confused trainee picks instead of the right one.
CONFUSED = {"issue_closed": ("forward_unit", "none"), "forward_unit": ("keluhan", "issue_closed"),
            "keluhan": ("forward_unit", "issue_closed")}


@dataclass(frozen=True)
class SimTrainee:
    user_id: int
    skill: float  # 0..1 in the first week
    growth: float  # added per week


@dataclass
class Content:
    """What simulation needs, loaded once."""

    library: Library
    scenarios: ScenarioLibrary
    rules: DialogueRules
    scorer: Scorer
    rubric_version: Callable[[str], str] | None = None  # SOP id -> '<sop id>@r<n>'

    @classmethod
    def load(cls, library: Library | None = None,
             scenarios: ScenarioLibrary | None = None) -> Content:
        """The content files (tests, benchmarks); the app's data uses `of_database`."""
        lib = library or load_library()
        scen = scenarios or load_scenarios(sop_library=lib)
        if not scen.active():
            raise ValueError("tidak ada skenario aktif untuk data demo")
        return cls(lib, scen, load_dialogue_rules(lib), Scorer(lib))


# ---------------------------------------------------------------- what a CSO says
def _typo(word: str, r: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = r.randrange(1, len(word) - 1)
    kind = r.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i] + word[i:]


def _typos(text: str, r: random.Random, n: int) -> str:
    words = text.split(" ")
    for _ in range(n):
        j = r.randrange(len(words))
        words[j] = _typo(words[j], r)
    return " ".join(words)


def _pick(r: random.Random, *options: str) -> str:
    return options[r.randrange(len(options))]


def _amount(call: Call, r: random.Random) -> str:
    a = call.bill_amount
    style = r.randrange(4)
    if style == 0:
        return rupiah(a)
    if style == 1:
        return f"Rp{a:,}".replace(",", ".") + ",-"
    if style == 2 and a % 1000 == 0:
        return f"{a // 1000} ribu rupiah"
    return rupiah(a)


def _web_steps(call: Call, r: random.Random, sal: str) -> list[str]:
    first = _pick(
        r,
        f"Caranya {sal}, buka website www.pln.co.id lalu pilih menu Pelayanan Pelanggan.",
        f"Silakan akses www.pln.co.id, kemudian pilih menu Pelayanan Pelanggan, {sal}.",
        "Pertama buka www.pln.co.id dulu, lalu klik menu Pelayanan Pelanggan.",
    )
    second = _pick(
        r,
        "Di bagian paling bawah menu itu pilih Informasi Tagihan Listrik / Pembelian Token.",
        "Lalu cek bagian paling bawah, pilih Informasi Tagihan Listrik / Pembelian Token.",
    )
    if call.facts.get("has_account"):
        third = _pick(
            r,
            "Karena sudah punya akun, isi email dan password lalu klik Masuk. Setelah itu "
            "masukkan IDPEL di kolom pencarian.",
            f"Isi data akun {sal} lalu klik Masuk, kemudian ketik ID pelanggan pada kolom "
            "pencarian.",
        )
        return [first, second, third]
    third = _pick(
        r,
        "Karena belum punya akun, klik Daftar Akun dan isi datanya, lalu klik Setuju dengan "
        "syarat dan ketentuan.",
        f"{sal} perlu mendaftar dulu lewat tombol Daftar Akun, isi data, lalu klik Setuju pada "
        "syarat dan ketentuan.",
    )
    fourth = _pick(
        r,
        "Sistem akan mengirim verifikasi ke email, silakan buka email itu untuk konfirmasi.",
        f"Nanti ada verifikasi yang dikirim ke email {sal}, mohon buka email dan lakukan "
        "konfirmasi.",
    )
    fifth = _pick(
        r,
        "Setelah itu login dengan user dan password yang didaftarkan, lalu masukkan IDPEL di "
        "kolom pencarian.",
        "Kemudian login memakai email dan password tadi, dan ketik ID pelanggan pada kolom "
        "pencarian.",
    )
    return [first, second, third, fourth, fifth]


def _offer_web(r: random.Random, sal: str) -> str:
    return _pick(
        r,
        f"Baik {sal}, untuk informasi tagihan dan Invoice bulanan {sal} dapat mengakses "
        "website PLN di www.pln.co.id.",
        f"Sebelumnya kami informasikan, {sal} bisa melihat detail tagihan setiap bulan di "
        "website www.pln.co.id.",
        f"Mohon maaf {sal}, saat ini informasi tagihan bisa dilihat langsung melalui website "
        "PLN www.pln.co.id.",
    )


def _closing(r: random.Random) -> str:
    return _pick(r, "Terima kasih telah menghubungi PLN 123, selamat beraktivitas.",
                 "Terima kasih atas kesabarannya, selamat siang.",
                 "Baik, terima kasih sudah menghubungi PLN 123.")


CSO_NAMES = ("Rina", "Sari", "Dimas", "Ayu", "Bayu", "Putri")


def _service_openers(call: Call, miss: float, g: random.Random) -> list[str]:
    """The service standard's opening: a greeting with the CSO's name (or a bare one) and the
    IDPEL confirmed (or not). Its own random draws, so the rest of a script stays the same."""
    sal = call.salutation
    if g.random() >= miss:
        out = [_pick(g, f"Selamat siang, dengan {_pick(g, *CSO_NAMES)} dari PLN 123, ada yang "
                        "bisa dibantu?",
                     f"Selamat pagi {sal}, saya {_pick(g, *CSO_NAMES)} dari PLN 123, ada yang "
                     "bisa saya bantu?")]
    else:
        out = [f"Halo {sal}, ada yang bisa dibantu?"]
    if g.random() >= miss:
        out.append(f"Baik {sal}, saya konfirmasi IDPEL {call.idpel} atas nama {call.name}, "
                   "betul?")
    return out


def cso_script(call: Call, skill: float, r: random.Random) -> tuple[list[str], dict[str, Any]]:
    """Replies and APKT form of a trainee of `skill` (0..1) for one call."""
    sal = call.salutation
    miss = 0.9 * (1 - skill)  # chance of leaving one required thing out

    def keep() -> bool:
        return r.random() >= miss

    case = call.case
    replies: list[str] = []
    action = {"tagihan.jumlah": "issue_closed", "invoice.email.setuju_web": "issue_closed",
              "invoice.email.tetap": "forward_unit", "website.panduan": "issue_closed"}.get(
        case, "keluhan")
    sub = {"invoice.keluhan.koreksi_email": "koreksi_email_invoice",
           "invoice.keluhan.berhenti": "berhenti_langganan_invoice",
           "invoice.keluhan.lainnya": "lainnya_invoice"}.get(case)
    keterangan = f"Pelanggan {call.name}: {case.replace('.', ' ')}; ditangani sesuai SOP."

    if case == "tagihan.jumlah":
        if keep():
            replies.append(f"Baik {sal}, tagihan bulan {call.asked_month} sebesar "
                           f"{_amount(call, r)} dan jatuh tempo tanggal 20.")
        else:
            replies.append(f"Baik {sal}, tagihan bulan {call.asked_month} sudah terbit dan "
                           "jatuh tempo tanggal 20.")
        if keep():
            replies.append(_pick(
                r, f"Informasi tagihan juga bisa {sal} lihat di aplikasi PLN Mobile.",
                f"{sal} juga dapat melihat tagihan melalui PLN Mobile atau website "
                "www.pln.co.id."))
    elif case in ("invoice.email.setuju_web", "website.panduan"):
        if case == "invoice.email.setuju_web" and keep():
            replies.append(_offer_web(r, sal))
        if keep():
            replies.append(f"Apakah {sal} sudah memiliki akun di website PLN?")
        steps = [s for s in _web_steps(call, r, sal) if keep() or r.random() < 0.5]
        if r.random() < 0.3 * (1 - skill):
            r.shuffle(steps)
        replies.extend(steps)
        if call.facts.get("email_used_elsewhere") and keep():
            replies.append(_pick(
                r, f"Kalau email sudah terdaftar, {sal} bisa memakai alamat email yang lain.",
                f"Jika email sudah dipakai, silakan gunakan email lain atau datang ke kantor "
                f"PLN terdekat, {sal}."))
    elif case == "invoice.email.tetap":
        forward = (f"Baik {sal}, permintaan pengiriman Invoice ke email {call.email} akan "
                   "kami teruskan ke Unit PLN melalui APKT.")
        offered = keep()
        if offered and r.random() < 0.25 * (1 - skill):
            replies += [forward, _offer_web(r, sal)]  # forwarded before offering the web
        else:
            if offered:
                replies.append(_offer_web(r, sal))
            replies.append(forward)
        if keep():
            replies.append(_pick(r, f"Petugas Unit PLN akan menghubungi {sal} untuk "
                                    "tindak lanjutnya.",
                                 f"Nanti {sal} akan dihubungi oleh petugas Unit PLN."))
    else:  # the KELUHAN cases
        replies.append(f"Baik {sal}, mohon konfirmasi alamat email {sal}?")
        replies.append(_pick(
            r, f"Keluhan {sal} akan kami teruskan ke Unit PLN melalui laporan KELUHAN.",
            f"Baik, kami buatkan laporan keluhan ke Unit PLN, {sal}."))
    replies.append(_closing(r))

    typo_rate = 0.7 * (1 - skill)
    replies = [_typos(x, r, 1 + r.randrange(2)) if r.random() < typo_rate else x
               for x in replies]
    replies = _service_openers(call, miss, random.Random(f"layanan-{call.seed}")) + replies

    if r.random() < 0.45 * (1 - skill):
        action = _pick(r, *CONFUSED.get(action, ("none",)))
    if sub and r.random() < 0.4 * (1 - skill):
        sub = _pick(r, *[s for s in SUB_TYPES if s != sub])
    if action != "keluhan":
        sub = None
    elif sub is None:
        sub = _pick(r, *SUB_TYPES)
    idpel = call.idpel
    if r.random() < 0.15 * (1 - skill):
        i = r.randrange(11)
        idpel = idpel[:i] + idpel[i + 1] + idpel[i] + idpel[i + 2:]
    email = call.email
    if r.random() < 0.15 * (1 - skill):
        local, domain = email.split("@")
        email = f"{_typo(local, r) or local}@{domain}"
    apkt = {"action": action, "sub_issue_type": sub, "idpel": idpel, "email": email,
            "keterangan": keterangan}
    return replies, apkt


# ---------------------------------------------------------------- simulated attempts
def _working_moment(r: random.Random, start: datetime, weeks: int) -> tuple[int, datetime]:
    """(week index, a moment on a working day, 08:00-17:00 WIB) in the `weeks` from `start`."""
    week = r.randrange(weeks)
    day = r.randrange(6)  # Monday..Saturday
    seconds = r.randrange(8 * 3600, 17 * 3600)
    local_midnight = start + timedelta(weeks=week, days=day)
    return week, local_midnight + timedelta(seconds=seconds)


def simulate(
    content: Content,
    trainees: list[SimTrainee],
    n: int,
    *,
    seed: int = 1,
    weeks: int = 8,
    end: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """`n` simulated attempts (dicts for `store.NewAttempt`), spread over `weeks` weeks that end
    with the week of `end` (default: now). Equal arguments give equal attempts."""
    if not trainees:
        raise ValueError("minimal satu peserta")
    r = random.Random(seed)
    end = end or datetime.now(UTC)
    # Monday 00:00 WIB of the first week, as UTC
    end_local = (end + WIB).date()
    first_monday = end_local - timedelta(days=end_local.weekday(), weeks=weeks - 1)
    start = datetime(first_monday.year, first_monday.month, first_monday.day,
                     tzinfo=UTC) - WIB
    lib = content.library
    for _ in range(n):
        trainee = trainees[r.randrange(len(trainees))]
        for _ in range(100):  # a working moment that is not in the future
            week, started = _working_moment(r, start, weeks)
            if started <= end - timedelta(minutes=15):
                break
        else:
            week, started = weeks - 1, end - timedelta(minutes=15)
        skill = min(0.98, trainee.skill + trainee.growth * week)
        call_seed = r.getrandbits(62)
        scenario = choose_scenario(content.scenarios, seed=call_seed)
        sop = lib.find_case(scenario.case)[0]
        mode = "ujian" if r.random() < 0.15 else "latihan"
        exam_id = f"demo-ujian-{trainee.user_id}-{week}" if mode == "ujian" else None
        pc = start_call(scenario, call_seed, sop=sop, mode=mode, exam_id=exam_id, now=started)
        replies, apkt = cso_script(pc.call, skill, r)
        at = started
        for text in replies:
            if pc.ended:
                break
            at += timedelta(seconds=r.randrange(15, 90))
            pc = add_reply(pc, text, rules=content.rules, now=at)
        finished = at + timedelta(seconds=r.randrange(30, 120))
        done = finish_call(pc, apkt, scorer=content.scorer, trainee_id=trainee.user_id,
                           now=finished, rubric_version=content.rubric_version(sop.id)
                           if content.rubric_version else None)
        yield done.attempt
