"""The measures' inputs read from a store: "addresses you" is the Python rule, not a copy in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from closeknit.ingest.records import Ident, Interaction, SelfIdentity
from closeknit.language.detectors import addresses_you
from closeknit.relate import load
from closeknit.store import Store
from closeknit.store.load import load_records

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
ME = Ident("email", "email", "me@example.org", "Me")
ANA = Ident("email", "email", "ana@example.org", "Ana")
TEXTS = ["¿Tú vienes mañana?", "Hasta luego.", "Are you coming?", "你明天来吗", "Tutto bene", None]


def test_addresses_you_in_the_measures_is_the_detectors_rule(tmp_path):
    recs: list = [SelfIdentity(ME, "test")]
    for n, text in enumerate(TEXTS):
        a, b = (ANA, ME) if n % 2 == 0 else (ME, ANA)
        recs.append(Interaction(f"m{n}", "message", "email", T0 + timedelta(hours=n), a, [(b, "recipient")], text=text))
    st = Store(tmp_path / "s.duckdb")
    try:
        load_records(st, recs, fmt="test", path="test", fingerprint="t1", parser_version="1")
        rels = load(st.con)
        got = rels.rows("SELECT ts, addresses_you FROM ev_in ORDER BY ts")
        again = load(st.con).rows("SELECT ts, addresses_you FROM ev_in ORDER BY ts")  # the function is made once
        assert again == got
    finally:
        st.close()
    # RE2's \b is ASCII-only: a regular expression in SQL missed "¿Tú ...?" (ú is not a word character to it)
    assert [r["addresses_you"] for r in got] == [True, False, True, True, False, None]
    assert [r["addresses_you"] for r in got[:-1]] == [addresses_you(t) for t in TEXTS[:-1]]
