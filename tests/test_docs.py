"""The README cannot drift from the code (as datasette's test_docs.py does): its command table
against the command line's argparse parser, its configuration table against core/config.py,
its demo accounts against store.auth, and its layout section against the tree."""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
from pathlib import Path

import pytest

import cli
from store.auth import DEMO_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's text under `## title`, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README + "\n## ", re.M | re.S)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def cells(row: str) -> list[str]:
    """A Markdown table row's cells (`\\|` inside a cell is a literal bar)."""
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def table_rows(text: str) -> list[list[str]]:
    return [cells(line) for line in text.splitlines()
            if line.startswith("|") and not re.match(r"\|\s*-", line)][1:]  # after the header


# ---------------------------------------------------------------- the command line
def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def parser_commands() -> dict[str, argparse.ArgumentParser]:
    """'users add' -> its parser: every command a user can type; a command with optional
    subcommands (`scenarios`) is one itself, one with required subcommands (`sop`) is not."""
    out: dict[str, argparse.ArgumentParser] = {}

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        subs = subcommands(parser)
        required = any(isinstance(a, argparse._SubParsersAction) and a.required
                       for a in parser._actions)
        if prefix and not required:
            out[prefix] = parser
        for name, sub in subs.items():
            walk(f"{prefix} {name}".strip(), sub)

    walk("", cli.build_parser())
    return out


COMMANDS = parser_commands()


def documented_commands() -> list[tuple[str, str, str]]:
    """(command, its usage as written, the whole row) for each usage in the command table: a
    row's first cell holds one or more usages separated by ' / '."""
    out = []
    for row in table_rows(section("The command line")):
        for usage in row[0].split(" / "):
            first = re.match(r"`([^`]*)`", usage.strip())
            assert first, f"a usage without a command in backticks: {usage!r}"
            words = first.group(1).removeprefix("cso-trainer ").split()
            command = words[0]
            for word in words[1:]:
                if f"{command} {word}" not in COMMANDS:
                    break
                command = f"{command} {word}"
            out.append((command, usage, " | ".join(row)))
    return out


DOCUMENTED = documented_commands()


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def test_the_command_table_is_read():
    assert len(DOCUMENTED) >= 20
    assert {"score", "users add", "scenarios", "scenarios export", "db upgrade"} <= {
        c for c, _, _ in DOCUMENTED}


@pytest.mark.parametrize("command,usage,row", DOCUMENTED, ids=[c for c, _, _ in DOCUMENTED])
def test_every_documented_command_exists_with_its_options(command, usage, row):
    assert command in COMMANDS, f"README documents `{command}`, which cli.py does not have"
    # every option the row names belongs to one of the row's commands
    mine = set().union(*(options(COMMANDS[c]) for c, _, r in DOCUMENTED
                         if r == row and c in COMMANDS))
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", row))
    assert named <= mine, f"{command}: README names {sorted(named - mine)}, not in cli.py"


def test_every_command_is_documented():
    documented = {c for c, _, _ in DOCUMENTED}
    missing = sorted(set(COMMANDS) - documented)
    assert not missing, f"cli.py commands missing from the README's command table: {missing}"


# ---------------------------------------------------------------- configuration
def config_settings() -> set[str]:
    """The environment variables core/config.py reads (its string constants CSO_*)."""
    tree = ast.parse((ROOT / "core" / "config.py").read_text(encoding="utf-8"))
    body = tree.body[1:] if ast.get_docstring(tree) else tree.body
    return {node.value for stmt in body for node in ast.walk(stmt)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"CSO_[A-Z0-9_]+", node.value)}


def documented_settings() -> set[str]:
    out = set()
    for row in table_rows(section("Configuration")):
        name = re.fullmatch(r"`(CSO_[A-Z0-9_]+)`", row[0])
        assert name, f"a configuration row without a `CSO_...` name: {row[0]!r}"
        out.add(name.group(1))
    return out


# Settings of the test run, read by tests/conftest.py rather than by the app.
TEST_SETTINGS = {"CSO_TEST_POSTGRES_URL"}


def test_every_setting_is_documented_and_every_documented_setting_exists():
    read = config_settings()
    assert {"CSO_DATABASE_URL", "CSO_DEMO"} <= read
    documented = documented_settings()
    assert not read - documented, f"undocumented settings: {sorted(read - documented)}"
    unknown = documented - read - TEST_SETTINGS
    assert not unknown, f"the README documents settings core/config.py does not read: {unknown}"
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert all(s in conftest for s in TEST_SETTINGS)


# ---------------------------------------------------------------- demo accounts, layout
def test_the_demo_accounts_listed_are_the_ones_demo_setup_creates():
    text = section("Accounts and access")
    sentence = re.search(r"demo-setup` creates the\s+accounts (.*?), all with", text, re.S)
    assert sentence, "README: the sentence listing the demo accounts is gone"
    listed = re.findall(r"`([a-z0-9]+)`", sentence.group(1))
    assert listed == [username for username, _, _ in DEMO_ACCOUNTS]


def layout_entries() -> set[str]:
    block = re.search(r"```\n(.*?)```", section("Layout"), re.S)
    assert block, "README: the layout block is gone"
    return {line.split()[0].rstrip("/") for line in block.group(1).splitlines()
            if line and not line.startswith(" ")}


def tree_entries() -> set[str]:
    """What is at the top of the repository, without what git ignores."""
    ignored = [p.strip().strip("/") for p in (ROOT / ".gitignore").read_text().splitlines()
               if p.strip() and not p.startswith("#")]
    return {p.name for p in ROOT.iterdir()
            if p.name not in {".git", ".gitignore"}
            and not any(fnmatch.fnmatch(p.name, pattern) for pattern in ignored)}


def test_the_layout_section_names_everything_at_the_top_of_the_tree():
    documented, present = layout_entries(), tree_entries()
    assert not present - documented, f"not in the README's layout: {sorted(present - documented)}"
    assert not documented - present, f"in the layout but not in the tree: {documented - present}"
