"""The `cso-trainer` command. Every sub-command calls the same functions as the pages."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
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


class _BadJson(Exception):
    """JSON that parses in principle but not here: too deep, or a number too long."""


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _BadJson("JSON terlalu dalam bertingkat") from None
    except ValueError:  # an integer of more than 4300 digits
        raise _BadJson("angka terlalu panjang") from None


def _records(text: str, jsonl: bool) -> Iterator[tuple[int, str, object]]:
    """(line, source text, parsed data, JSONDecodeError or _BadJson) per attempt."""
    if not jsonl:
        try:
            yield 1, text, _json(text)
        except json.JSONDecodeError as exc:
            yield exc.lineno, text, exc
        except _BadJson as exc:
            yield 1, text, exc
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, line, _json(line)
        except json.JSONDecodeError as exc:
            yield n, line, exc
        except _BadJson as exc:
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
    scorer, version_of = _scoring_content(files=args.files)
    results = []
    used: set[str] = set()
    for line, source, data in _records(text, args.jsonl):
        if isinstance(data, json.JSONDecodeError):
            _err(f"{name}:{line}: (json): JSON tidak valid: {data.msg} (kolom {data.colno})")
            return EXIT_BAD_INPUT
        if isinstance(data, _BadJson):
            _err(f"{name}:{line}: (json): JSON tidak valid: {data}")
            return EXIT_BAD_INPUT
        try:
            result = scorer.score_data(data)
        except AttemptError as exc:
            at = line if args.jsonl else _json_line_of(source, exc.field)
            _err(f"{name}:{at}: {exc.field}: {exc.message}")
            return EXIT_BAD_INPUT
        out = result.to_dict()
        version = version_of(result.case)
        if version:  # optional field: the database's rubric version that gave this score
            out["rubric_version"] = version
        used.add(version or "file SOP (--files)")
        results.append(out)
    _err("dinilai dengan rubrik " + ", ".join(sorted(used))
         + (" dari file SOP" if args.files else " (versi terkini di basis data)"))
    if args.jsonl:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    else:
        print(json.dumps(results[0], ensure_ascii=False, indent=2))
    return 0


def _scoring_content(*, files: bool) -> tuple[Scorer, Callable[[str], str | None]]:
    """The scorer of the database's current SOP and rubric versions (what the pages and QA
    score with), or of the SOP files with `files`; with the rubric version a case is scored by
    ('<sop id>@r<n>', None for files)."""
    if files:
        lib = _library_or_exit()
        return Scorer(lib), lambda case_id: None
    snap = _db_content()

    def version_of(case_id: str) -> str | None:
        found = snap.sops.find_case(case_id)
        return snap.rubric_version(found[0].id) if found else None

    from services.content import scorer_of

    return scorer_of(snap), version_of


def _db_content():
    """The database's current SOPs and scenarios (the shipped files imported first where
    missing): what every page runs on; the commands use it unless given --files."""
    from store.content_io import import_shipped
    from store.content_snapshot import content_snapshot

    db = _open_db()
    if db is None:
        sys.exit(1)
    try:
        import_shipped(db)
        snap = content_snapshot(db)
    finally:
        db.dispose()
    for p in [*snap.sops.problems, *snap.scenarios.problems]:
        _err(f"peringatan: {p}")
    if not snap.sops.sops:
        _err("tidak ada SOP yang valid di basis data; jalankan `cso-trainer validate`")
        sys.exit(1)
    return snap


# ---------------------------------------------------------------- acts
def cmd_acts(args: argparse.Namespace) -> int:
    from scoring.acts import ACT_LABELS, POLARITY_LABELS, ActReader
    from scoring.corpus import CorpusError, evaluate, iter_errors, load_corpus

    lib = _library_or_exit() if args.files else _db_content().sops
    sops = [s for s in lib.sops.values() if s.acts is not None]
    if args.sop:
        sops = [s for s in sops if s.id == args.sop]
    if not sops:
        _err("tidak ada SOP dengan bagian acts" + (f" bernama '{args.sop}'" if args.sop else ""))
        return 1
    reader = ActReader(sops[0])
    if args.eval:
        try:
            examples = load_corpus([args.part])
        except CorpusError as exc:
            _err(str(exc))
            return EXIT_BAD_INPUT
        if not examples:
            _err(f"korpus bagian '{args.part}' kosong")
            return 1
        ev = evaluate(reader, examples)
        if args.json:
            print(json.dumps({"part": args.part, **ev.to_dict()}, ensure_ascii=False, indent=2))
        else:
            print(f"Bagian korpus: {args.part}")
            print(ev.table())
            for line in iter_errors(ev, args.errors):
                print(line)
        return 0
    texts = args.text or ([sys.stdin.read()] if not sys.stdin.isatty() else [])
    if not texts:
        _err("beri teks balasan, atau --eval")
        return EXIT_BAD_INPUT
    out = []
    for text in texts:
        acts = reader.read(text)
        if args.json:
            out.append({"text": text, "acts": [a.to_dict() for a in acts]})
            continue
        print(text)
        if not acts:
            print("    (tidak ada tindakan yang terbaca)")
        for a in acts:
            slots = ", ".join(f"{k}={dict(v) if k == 'if' else v}" for k, v in a.slots)
            print(f"    {a.act} [{POLARITY_LABELS[a.polarity]}]"
                  f"{' ' + slots if slots else ''} · {ACT_LABELS[a.act]} · \"{a.evidence}\"")
    if args.json:
        print(json.dumps(out if len(out) > 1 else out[0], ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------- sop show
def cmd_sop_show(args: argparse.Namespace) -> int:
    from sop.render import sop_as_text

    lib = _library_or_exit() if args.files else _db_content().sops
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


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bukan tanggal YYYY-MM-DD: {text!r}") from None


def cmd_generate(args: argparse.Namespace) -> int:
    from scenarios.generator import MAX_SEED, generate_call

    if args.files:
        lib = _library_or_exit()
        scen = _scenarios_or_exit(lib)
    else:  # the current versions in the database, as the Latihan page generates them
        snap = _db_content()
        lib, scen = snap.sops, snap.scenarios
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
        call = generate_call(scenario, seed, sop=sop, as_of=args.tanggal)
        out.write(json.dumps(call.to_dict(), ensure_ascii=False) + "\n")
    return 0


# ---------------------------------------------------------------- bench
def cmd_bench(args: argparse.Namespace) -> int:
    if args.load:  # N trainees over the websocket against a real server (bench/load.py)
        from bench.load import main as load_main

        return load_main(["--json"] * args.json + ["--quick"] * args.quick)
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


# ---------------------------------------------------------------- users, demo-setup
def _open_db():
    """The app's database, migrated; None (after a message) when it cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.db import Database

    db = Database()
    try:
        db.upgrade()
    except SQLAlchemyError as exc:
        _err(f"{db!r}: tidak dapat dipakai: {exc}")
        db.dispose()
        return None
    return db


