"""The `cso-trainer` command. Every sub-command calls the same functions as the pages."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from scoring.attempt import AttemptError
from scoring.scorer import Scorer
from sop.library import Library, load_library

EXIT_BAD_INPUT = 2


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


# ---------------------------------------------------------------- validate
def cmd_validate(args: argparse.Namespace) -> int:
    from core.content import validate_paths

    problems, checked = validate_paths([Path(p) for p in args.paths] or None)
    for p in problems:
        print(p)
    if problems:
        _err(f"{len(problems)} masalah di {checked} file")
        return 1
    _err(f"OK: {checked} file valid")
    return 0


# ---------------------------------------------------------------- score
def _json_line_of(text: str, field: str) -> int:
    """The line of a JSON document where the named field's last key appears (1 if unknown)."""
    key = field.split(".")[-1].split("[")[0]
    idx = text.find(f'"{key}"') if key and key != "(attempt)" else -1
    return text.count("\n", 0, idx) + 1 if idx >= 0 else 1


def _records(text: str, jsonl: bool) -> Iterator[tuple[int, str, object]]:
    """(line, source text, parsed data or JSONDecodeError) per attempt."""
    if not jsonl:
        try:
            yield 1, text, json.loads(text)
        except json.JSONDecodeError as exc:
            yield exc.lineno, text, exc
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, line, json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, line, exc


def cmd_score(args: argparse.Namespace) -> int:
    name = "<stdin>" if args.file == "-" else args.file
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _err(f"{name}:1: (file): tidak dapat dibaca: {exc}")
        return EXIT_BAD_INPUT
    scorer = Scorer(_library_or_exit())
    results = []
    for line, source, data in _records(text, args.jsonl):
        if isinstance(data, json.JSONDecodeError):
            _err(f"{name}:{line}: (json): JSON tidak valid: {data.msg} (kolom {data.colno})")
            return EXIT_BAD_INPUT
        try:
            result = scorer.score_data(data)
        except AttemptError as exc:
            at = line if args.jsonl else _json_line_of(source, exc.field)
            _err(f"{name}:{at}: {exc.field}: {exc.message}")
            return EXIT_BAD_INPUT
        results.append(result.to_dict())
    if args.jsonl:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    else:
        print(json.dumps(results[0], ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------- sop show
def cmd_sop_show(args: argparse.Namespace) -> int:
    from sop.render import sop_as_text

    lib = _library_or_exit()
    if args.id is None:
        if len(lib.sops) == 1:
            args.id = next(iter(lib.sops))
        else:
            for sop in lib.sops.values():
                print(f"{sop.id}\t{sop.title}")
            return 0
    sop = lib.sops.get(args.id)
    if sop is None:
        _err(f"SOP '{args.id}' tidak ada; yang ada: {', '.join(lib.sops) or '-'}")
        return 1
    print(sop_as_text(sop))
    return 0


# ---------------------------------------------------------------- scenarios, generate
def _scenarios_or_exit(lib: Library):
    from scenarios.library import load_scenarios

    scen = load_scenarios(sop_library=lib)
    for p in scen.problems:
        _err(f"peringatan: {p}")
    return scen


def cmd_scenarios(args: argparse.Namespace) -> int:
    scen = _scenarios_or_exit(_library_or_exit())
    rows = [s.summary() for s in scen]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        facts = ",".join(f"{k}={str(v).lower()}" for k, v in r["facts"].items()) or "-"
        print("\t".join([r["id"], r["case"], r["difficulty"], r["persona"], facts, r["status"],
                         r["title"]]))
    return 0


def _seed(text: str) -> int:
    from scenarios.generator import MAX_SEED

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bukan bilangan bulat: {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"harus 0..{MAX_SEED}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bukan bilangan bulat: {text!r}") from None
    if not 1 <= value <= 10_000_000:
        raise argparse.ArgumentTypeError("harus 1..10000000")
    return value


def cmd_generate(args: argparse.Namespace) -> int:
    from scenarios.generator import MAX_SEED, generate_call

    lib = _library_or_exit()
    scen = _scenarios_or_exit(lib)
    scenario = scen.get(args.scenario)
    if scenario is None:
        _err(f"skenario '{args.scenario}' tidak ada; yang ada: {', '.join(scen.scenarios) or '-'}")
        return EXIT_BAD_INPUT
    if args.seed + args.count - 1 > MAX_SEED:
        _err(f"--seed + --count melewati {MAX_SEED}")
        return EXIT_BAD_INPUT
    sop = lib.find_case(scenario.case)[0]
    out = sys.stdout
    for seed in range(args.seed, args.seed + args.count):
        call = generate_call(scenario, seed, sop=sop)
        out.write(json.dumps(call.to_dict(), ensure_ascii=False) + "\n")
    return 0


# ---------------------------------------------------------------- bench
def cmd_bench(args: argparse.Namespace) -> int:
    from bench.run import run

    return run(as_json=args.json, quick=args.quick)


# ---------------------------------------------------------------- db
def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from store.db import Database

    db = Database()
    try:
        before = db.current_revision()
        db.upgrade()
        _err(f"{db!r}: skema {before or '(kosong)'} -> {db.current_revision()}")
    except OperationalError as exc:
        _err(f"{db!r}: tidak dapat dipakai: {str(exc.orig).strip()}")
        return 1
    finally:
        db.dispose()
    return 0


def _library_or_exit() -> Library:
    lib = load_library()
    for p in lib.problems:
        _err(f"peringatan: {p}")
    if not lib.sops:
        _err("tidak ada SOP yang valid; jalankan `cso-trainer validate`")
        sys.exit(1)
    return lib


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cso-trainer", description="CSO Trainer PLN 123: konten, penilaian dan data."
    )
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="periksa file konten (SOP dan skenario)")
    v.add_argument("paths", nargs="*", help="file atau folder (default: semua konten)")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("score", help="nilai percobaan (JSON) sesuai rubrik SOP")
    s.add_argument("file", help="file JSON, atau - untuk standard input")
    s.add_argument("--jsonl", action="store_true", help="satu percobaan per baris")
    s.set_defaults(func=cmd_score)

    sp = sub.add_parser("sop", help="SOP di terminal")
    sps = sp.add_subparsers(dest="sop_command", required=True)
    show = sps.add_parser("show", help="tampilkan langkah-langkah SOP")
    show.add_argument("id", nargs="?", help="id SOP (default: satu-satunya SOP)")
    show.set_defaults(func=cmd_sop_show)

    sc = sub.add_parser("scenarios", help="daftar skenario latihan")
    sc.add_argument("--json", action="store_true", help="cetak sebagai daftar objek JSON")
    sc.set_defaults(func=cmd_scenarios)

    g = sub.add_parser("generate", help="buat panggilan latihan (satu JSON per baris)")
    g.add_argument("--scenario", required=True, help="id skenario")
    g.add_argument("--seed", type=_seed, required=True, help="seed pertama")
    g.add_argument("--count", type=_count, default=1, help="jumlah panggilan (seed berurutan)")
    g.set_defaults(func=cmd_generate)

    d = sub.add_parser("db", help="basis data (CSO_DATABASE_URL atau data/cso_trainer.db)")
    ds = d.add_subparsers(dest="db_command", required=True)
    up = ds.add_parser("upgrade", help="terapkan migrasi skema sampai versi terbaru")
    up.set_defaults(func=cmd_db_upgrade)

    b = sub.add_parser("bench", help="ukur kecepatan (mencetak angka, bukan tes)")
    b.add_argument("--json", action="store_true", help="cetak hasil sebagai JSON")
    b.add_argument("--quick", action="store_true", help="putaran singkat")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
