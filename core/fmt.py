"""How the app writes dates, times, numbers and yes/no for Indonesian readers: one module for
every page, export and command (no streamlit here).

    waktu(t)        "5 Okt 2025 14.03 WIB"   (Indonesian time of day uses a dot)
    tanggal(d)      "5 Okt 2025"             tanggal(d, panjang=True): "5 Oktober 2025"
    bulan(d)        "Okt 2025"
    angka(71.94)    "71,9"                   angka(3401, 0): "3.401"
    persen(71.94)   "71,9 %"
    ya_tidak(True)  "ya"
    stempel(t)      "20251005-1403"          (file names: WIB, sortable)
"""

from __future__ import annotations

import datetime as dt

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")  # Asia/Jakarta: no daylight saving
BULAN = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November "
         "Desember").split()
BULAN_PENDEK = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                "Des")


def wib(moment: dt.datetime) -> dt.datetime:
    """The moment in WIB (a naive datetime is taken as UTC, as the database keeps them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(WIB)


def tanggal(date: dt.date | dt.datetime, *, panjang: bool = False) -> str:
    if isinstance(date, dt.datetime):
        date = wib(date).date()
    months = BULAN if panjang else BULAN_PENDEK
    return f"{date.day} {months[date.month - 1]} {date.year}"


def bulan(date: dt.date) -> str:
    return f"{BULAN_PENDEK[date.month - 1]} {date.year}"


def waktu(moment: dt.datetime | None) -> str:
    if moment is None:
        return "–"
    local = wib(moment)
    return f"{tanggal(local.date())} {local:%H.%M} WIB"


def angka(value: float | int | None, digits: int = 1) -> str:
    """A number with a decimal comma and a dot between thousands; "–" for none."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def persen(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{angka(value, digits)} %"


def ya_tidak(value: bool | None) -> str:
    return "" if value is None else ("ya" if value else "tidak")


def stempel(moment: dt.datetime | None = None) -> str:
    """A file name's time stamp, in WIB."""
    return wib(moment or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M")