def _read_password() -> str | None:
    """The new password from standard input (asked twice on a terminal), never an argument."""
    from core.security import MAX_PASSWORD_CHARS

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != password:
            _err("kedua kata sandi tidak sama")
            return None
        return password
    line = sys.stdin.readline(MAX_PASSWORD_CHARS + 3)
    return line.rstrip("\r\n")


def _users_cmd(func):
    """Run a users sub-command against the database; StoreError -> exit 2 naming the field."""

    def run(args: argparse.Namespace) -> int:
        from store.errors import StoreError

        db = _open_db()
        if db is None:
            return 1
        try:
            return func(db, args)
        except StoreError as exc:
            _err(f"{args.users_command}: {exc.field}: {exc.message}")
            return EXIT_BAD_INPUT
        finally:
            db.dispose()

    return run


def _user_or_none(db, username: str):
    from store import get_user_by_username

    user = get_user_by_username(db, username)
    if user is None:
        _err(f"pengguna '{username}' tidak ada")
    return user


@_users_cmd
def cmd_users_add(db, args: argparse.Namespace) -> int:
    from store.auth import create_account

    password = _read_password()
    if password is None:
        return EXIT_BAD_INPUT
    user = create_account(
        db,
        username=args.username,
        display_name=args.name or args.username,
        roles=args.role,
        password=password,
        email=args.email,
        must_change_password=args.must_change_password,
    )
    _err(f"OK: akun {user.username} dibuat (peran: {', '.join(user.roles)})")
    return 0


