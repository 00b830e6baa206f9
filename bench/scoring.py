"""Benchmark: attempts scored per second for typical 3-reply attempts, against a plain regex
scan of the same text (the cost of merely looking at the words once)."""

from __future__ import annotations

import random
import re

from bench.common import compare
from scoring.scorer import Scorer
from sop.library import Library

OPENINGS = [
    "Selamat {t}, dengan {cso} di PLN 123, ada yang bisa kami bantu Bapak/Ibu {n}?",
    "Terima kasih telah menghubungi PLN 123, saya {cso}. Boleh dibantu IDPEL nya {n}?",
]
MIDDLES = {
    "tagihan.jumlah": "Baik {n}, tagihan bulan {m} sebesar Rp {a} dan jatuh tempo tanggal 20.",
    "invoice.email.setuju_web": "Untuk Invoice, {n} bisa melihat rincian tagihan di website "
    "www.pln.co.id setiap bulan, lebih cepat dan detail.",
    "invoice.email.tetap": "Sebelumnya {n} dapat melihat tagihan di website PLN www.pln.co.id.",
    "website.panduan": "Caranya buka www.pln.co.id, pilih menu Pelayanan Pelanggan lalu "
    "Informasi Tagihan Listrik / Pembelian Token.",
    "invoice.keluhan.koreksi_email": "Baik {n}, koreksi alamat email Invoice ke {e} kami catat.",
}
CLOSINGS = {
    "tagihan.jumlah": "Tagihan juga bisa dicek di aplikasi PLN Mobile. Ada lagi yang bisa dibantu?",
    "invoice.email.setuju_web": "Klik Masuk dengan akun {n}, lalu masukkan IDPEL {i} di kolom "
    "pencarian. Terima kasih.",
    "invoice.email.tetap": "Baik, permintaan kami teruskan ke Unit PLN, petugas Unit akan "
    "menghubungi {n}.",
    "website.panduan": "Isi data akun lalu klik Masuk, kemudian masukkan IDPEL di kolom "
    "pencarian ya {n}.",
    "invoice.keluhan.koreksi_email": "Laporan kami teruskan ke Unit PLN terkait, terima kasih.",
}
ACTIONS = {"tagihan.jumlah": ("issue_closed", None), "invoice.email.setuju_web":
           ("issue_closed", None), "invoice.email.tetap": ("forward_unit", None),
           "website.panduan": ("issue_closed", None),
           "invoice.keluhan.koreksi_email": ("keluhan", "koreksi_email_invoice")}
NAMES = ["Budi Santoso", "Siti Aminah", "Agus Pratama", "Dewi Lestari", "Rudi Hartono",
         "Putri Wulandari", "Andi Saputra", "Rina Marlina", "Joko Susilo", "Nur Aisyah"]


def typical_attempts(n: int, seed: int = 7) -> list[dict]:
    """n different, typical 3-reply attempts (names, amounts, cases and wording vary)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        case = rnd.choice(sorted(MIDDLES))
        name = rnd.choice(NAMES)
        first = name.split()[0]
        idpel = "".join(rnd.choice("0123456789") for _ in range(12))
        amount = rnd.randrange(50, 2000) * 1000 + rnd.randrange(0, 1000)
        email = f"{name.lower().replace(' ', '.')}@example.co.id"
        fmt = {"n": first, "t": rnd.choice(["pagi", "siang", "sore"]), "cso": "Rina",
               "m": rnd.choice(["Mei", "Juni", "Juli"]), "i": idpel, "e": email,
               "a": f"{amount:,}".replace(",", ".")}
        replies = [rnd.choice(OPENINGS).format(**fmt), MIDDLES[case].format(**fmt),
                   CLOSINGS[case].format(**fmt)]
        action, sub = ACTIONS[case]
        out.append({
            "case": case,
            "facts": {"has_account": rnd.random() < 0.5, "email_used_elsewhere": False},
            "customer": {"idpel": idpel, "name": name, "email": email, "bill_amount": amount},
            "replies": replies,
            "apkt": {"action": action, "sub_issue_type": sub, "idpel": idpel, "email": email,
                     "keterangan": "-"},
        })
    return out


def _baseline_pattern(library: Library) -> re.Pattern[str]:
    """One regex of every phrasing the reader knows (the cost of merely looking for them)."""
    from scoring.acts import expand

    phrases: set[str] = set()
    for sop in library.sops.values():
        lex = sop.acts
        if lex is None:
            continue
        groups = [*lex.channels.values(), *lex.data_fields.values()]
        groups += [ps for by_value in lex.phrases.values() for ps in by_value.values()]
        groups += [s.cues for s, _ in sop.all_steps()]
        for ps in groups:
            for p in ps:
                phrases.update(expand(p))
    parts = []
    for p in sorted(phrases):
        words = [w.split("|") for w in p.replace("...", " ").split()]
        parts.append(r"\b" + r"\W+".join("(?:" + "|".join(map(re.escape, alts)) + ")"
                                          for alts in words) + r"\b")
    return re.compile("|".join(parts), re.IGNORECASE)


def bench_scoring(library: Library, seconds: float = 1.0, rounds: int = 5) -> dict:
    """Attempts scored per second. `read once` is the app's case: every reply was read into
    acts when the trainee sent it (the simulated customer reacts to that reading) and the
    scorer reuses it; `cold` reads every reply from scratch (a batch of new text, as
    `cso-trainer score --jsonl` over unseen attempts)."""
    scorer = Scorer(library)
    attempts = typical_attempts(2000)
    pattern = _baseline_pattern(library)
    readers = list(scorer.readers.values())

    def score(i: int) -> None:
        scorer.score_data(attempts[i % len(attempts)])

    def score_cold(i: int) -> None:
        for r in readers:
            r.clear_cache()
        scorer.score_data(attempts[i % len(attempts)])

    def regex_scan(i: int) -> None:
        for reply in attempts[i % len(attempts)]["replies"]:
            pattern.findall(reply)

    for a in attempts:  # read once, as during the calls
        scorer.score_data(a)
    r = compare(score, regex_scan, seconds=seconds, rounds=rounds)
    cold = compare(score_cold, regex_scan, seconds=seconds, rounds=max(3, rounds // 2),
                   batch=20)
    return {
        "name": "scoring",
        "unit": "attempts/s",
        "attempts_per_s_median": r["subject_median"],
        "attempts_per_s_rounds": r["subject"],
        "baseline_regex_scan_per_s_median": r["baseline_median"],
        "baseline_regex_scan_per_s_rounds": r["baseline"],
        "ratio_baseline_over_scoring": round(r["baseline_median"] / r["subject_median"], 2),
        "cold_attempts_per_s_median": cold["subject_median"],
        "cold_attempts_per_s_rounds": cold["subject"],
        "cold_baseline_regex_scan_per_s_median": cold["baseline_median"],
        "target_attempts_per_s": 10_000,
        "distinct_attempts": len(attempts),
        "replies_per_attempt": 3,
        "note": "attempts_per_s: replies read once when sent (the app); cold: every reply "
                "read from scratch",
    }
