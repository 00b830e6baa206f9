"""Attempts shared by the scorer's and the command line's tests: the CSO's standard lines and a
full, correct attempt per case (FULL), as the scoring contract's JSON."""

from __future__ import annotations

IDPEL = "532100123456"
EMAIL = "budi.santoso@example.co.id"

# The service standard (greeting with the CSO's name, IDPEL asked or confirmed, closing) is
# judged on every case, after the case's SOP criteria.
GREETING = "Selamat pagi, dengan Rina di PLN 123, ada yang bisa dibantu?"
ASK_IDPEL = "Baik Pak, boleh dibantu ID pelanggannya?"
CONFIRM_IDPEL = f"Baik, IDPEL {IDPEL} atas nama Budi Santoso ya Pak?"
CLOSING = "Terima kasih telah menghubungi PLN 123, selamat pagi."
WEB_OFFER = (
    "Bapak dapat melihat informasi tagihan dan rincian rekening setiap bulan di website PLN "
    "www.pln.co.id, tidak perlu menunggu kiriman email."
)
STEPS_ACCOUNT = (
    "Caranya: buka www.pln.co.id, pilih menu Pelayanan Pelanggan, lalu di bagian paling bawah "
    "pilih Informasi Tagihan Listrik / Pembelian Token. Isi email dan password lalu klik Masuk, "
    "kemudian masukkan IDPEL Bapak di kolom pencarian."
)
STEPS_NO_ACCOUNT = [
    "Caranya: buka www.pln.co.id, pilih menu Pelayanan Pelanggan, lalu di bagian paling bawah "
    "pilih Informasi Tagihan Listrik / Pembelian Token.",
    "Karena belum punya akun, klik Daftar Akun dan isi datanya, lalu klik Setuju pada syarat "
    "dan ketentuan. Sistem akan mengirim verifikasi ke email Bapak.",
    "Buka email tersebut untuk konfirmasi, setelah itu login dengan user dan password yang "
    "sudah didaftarkan, lalu masukkan IDPEL di kolom pencarian.",
]
FORWARD = (
    "Baik Pak, permintaan Invoice Bapak kami teruskan ke Unit PLN terkait. "
    "Petugas Unit akan menghubungi Bapak."
)


def call(*middle, verify=ASK_IDPEL):
    """A whole call: greeting, IDPEL asked (or confirmed), what the case needs, closing."""
    return [GREETING, verify, *middle, CLOSING]


def attempt(case, replies, action, sub=None, *, facts=None, idpel=IDPEL, email=EMAIL,
            bill=345000, customer_lines=None):
    data = {
        "case": case,
        "facts": facts or {"has_account": False, "email_used_elsewhere": False},
        "customer": {"idpel": IDPEL, "name": "Budi Santoso", "email": EMAIL,
                     "bill_amount": bill},
        "replies": replies,
        "apkt": {"action": action, "sub_issue_type": sub, "idpel": idpel, "email": email,
                 "keterangan": "catatan"},
    }
    if customer_lines is not None:
        data["customer_lines"] = customer_lines
    return data


# A full, correct attempt per case (with the facts that make the case interesting).
# tagihan.jumlah: where the amount and the self-service channel are said
AMOUNT_AT, CHANNEL_AT = 2, 3
KOREKSI_LINES = ["Halo Mbak, alamat email Invoice saya salah, mau dikoreksi.", IDPEL,
                 f"Yang benar {EMAIL}, Mbak.", "Terima kasih."]
FULL = {
    "tagihan.jumlah": attempt(
        "tagihan.jumlah",
        call("Tagihan bulan ini sebesar Rp 345.000 ya Pak.",
             "Informasi tagihan juga bisa dilihat di aplikasi PLN Mobile atau www.pln.co.id."),
        "issue_closed",
    ),
    "invoice.email.setuju_web": attempt(
        "invoice.email.setuju_web", call(WEB_OFFER, *STEPS_NO_ACCOUNT, verify=CONFIRM_IDPEL),
        "issue_closed",
    ),
    "invoice.email.tetap": attempt(
        "invoice.email.tetap", call(WEB_OFFER, FORWARD), "forward_unit"
    ),
    "invoice.keluhan.koreksi_email": attempt(
        "invoice.keluhan.koreksi_email",
        call("Baik, alamat email yang benar apa Pak?",
             "Baik, koreksi alamat email Invoice kami sampaikan ke Unit PLN."),
        "keluhan", "koreksi_email_invoice", customer_lines=KOREKSI_LINES,
    ),
    "invoice.keluhan.berhenti": attempt(
        "invoice.keluhan.berhenti",
        call("Permintaan berhenti berlangganan Invoice kami teruskan ke Unit PLN."),
        "keluhan", "berhenti_langganan_invoice",
    ),
    "invoice.keluhan.lainnya": attempt(
        "invoice.keluhan.lainnya",
        call("Keluhan Invoice yang tidak diterima kami laporkan ke Unit PLN."),
        "keluhan", "lainnya_invoice",
    ),
    "website.panduan": attempt(
        "website.panduan", call(STEPS_ACCOUNT), "issue_closed",
        facts={"has_account": True, "email_used_elsewhere": False},
    ),
}