@_users_cmd
def cmd_users_list(db, args: argparse.Namespace) -> int:
    from store import list_users

    rows = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "roles": list(u.roles),
            "disabled": u.disabled,
            "must_change_password": u.must_change_password,
            "email": u.email,
        }
        for u in list_users(db)
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from store.users import unsafe_characters

    def shown(text: str) -> str:  # a name stored before control characters were refused
        if not unsafe_characters(text):
            return text
        return "".join(f"\\u{ord(c):04x}" if unsafe_characters(c) else c for c in text)

    for r in rows:
        status = "nonaktif" if r["disabled"] else "aktif"
        print("\t".join([r["username"], ",".join(r["roles"]), status, shown(r["email"] or "-"),
                         shown(r["display_name"])]))  # fmt: skip
    return 0


@_users_cmd
def cmd_users_disable(db, args: argparse.Namespace) -> int:
    from store import set_disabled

    user = _user_or_none(db, args.username)
    if user is None:
        return 1
    disabled = args.users_command == "disable"
    set_disabled(db, user_id=user.id, disabled=disabled, actor_id=None, comment="cso-trainer")
    _err(f"OK: akun {user.username} {'dinonaktifkan' if disabled else 'diaktifkan'}")
    return 0


@_users_cmd
def cmd_users_set_roles(db, args: argparse.Namespace) -> int:
    from store import set_roles

    user = _user_or_none(db, args.username)
    if user is None:
        return 1
    user = set_roles(db, user_id=user.id, roles=args.role, actor_id=None, comment="cso-trainer")
    _err(f"OK: peran {user.username}: {', '.join(user.roles)}")
    return 0


def cmd_demo_setup(args: argparse.Namespace) -> int:
    from core.config import demo_mode
    from store.auth import DEMO_PASSWORD, ensure_demo_accounts

    if not demo_mode():
        _err("demo-setup hanya untuk mode demo (akun dengan kata sandi yang diketahui umum): "
             "jalankan dengan CSO_DEMO=1")  # fmt: skip
        return 1
    db = _open_db()
    if db is None:
        return 1
    try:
        for username, created in ensure_demo_accounts(db):
            _err(f"akun demo {username}: {'dibuat' if created else 'sudah ada'}")
        from services.demo import seed_first_start

        seeded = seed_first_start(db)
        if seeded:
            _err(f"data demo: {seeded} percobaan simulasi untuk dashboard QA")
    finally:
        db.dispose()
    _err(f"kata sandi akun demo: {DEMO_PASSWORD}")
    return 0


# ---------------------------------------------------------------- coverage, export, import
def cmd_coverage(args: argparse.Namespace) -> int:
    from scenarios.coverage import as_json, as_table, coverage

    if args.files is not None:
        from scenarios.library import load_scenarios

        lib = _library_or_exit()
        scen = load_scenarios([Path(p) for p in args.files] or None, sop_library=lib)
        for p in scen.problems:
            _err(f"peringatan: {p}")
        cov = coverage(lib, scen)
    else:
        from store.content_io import import_shipped
        from store.content_snapshot import content_snapshot

        db = _open_db()
        if db is None:
            return 1
        try:
            import_shipped(db)
            snap = content_snapshot(db)
            cov = coverage(snap.sops, snap.scenarios)
        finally:
            db.dispose()
    print(as_json(cov) if args.json else as_table(cov, color=sys.stdout.isatty()))
    if not cov.ok:
        _err("kasus tanpa skenario aktif: " + ", ".join(cov.uncovered_cases))
        return 1
    return 0


