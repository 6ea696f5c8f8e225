"""Property-based fuzzing of every importer and of the score / predict-contacts CSV readers.

Each example is a real export (one of our fixtures) damaged the way files get damaged (cut short,
bytes flipped, a piece repeated, random bytes spliced in) or plain random bytes; the importer must
either yield records (a :class:`BadRecord` for what it cannot read) or raise a
:class:`CloseknitError` (one line for the user). Any other exception is a crash. Deterministic
(``derandomize``) and short; ``benchmarks/fuzz.py`` runs the same idea for minutes per importer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closeknit.core.errors import CloseknitError
from closeknit.ingest import ImportContext, get_importer, open_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

#: importer -> (fixture, the member to damage inside a folder fixture or None)
SEEDS: dict[str, tuple[Path | None, str | None]] = {
    "calls": (FIXTURES / "calls" / "calls-2024.xml", None),
    "sms": (FIXTURES / "sms" / "sms-2024.xml", None),
    "disqus": (FIXTURES / "blog" / "disqus-2024.xml", None),
    "wordpress": (FIXTURES / "blog" / "wxr-1.2.xml", None),
    "telegram": (FIXTURES / "telegram" / "full_export.json", None),
    "twitter": (FIXTURES / "twitter" / "v2019", "data/tweet.js"),
    "vcard": (FIXTURES / "vcard" / "contacts-4.0.vcf", None),
    "google-contacts": (FIXTURES / "vcard" / "google-contacts-2024.csv", None),
    "whatsapp": (FIXTURES / "whatsapp" / "_chat.txt", None),
    "mbox": (FIXTURES / "mbox" / "quirks.mbox", None),
    "ical": (FIXTURES / "ical" / "google-takeout.ics", None),
    "events": (None, "events.csv"),
    "edges": (None, "edges.txt"),
    "linkedin": (FIXTURES / "linkedin", "messages.csv"),
    "mastodon": (FIXTURES / "mastodon", "outbox.json"),
    "messenger": (FIXTURES / "messenger", "your_facebook_activity/messages/inbox/adalovelace_1001/message_1.json"),
    "instagram": (FIXTURES / "instagram", "your_instagram_activity/messages/inbox/ada_77/message_1.json"),
}
_GENERATED = {
    "events.csv": b"ts,src,dst,channel,kind,text\n2024-01-01T10:00:00Z,ada,bob,email,message,hello\n"
                  b"2024-01-02T11:00:00Z,bob,ada,email,reply,hi back\n",
    "edges.txt": b"1 2 1000\n2 3 1100\n3 1 1200\n",
}

damage = st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(1, 64), st.integers(2, 50)),
    st.tuples(st.just("splice"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("random"), st.binary(max_size=512)),
)


def damaged(data: bytes, how: tuple) -> bytes:
    kind, *a = how
    at = int(a[0] * len(data)) if kind != "random" and kind != "flip" else 0
    if kind == "cut":
        return data[:at]
    if kind == "flip":
        b = bytearray(data)
        for pos, x in a[0]:
            if b:
                b[int(pos * (len(b) - 1))] ^= x
        return bytes(b)
    if kind == "repeat":
        return data[:at] + data[at:at + a[1]] * a[2] + data[at:]
    if kind == "splice":
        return data[:at] + a[1] + data[at:]
    return a[0]


def read_all(name: str, path: Path) -> int:
    """Run importer ``name`` on ``path``; the number of records, or a CloseknitError."""
    imp = get_importer(name)
    return sum(1 for _ in imp.read(open_tree(path), ImportContext()))


def _prepare(name: str, folder: Path, how: tuple) -> Path:
    seed, member = SEEDS[name]
    if seed is None:
        assert member is not None
        p = folder / member
        p.write_bytes(damaged(_GENERATED[member], how))
        return p
    if seed.is_dir():
        assert member is not None
        root = folder / seed.name
        shutil.copytree(seed, root, dirs_exist_ok=True)
        (root / member).write_bytes(damaged((seed / member).read_bytes(), how))
        return root
    p = folder / seed.name
    p.write_bytes(damaged(seed.read_bytes(), how))
    return p


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    monkeypatch.setenv("CLOSEKNIT_MBOX_WORKERS", "0")  # workers would only hide a crash in another process
    monkeypatch.setenv("CLOSEKNIT_BLOG_WORKERS", "0")


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_a_damaged_export_is_read_or_refused_never_a_crash(name, tmp_path_factory):
    @settings(derandomize=True, max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(how=damage)
    def run(how):
        folder = tmp_path_factory.mktemp(name.replace("-", "_"))
        path = _prepare(name, folder, how)
        try:
            read_all(name, path)
        except CloseknitError:
            pass  # a one-line error for the user: fine

    run()


def test_every_importer_is_fuzzed():
    from closeknit.ingest import importers

    assert set(importers()) == set(SEEDS)


@pytest.mark.parametrize("name, records, unreadable", [
    ("linkedin", 8, ["messages.csv line 8", "Connections.csv line 4"]),
    ("mastodon", 14, []),
    ("messenger", 14, ["your_facebook_activity/messages/inbox/adalovelace_1001/message_2.json message 3",
                       "your_facebook_activity/messages/inbox/broken_3003/message_1.json"]),
    ("instagram", 8, []),
])
def test_the_seeds_of_the_folder_formats_are_read_whole(name, records, unreadable):
    from closeknit.ingest.records import BadRecord

    seed, _ = SEEDS[name]
    got = list(get_importer(name).read(open_tree(seed), ImportContext()))
    assert (len(got), [r.location for r in got if isinstance(r, BadRecord)]) == (records, unreadable)


@settings(derandomize=True, max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(max_size=200).map(lambda t: ("text,other\n" + t).encode("utf-8", "surrogatepass")
                                                if "\ud800" > t else ("text\n" + t).encode("utf-8", "replace"))),
       suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_score_reads_any_file_or_says_why(tmp_path, data, suffix):
    from closeknit.language.files import score_file

    class _Sink:
        def write(self, s):
            return len(s)

    p = tmp_path / f"in{suffix}"
    p.write_bytes(data)
    try:
        score_file(str(p), _Sink())
    except CloseknitError:
        pass


@settings(derandomize=True, max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.binary(max_size=200), queries=st.binary(max_size=200),
       ev_head=st.sampled_from([b"", b"src,dst,ts\n"]), q_head=st.sampled_from([b"", b"src,dst,cutoff\n"]))
def test_predict_contacts_reads_any_csv_or_says_why(tmp_path, events, queries, ev_head, q_head):
    from closeknit.present.commands.predict import predict_contacts_files

    e, q = tmp_path / "e.csv", tmp_path / "q.csv"
    e.write_bytes(ev_head + events)
    q.write_bytes(q_head + queries)
    try:
        predict_contacts_files(e, q, tmp_path / "out.csv")
    except CloseknitError:
        pass
