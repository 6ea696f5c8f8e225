"""Checks of the project itself: every command documented, every importer documented and tested."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from closeknit.ingest import importers
from closeknit.present.cli import cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
# importers whose docs live together in one file
DOC_OF = {"calls": "sms", "google-contacts": "vcard", "events": None, "edges": None}


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_help_ends_with_an_example(name):
    r = CliRunner().invoke(cli, [name, "--help"], terminal_width=120)
    assert r.exit_code == 0
    lines = [ln.strip() for ln in r.output.splitlines() if ln.strip()]
    starts = [i for i, ln in enumerate(lines) if ln.lower().startswith("example")]
    assert starts, f"{name} --help has no example"
    examples = lines[starts[-1] + 1 :]
    assert examples and examples[0].startswith(f"closeknit {name}"), examples
    assert all(ln.startswith("closeknit ") for ln in examples), examples


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_in_the_readme(name):
    assert re.search(rf"closeknit {re.escape(name)}\b", README), f"README never shows `closeknit {name}`"


def test_subcommands_have_help():
    for name, cmd in cli.commands.items():
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                assert sub.help, f"closeknit {name} {sub_name} has no help"


@pytest.mark.parametrize("fmt", sorted(importers()))
def test_every_importer_is_documented_and_tested(fmt):
    doc = DOC_OF.get(fmt, fmt)
    if doc:
        assert (REPO / "docs" / "formats" / f"{doc}.md").is_file(), f"docs/formats/{doc}.md is missing"
        assert f"(`{fmt}`" in README or f"`{fmt}`" in README, f"README does not name the {fmt} format"
    tests = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "tests" / "ingest").glob("test_*.py"))
    assert re.search(rf"""["']{re.escape(fmt)}["']""", tests), f"no importer test names format {fmt!r}"
