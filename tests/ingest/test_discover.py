"""Importing what people have: a Downloads-like folder of several exports, zips in zips, a PDF."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from closeknit.demo.build import write_exports
from closeknit.demo.life import simulate
from closeknit.ingest.discover import discover, reopen, Discovery
from closeknit.present.cli import cli
from closeknit.store import Store


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    """The demo's exports as a user's Downloads folder: the mail Takeout folder zipped, that zip
    inside another zip (a Takeout bundle), and a stray PDF."""
    root = tmp_path_factory.mktemp("dl")
    dl = root / "Downloads"
    write_exports(simulate(7), dl)
    inner = root / "takeout-20261101-001.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted((dl / "Takeout").rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(dl).as_posix())
    shutil.rmtree(dl / "Takeout")
    with zipfile.ZipFile(dl / "takeout-bundle.zip", "w") as z:
        z.write(inner, inner.name)
    (dl / "invoice 2026-10.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n")
    return dl


def test_discover_finds_every_export_and_names_what_it_skips(downloads):
    with discover(downloads) as d:
        by_format: dict[str, int] = {}
        for f in d.found:
            by_format[f.importer.name] = by_format.get(f.importer.name, 0) + 1
        assert by_format == {"calls": 1, "ical": 1, "linkedin": 1, "mbox": 1, "messenger": 1, "sms": 1,
                             "twitter": 1, "vcard": 1, "whatsapp": 1, "wordpress": 1}
        labels = {f.label for f in d.found}
        assert f"{downloads}/takeout-bundle.zip/takeout-20261101-001.zip" in labels  # a zip in a zip
        assert f"{downloads}/SMSBackupRestore/calls-20261101000000.xml" in labels  # whole names
        assert f"{downloads}/WhatsApp" in labels  # a folder of chats (.txt and .zip) is one export
        assert [(s.label, s.reason) for s in d.skipped] == [
            (f"{downloads}/invoice 2026-10.pdf", "a .pdf file that no importer recognises (closeknit import --list-formats)")
        ]


def test_import_of_a_downloads_folder_imports_every_export(downloads, tmp_path):
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(cli, ["import", str(downloads), "--db", str(db)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert f"Skipped {downloads}/invoice 2026-10.pdf: a .pdf file that no importer recognises" in r.output
    # the summary names the folder once and each export whole within it, with its format
    assert f"Import summary (in {downloads})" in r.output
    named = sorted(line.strip().split("  ")[0] for line in r.output.splitlines() if re.search(r"\) +[\d,]+ ", line))
    assert named == [
        "Basic_LinkedInDataExport_11-01-2026.zip (linkedin)", "Blog (wordpress)", "Calendar (ical)", "Contacts (vcard)",
        "SMSBackupRestore/calls-20261101000000.xml (calls)", "SMSBackupRestore/sms-20261101000000.xml (sms)",
        "WhatsApp (whatsapp)", "facebook-noracastell-2026-11-01-6FdSn0.zip (messenger)",
        "takeout-bundle.zip/takeout-20261101-001.zip (mbox)", "twitter-2026-11-01-4aee29379444cd55.zip (twitter)",
    ]
    with Store(db, read_only=True) as st:
        per_format = st.con.execute(
            "SELECT format, count(*), sum(n_added)::BIGINT, sum(n_errors)::BIGINT FROM sources GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert per_format == [
            ("calls", 1, 1003, 0), ("ical", 1, 505, 0), ("linkedin", 1, 130, 0), ("mbox", 1, 2450, 0),
            ("messenger", 1, 1906, 0), ("sms", 1, 1089, 0), ("twitter", 1, 4910, 0), ("vcard", 1, 0, 0),
            ("whatsapp", 1, 13417, 0), ("wordpress", 1, 117, 0),
        ]
        # what the demo imports export by export (docs/demo.md): 25,527 interactions
        assert st.count("interactions") == 25_527
        mbox_path = st.con.execute("SELECT path FROM sources WHERE format = 'mbox'").fetchall()[0][0]
    assert mbox_path == f"{downloads}/takeout-bundle.zip/takeout-20261101-001.zip"
    # the same folder again: every export is recognised as already imported
    r = CliRunner().invoke(cli, ["import", str(downloads), "--db", str(db)], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    assert "takeout-bundle.zip/takeout-20261101-001.zip (mbox, unchanged)" in r.output
    with Store(db, read_only=True) as st:
        assert st.count("sources") == 10 and st.count("interactions") == 25_527


def test_a_path_with_no_export_is_an_error(downloads, tmp_path):
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(cli, ["import", str(downloads / "invoice 2026-10.pdf"), "--db", str(db)])
    assert r.exit_code == 1
    assert "no export closeknit can read found" in r.output


def test_format_on_something_else_is_an_error(downloads, tmp_path):
    db = tmp_path / "s.duckdb"
    tw = next(downloads.glob("twitter-*.zip"))
    r = CliRunner().invoke(cli, ["import", str(tw), "--format", "whatsapp", "--db", str(db)])
    assert r.exit_code == 1
    assert f"no whatsapp export found ({tw}: a twitter export, not whatsapp (--format whatsapp))" in r.output
    with Store(db, read_only=True) as st:
        assert st.count("sources") == 0


def test_format_keeps_only_that_format(downloads):
    with discover(downloads, only="sms") as d:
        assert [f.label for f in d.found] == [f"{downloads}/SMSBackupRestore/sms-20261101000000.xml"]
        reasons = {s.label: s.reason for s in d.skipped}
        assert reasons[f"{downloads}/SMSBackupRestore/calls-20261101000000.xml"] == "a calls export, not sms (--format sms)"


def test_reopen_finds_a_part_of_a_zip_in_a_zip(downloads):
    label = f"{downloads}/takeout-bundle.zip/takeout-20261101-001.zip"
    with Discovery() as out:
        tree = reopen(label, out)
        assert sorted(tree.names()) == ["Takeout/Mail/All mail Including Spam and Trash.mbox"]
        with discover(downloads) as d:
            again = next(f for f in d.found if f.label == label)
            assert again.tree.fingerprint() == tree.fingerprint()


@pytest.mark.parametrize("content", [b"", b"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"], ids=["empty", "hosts"])
def test_every_forced_format_on_an_empty_file_or_a_hosts_file_is_an_error_and_records_nothing(tmp_path, content):
    from closeknit.ingest.base import importers

    p = tmp_path / "hosts"
    p.write_bytes(content)
    db = tmp_path / "s.duckdb"
    for name in sorted(importers()):
        r = CliRunner().invoke(cli, ["import", str(p), "--format", name, "--db", str(db)])
        assert (r.exit_code, r.output) == (1, f"Error: {p}: no {name} export found ({p}: not a {name} export)\n"), name
    with Store(db, read_only=True) as st:
        assert (st.count("sources"), st.count("interactions")) == (0, 0)