def cmd_scenarios_export(args: argparse.Namespace) -> int:
    from store.content_io import export_texts, import_shipped, zip_texts

    db = _open_db()
    if db is None:
        return 1
    try:
        import_shipped(db)
        files = export_texts(db, kind=args.kind, active_only=args.active_only)
    finally:
        db.dispose()
    dest = Path(args.dest)
    try:
        if dest.suffix.lower() == ".zip":
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(zip_texts(files))
        else:
            dest.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (dest / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"{dest}: tidak dapat ditulis: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    _err(f"{len(files)} file diekspor ke {dest}")
    return 0


def cmd_scenarios_import(args: argparse.Namespace) -> int:
    from sop.yamlfile import ContentError, Problem, read_text, yaml_files
    from store.content_io import import_shipped, import_texts, unzip_texts
    from store.errors import StoreError

    files: dict[str, str] = {}
    problems = []
    for raw in args.paths:
        path = Path(raw)
        try:
            if path.suffix.lower() == ".zip" and path.is_file():
                found = unzip_texts(path.read_bytes(), name=str(path))
            else:
                found = {str(f): read_text(f) for f in yaml_files([path])}
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        except OSError as exc:
            _err(f"{path}:1: (file): tidak dapat dibaca: {exc.strerror or exc}")
            return EXIT_BAD_INPUT
        problems.extend(Problem(f"{path}/{k}" if path.suffix.lower() == ".zip" else k, 1,
                                "(file)", "nama file ganda: sudah ada di berkas lain")
                        for k in found if files.get(k, found[k]) != found[k])
        files.update(found)
    for p in problems:
        _err(str(p))
    if problems:
        return EXIT_BAD_INPUT
    if not files:
        _err("tidak ada file .yaml untuk diimpor")
        return EXIT_BAD_INPUT
    db = _open_db()
    if db is None:
        return 1
    try:
        import_shipped(db)
        report = import_texts(db, files, author_id=None, reason=args.reason)
    except ContentError as exc:
        for p in exc.problems:
            _err(str(p))
        _err(f"tidak ada yang diimpor: {len(exc.problems)} masalah")
        return EXIT_BAD_INPUT
    except StoreError as exc:
        _err(f"{exc.field}: {exc.message}")
        return EXIT_BAD_INPUT
    finally:
        db.dispose()
    _err(f"impor selesai: {report.summary()}")
    return 0


# ---------------------------------------------------------------- QA: export, demo-data
def _progress_bar(label: str):
    """A progress bar on standard error: redrawn in place on a terminal, else every 10%."""
    tty = sys.stderr.isatty()
    last = [-1]

    def show(done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        if tty:
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
            end = "\n" if done >= total else ""
            print(f"\r{label} [{bar}] {pct:3d}% {done}/{total}", end=end, file=sys.stderr,
                  flush=True)
        elif pct // 10 != last[0] or done >= total:
            last[0] = pct // 10
            print(f"{label}: {pct}% ({done}/{total})", file=sys.stderr, flush=True)

    return show


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bukan tanggal YYYY-MM-DD: {text!r}") from None


def _qa_filter(db, args: argparse.Namespace):
    """The QA page's filters from command-line options; None (after a message) if bad."""
    from store import get_user_by_username
    from store.dashboard import QaFilter
    from store.errors import StoreError

    trainee_id = None
    if args.trainee:
        user = get_user_by_username(db, args.trainee)
        if user is None:
            _err(f"--trainee: pengguna '{args.trainee}' tidak ada")
            return None
        trainee_id = user.id
    try:
        return QaFilter.for_dates(args.date_from, args.date_to, trainee_id=trainee_id,
                                  case_id=args.case, scenario_id=args.scenario,
                                  passed=args.passed, mode=args.mode, reviewed=args.reviewed)
    except StoreError as exc:
        _err(f"--{exc.field.replace('finished_', '').replace('_', '-')}: {exc.message}")
        return None


def _run_export(args: argparse.Namespace, write) -> int:
    """Open the database, read the QA filter, let `write(db, where, operator)` write `--out`
    and return its summary; one place for the errors every export format shares."""
    from store.access import Requester
    from store.errors import StoreError

    db = _open_db()
    if db is None:
        return 1
    try:
        where = _qa_filter(db, args)
        if where is None:
            return EXIT_BAD_INPUT
        operator = Requester.of(0, {"qa"})  # the command line reads as QA does
        summary = write(db, where, operator)
    except StoreError as exc:
        _err(f"export: {exc.field}: {exc.message}")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"--out: {args.out}: tidak dapat ditulis: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    finally:
        db.dispose()
    _err(f"OK: {args.out} {summary}")
    return 0


def _export_corpus(args: argparse.Namespace) -> int:
    """QA overrides with their replies, in the corpus format (corpus/README.md)."""
    from services.content import scorer_of
    from store.content_snapshot import content_snapshot
    from store.corpus_export import override_examples

    def write(db, where, operator) -> str:
        scorer = scorer_of(content_snapshot(db))

        def read(case_id: str, text: str):
            return scorer.read(case_id, [text])[0]

        lines = override_examples(db, requester=operator, where=where, read=read)
        Path(args.out).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return f"(korpus): {len(lines)} ujaran dari koreksi QA"

    return _run_export(args, write)


def cmd_export(args: argparse.Namespace) -> int:
    from store.export import TABLES, export_tables, write_export

    if args.format == "corpus":
        return _export_corpus(args)

    tables = args.table or (["attempts"] if args.format == "csv" else list(TABLES))
    if args.format == "csv" and len(tables) > 1:
        _err("--table: CSV berisi satu tabel; pilih satu, atau pakai --format xlsx")
        return EXIT_BAD_INPUT

    def write(db, where, operator) -> str:
        data = export_tables(db, requester=operator, where=where, tables=tables)
        write_export(Path(args.out), fmt=args.format, tables=data)
        rows = ", ".join(f"{TABLES[k][0]} {len(v)} baris" for k, v in data.items())
        return f"({args.format}): {rows}"

    return _run_export(args, write)


def cmd_demo_data(args: argparse.Namespace) -> int:
    from services.demo import seed_demo_attempts
    from store.errors import StoreError

    db = _open_db()
    if db is None:
        return 1
    try:
        n = seed_demo_attempts(db, args.attempts, trainees=args.trainees, weeks=args.weeks,
                               seed=args.seed, on_progress=_progress_bar("data demo"))
    except StoreError as exc:
        _err(f"demo-data: {exc.field}: {exc.message}")
        return EXIT_BAD_INPUT
    finally:
        db.dispose()
    _err(f"OK: {n} percobaan demo dari {args.trainees} peserta demo ({args.weeks} minggu)")
    return 0


def _add_qa_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", type=_date, help="selesai mulai tanggal (WIB)")
    p.add_argument("--to", dest="date_to", type=_date, help="selesai sampai tanggal (termasuk)")
    p.add_argument("--trainee", help="username peserta")
    p.add_argument("--case", help="id kasus, mis. invoice.email.tetap")
    p.add_argument("--scenario", help="id skenario")
    p.add_argument("--mode", choices=["latihan", "ujian"])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--passed", dest="passed", action="store_const", const=True,
                   help="hanya yang lulus (setelah penyesuaian QA)")
    g.add_argument("--failed", dest="passed", action="store_const", const=False,
                   help="hanya yang tidak lulus")
    r = p.add_mutually_exclusive_group()
    r.add_argument("--reviewed", dest="reviewed", action="store_const", const=True,
                   help="hanya yang sudah ditinjau QA")
    r.add_argument("--not-reviewed", dest="reviewed", action="store_const", const=False,
                   help="hanya yang belum ditinjau")


def _library_or_exit() -> Library:
    lib = load_library()
    for p in lib.problems:
        _err(f"peringatan: {p}")
    if not lib.sops:
        _err("tidak ada SOP yang valid; jalankan `cso-trainer validate`")
        sys.exit(1)
    return lib


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr (what is wrong, not the whole usage), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


FILES_HELP = "pakai file konten (CSO_SOP_PATH, CSO_SCENARIO_PATH), bukan versi di basis data"


# ---------------------------------------------------------------- cohorts (issue 14)
def cmd_cohorts(args: argparse.Namespace) -> int:
    """cohorts list|show|export|status: what the Angkatan page shows, for LMS and HR systems
    (store.cohorts, store.certification and store.cohort_report, as the page calls them)."""
    from datetime import UTC, datetime

    from store.certification import certification_status
    from store.cohort_report import cohort_json, cohort_report, report_pdf, report_xlsx
    from store.cohorts import get_cohort, get_cohort_by_name, list_cohorts

    db = _open_db()
    if db is None:
        return 1
    now = datetime.now(UTC)
    try:
        cohort = None
        if getattr(args, "cohort", None):
            key = args.cohort
            cohort = (get_cohort(db, int(key)) if key.isdigit() else None) or \
                get_cohort_by_name(db, key)
            if cohort is None:
                _err(f"{args.cohorts_command}: angkatan '{key}' tidak ada")
                return EXIT_BAD_INPUT
        if args.cohorts_command == "list":
            rows = []
            for c in list_cohorts(db):
                certs = certification_status(db, cohort_id=c.id, now=now)
                rows.append({"id": c.id, "name": c.name, "start_date": c.start_date.isoformat(),
                             "sop_id": c.sop_id, "trainees": len(c.trainees),
                             "certified": sum(1 for x in certs if x.certified)})
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for r in [] if args.json else rows:
                print(f"{r['id']}\t{r['name']}\tmulai {r['start_date']}\t{r['trainees']} "
                      f"peserta\t{r['certified']} siap melayani")
        elif args.cohorts_command == "show":
            data = cohort_json(db, cohort.id, now=now)
            if args.json:
                print(json.dumps(data, ensure_ascii=False, indent=2))
                return 0
            print(f"{data['name']} (mulai {data['start_date']}, SOP {data['sop_id']})")
            for a in data["assignments"]:
                print(f"  {a['title']} [{a['kind']}], batas {a['due_at']}")
                for who, st in a["trainees"].items():
                    print(f"    {who}: {st['label']} ({st['done']}/{st['needed']})")
            for c in data["certification"]:
                print(f"  {c['username']}: {c['status']}")
        elif args.cohorts_command == "status":
            certs = certification_status(db, cohort_id=cohort.id if cohort else None, now=now)
            print(json.dumps([c.to_json() for c in certs], ensure_ascii=False, indent=2))
        else:  # export
            out = Path(args.out)
            titles = {c.id: c.title for s in _db_library(db).sops.values() for c in s.cases}
            report = cohort_report(db, cohort.id, now=now, case_titles=titles)
            if out.suffix.lower() not in (".pdf", ".xlsx"):
                _err("export: --out: akhiran harus .pdf atau .xlsx")
                return EXIT_BAD_INPUT
            data = report_pdf(report) if out.suffix.lower() == ".pdf" else report_xlsx(report)
            try:
                out.write_bytes(data)
            except OSError as exc:
                _err(f"export: --out: tidak dapat ditulis ({exc.strerror or exc})")
                return EXIT_BAD_INPUT
            _err(f"{out}: laporan {cohort.name}, {len(report.summary)} peserta")
        return 0
    finally:
        db.dispose()


def _db_library(db) -> Library:
    from store.content_io import import_shipped
    from store.content_snapshot import content_snapshot

    import_shipped(db)
    return content_snapshot(db).sops


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="cso-trainer", description="CSO Trainer PLN 123: konten, penilaian dan data."
    )
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="periksa file konten (SOP dan skenario)")
    v.add_argument("paths", nargs="*", help="file atau folder (default: semua konten)")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("score", help="nilai percobaan (JSON) sesuai rubrik SOP")
    s.add_argument("file", help="file JSON, atau - untuk standard input")
    s.add_argument("--jsonl", action="store_true", help="satu percobaan per baris")
    s.add_argument("--files", action="store_true",
                   help="nilai dengan file SOP (CSO_SOP_PATH), bukan versi terkini di basis data")
    s.set_defaults(func=cmd_score)

    ac = sub.add_parser("acts", help="cara sebuah balasan dibaca menjadi tindakan (acts)")
    ac.add_argument("text", nargs="*", help="teks balasan CSO (atau lewat standard input)")
    ac.add_argument("--eval", action="store_true",
                    help="presisi dan recall per tindakan pada korpus berlabel")
    ac.add_argument("--part", default="holdout", choices=("holdout", "tune", "qa"),
                    help="bagian korpus untuk --eval (bawaan: holdout, bagian yang disisihkan)")
    ac.add_argument("--errors", type=int, default=0, metavar="N",
                    help="dengan --eval: tampilkan N ujaran yang terbaca berbeda")
    ac.add_argument("--sop", help="id SOP (bawaan: yang pertama)")
    ac.add_argument("--json", action="store_true")
    ac.add_argument("--files", action="store_true", help=FILES_HELP)
    ac.set_defaults(func=cmd_acts)
    sp = sub.add_parser("sop", help="SOP di terminal")
    sps = sp.add_subparsers(dest="sop_command", required=True)
    show = sps.add_parser("show", help="tampilkan langkah-langkah SOP")
    show.add_argument("id", nargs="?", help="id SOP (default: satu-satunya SOP)")
    show.add_argument("--files", action="store_true", help=FILES_HELP)
    show.set_defaults(func=cmd_sop_show)

    sc = sub.add_parser("scenarios", help="daftar skenario latihan")
    sc.add_argument("--json", action="store_true", help="cetak sebagai daftar objek JSON")
    sc.set_defaults(func=cmd_scenarios)
    scs = sc.add_subparsers(dest="scenarios_command")
    se = scs.add_parser("export", help="ekspor versi terkini dari basis data ke file YAML")
    se.add_argument("dest", help="folder (satu file per skenario) atau file .zip")
    se.add_argument("--kind", choices=["scenario", "sop"], default="scenario",
                    help="skenario (default) atau SOP beserta rubriknya")
    se.add_argument("--active-only", action="store_true", help="hanya yang aktif")
    se.set_defaults(func=cmd_scenarios_export)
    si = scs.add_parser("import", help="impor file YAML (atau .zip) sebagai versi baru")
    si.add_argument("paths", nargs="+", help="file, folder atau arsip .zip")
    si.add_argument("--reason", default="impor dari file", help="alasan singkat (riwayat)")
    si.set_defaults(func=cmd_scenarios_import)

    cv = sub.add_parser("coverage", help="cakupan kasus dan varian SOP oleh skenario aktif")
    cv.add_argument("--json", action="store_true", help="cetak sebagai daftar objek JSON")
    cv.add_argument("--files", nargs="*", metavar="PATH",
                    help="baca skenario dari file/folder (default: basis data aplikasi)")
    cv.set_defaults(func=cmd_coverage)

    g = sub.add_parser("generate", help="buat panggilan latihan (satu JSON per baris)")
    g.add_argument("--scenario", required=True, help="id skenario")
    g.add_argument("--seed", type=_seed, required=True, help="seed pertama")
    g.add_argument("--count", type=_count, default=1, help="jumlah panggilan (seed berurutan)")
    g.add_argument("--files", action="store_true", help=FILES_HELP)
    g.add_argument("--tanggal", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="tanggal panggilan: tagihan terakhir adalah bulan ini (bawaan: hari ini, "
                        "WIB); seed dan tanggal yang sama memberi panggilan yang sama")
    g.set_defaults(func=cmd_generate)

    d = sub.add_parser("db", help="basis data (CSO_DATABASE_URL atau data/cso_trainer.db)")
    ds = d.add_subparsers(dest="db_command", required=True)
    up = ds.add_parser("upgrade", help="terapkan migrasi skema sampai versi terbaru")
    up.set_defaults(func=cmd_db_upgrade)

    u = sub.add_parser("users", help="akun dan peran (untuk penyiapan lewat skrip)")
    us = u.add_subparsers(dest="users_command", required=True)
    roles = {"choices": ["trainee", "trainer", "qa", "admin"], "action": "append",
             "required": True, "help": "peran (boleh diulang)"}  # fmt: skip
    ua = us.add_parser("add", help="buat akun; kata sandi dibaca dari standard input",
                       description="Buat akun. Kata sandi dibaca dari standard input (di "
                       "terminal: ditanya dua kali), tidak pernah dari argumen.")  # fmt: skip
    ua.add_argument("username")
    ua.add_argument("--role", **roles)
    ua.add_argument("--name", help="nama lengkap (default: nama pengguna)")
    ua.add_argument("--email", help="email identitas SSO (OIDC) yang masuk sebagai akun ini")
    ua.add_argument("--must-change-password", action="store_true",
                    help="wajib ganti kata sandi saat pertama masuk")  # fmt: skip
    ua.set_defaults(func=cmd_users_add)
    ul = us.add_parser("list", help="daftar akun")
    ul.add_argument("--json", action="store_true", help="cetak sebagai daftar objek JSON")
    ul.set_defaults(func=cmd_users_list)
    for name, text in (("disable", "nonaktifkan akun"), ("enable", "aktifkan lagi akun")):
        ud = us.add_parser(name, help=text)
        ud.add_argument("username")
        ud.set_defaults(func=cmd_users_disable)
    ur = us.add_parser("set-roles", help="ganti semua peran akun")
    ur.add_argument("username")
    ur.add_argument("--role", **roles)
    ur.set_defaults(func=cmd_users_set_roles)

    dm = sub.add_parser("demo-setup", help="buat akun demo (hanya dengan CSO_DEMO=1)")
    dm.set_defaults(func=cmd_demo_setup)

    ex = sub.add_parser("export", help="ekspor percobaan, hasil per kriteria dan tabel dashboard")
    ex.add_argument("--format", choices=["csv", "xlsx", "corpus"], required=True,
                    help="csv, xlsx, atau corpus: koreksi QA beserta balasannya sebagai contoh "
                         "berlabel (JSONL, format corpus/README.md)")
    ex.add_argument("--out", required=True, help="file tujuan")
    ex.add_argument("--table", action="append",
                    help="attempts, criteria, by_trainee, by_case, by_scenario, by_criterion, "
                         "weekly, weakest_by_trainee atau mastery (boleh berulang untuk xlsx); "
                         "default: csv = attempts, xlsx = semua")
    _add_qa_filters(ex)
    ex.set_defaults(func=cmd_export)

    dd = sub.add_parser("demo-data", help="isi basis data dengan percobaan simulasi")
    dd.add_argument("--attempts", type=_count, required=True, help="jumlah percobaan")
    dd.add_argument("--trainees", type=int, default=12, help="jumlah peserta demo (1..1000)")
    dd.add_argument("--weeks", type=int, default=8, help="rentang minggu (default 8)")
    dd.add_argument("--seed", type=int, default=1, help="seed simulasi")
    dd.set_defaults(func=cmd_demo_data)

    co = sub.add_parser("cohorts", help="angkatan, tugas dan sertifikasi (untuk LMS/HR)")
    cos = co.add_subparsers(dest="cohorts_command", required=True)
    cl = cos.add_parser("list", help="daftar angkatan")
    cl.add_argument("--json", action="store_true", help="cetak sebagai JSON")
    csh = cos.add_parser("show", help="anggota, tugas dan status tiap peserta")
    csh.add_argument("cohort", help="id atau nama angkatan")
    csh.add_argument("--json", action="store_true", help="cetak sebagai JSON")
    cst = cos.add_parser("status", help="status sertifikasi (JSON) semua atau satu angkatan")
    cst.add_argument("cohort", nargs="?", help="id atau nama angkatan (default: semua)")
    cex = cos.add_parser("export", help="laporan angkatan sebagai PDF atau Excel")
    cex.add_argument("cohort", help="id atau nama angkatan")
    cex.add_argument("--out", required=True, help="file .pdf atau .xlsx")
    co.set_defaults(func=cmd_cohorts)

    b = sub.add_parser("bench", help="ukur kecepatan (mencetak angka, bukan tes)")
    b.add_argument("--json", action="store_true", help="cetak hasil sebagai JSON")
    b.add_argument("--quick", action="store_true", help="putaran singkat")
    b.add_argument("--load", action="store_true",
                   help="uji beban: N peserta lewat websocket ke server sungguhan (N=1,20,50)")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`cso-trainer score ... | head`): stop quietly, as other
        # command-line tools do; stdout goes to devnull so the exit flush cannot complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return code


if __name__ == "__main__":
    sys.exit(main())
