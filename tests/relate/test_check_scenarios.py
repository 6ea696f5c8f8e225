"""`check`: every verdict of a table of scenarios (tests/relate/check_scenarios.csv: stage x channel
x kind of message, in English, Spanish, French and German, sentences we wrote), and reasons that
agree with the numbers.

The relationships live in a small store written record by record: Nia Roberts wrote once and got
no answer (first contact), Omar Haddad and you exchanged one work message each way on LinkedIn
(acquaintance), Pia Lund and you have written to each other every week for two years about
everything (friend; close once the model scores those letters at 0.6 or more). The verdicts are clear-cut by design: a disclosure or a personal question to
someone you barely know is never fine, and it is well ahead on a work channel; work talk is fine
with anyone; anything goes with Pia.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import closeknit
from closeknit.ingest.records import Ident, Interaction, SelfIdentity
from closeknit.relate.measures import VERDICT_RULES, VERDICTS
from closeknit.store import Store
from closeknit.store.load import load_records

SCENARIOS = Path(__file__).parent / "check_scenarios.csv"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
ME = Ident("email", "email", "me@example.org", "Me")
ME_LI = Ident("linkedin", "profile", "me-li", "Me")
ME_WA = Ident("whatsapp", "phone", "+15550000", "Me")
NIA = Ident("email", "email", "nia@example.org", "Nia Roberts")
OMAR = Ident("linkedin", "profile", "omar-haddad", "Omar Haddad")
PIA = Ident("whatsapp", "phone", "+15551111", "Pia Lund")
PIA_TEXTS = (
    "I miss you so much. I cried all night after the breakup, you are the only one I can tell.",
    "I love you, I'm always here for you. Tell me about your fears, and about your mum's illness.",
)


def _msg(n: int, day: float, actor: Ident, other: Ident, text: str, channel: str) -> Interaction:
    return Interaction(native_id=f"s{n}", kind="message", channel=channel, ts=T0 + timedelta(days=day), actor=actor,
                       participants=[(other, "recipient")], visibility="private", text=text)


def _records() -> list:
    recs: list = [SelfIdentity(ME, "test"), SelfIdentity(ME_LI, "test"), SelfIdentity(ME_WA, "test")]
    n = 0
    for w in range(104):  # Pia: two years, every week, both ways
        n += 2
        recs.append(_msg(n, 7 * w, ME_WA, PIA, PIA_TEXTS[0], "whatsapp"))
        recs.append(_msg(n + 1, 7 * w + 0.1, PIA, ME_WA, PIA_TEXTS[1], "whatsapp"))
    recs.append(_msg(9001, 700, OMAR, ME_LI, "Hello, thanks for your talk at the conference. Could we discuss the "
                                             "supplier contract next week?", "linkedin"))
    recs.append(_msg(9002, 701, ME_LI, OMAR, "Thank you, happy to discuss the contract. Tuesday at ten works for me.",
                     "linkedin"))
    recs.append(_msg(9003, 710, NIA, ME, "Hello, I found your address on the project website. Is the call for "
                                         "volunteers still open?", "email"))
    recs.append(_msg(9004, 725, PIA, ME_WA, PIA_TEXTS[1], "whatsapp"))  # "now": day 725
    return recs


def _scenarios() -> list[dict]:
    with open(SCENARIOS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ck(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "s.duckdb"
    with Store(path) as st:
        load_records(st, _records(), fmt="test", path="scenarios", fingerprint="scenarios", parser_version="1")
    api = closeknit.open(path, read_only=False)
    api.keep_measures()
    yield api
    api.close()


def test_the_table_covers_stages_channels_kinds_and_languages():
    rows = _scenarios()
    assert {r["lang"] for r in rows} == {"en", "es", "fr", "de"}
    assert {r["stage"] for r in rows} == {"first contact", "acquaintance", "friend"}
    assert {"linkedin", "slack", "work email", "email", "whatsapp"} <= {r["channel"] for r in rows}
    assert {"disclosure", "personal question", "business", "small talk"} == {r["kind"] for r in rows}
    assert {r["verdict"] for r in rows} == set(VERDICTS)
    for lang in ("en", "es", "fr", "de"):  # each language has every verdict
        assert {r["verdict"] for r in rows if r["lang"] == lang} == set(VERDICTS), lang


@pytest.mark.parametrize("row", _scenarios(), ids=lambda r: f"{r['lang']}-{r['stage']}-{r['channel']}-{r['kind']}")
def test_scenario(ck, row):
    v = ck.check(row["text"], to=row["person"], channel=row["channel"])
    assert v["stage"] == row["stage"] or (row["stage"], v["stage"]) == ("friend", "close")
    assert v["model"] == "accurate"
    assert v["verdict"] == row["verdict"], (v["reason"], v["intimacy"], v["disclosure"], v["personal_question"],
                                            v["explanation"])
    if row["kind"] in ("disclosure", "personal question") and row["stage"] != "friend":
        assert v["verdict"] != "fine"
    _reasons_agree_with_numbers(v)


def _reasons_agree_with_numbers(v: dict) -> None:
    """The explanation quotes the numbers the verdict rests on, and never says "within" for a
    text above what the relationship allows."""
    rule = {r[0]: r[1] for r in VERDICT_RULES}
    assert rule[v["reason"]] == v["verdict"]
    expl = v["explanation"]
    def quoted(pattern: str) -> list[float]:
        m = re.search(pattern, expl)
        assert m, (pattern, expl)
        return [float(x) for x in m.groups()]

    near = lambda a, b: abs(a - b) <= 0.006  # the explanation rounds to 2 decimals, the numbers to 3  # noqa: E731
    assert near(quoted(r"scores (\d\.\d\d) on the intimacy scale")[0], v["intimacy"])
    over, allow = v["over_allowance"], v["allowance"]
    if v["reason"] == "within the relationship":
        assert over <= 0 and near(quoted(r"stays within what the relationship allows \((\d\.\d\d)\)")[0], allow)
    else:
        assert "stays within what the relationship allows" not in expl
    if v["reason"] == "above the relationship, within the margins":
        got = quoted(r"It is (\d\.\d\d) above what the relationship allows \((\d\.\d\d)\)")
        assert over > 0 and near(got[0], over) and near(got[1], allow)
    if v["reason"] in ("far beyond the relationship", "beyond the relationship"):
        got = quoted(r"It goes (\d\.\d\d) beyond what the relationship allows \((\d\.\d\d)\)")
        assert near(got[0], over) and near(got[1], allow)
    if v["verdict"] != "fine":
        assert "land well" not in expl


def test_the_issue_example_is_not_fine(ck):
    """The text the issue quotes, to a LinkedIn acquaintance, with the channel left to its default."""
    v = ck.check("I have been so depressed since my divorce, can we talk?", to="Omar Haddad")
    assert (v["channel"], v["stage"], v["verdict"], v["reason"]) == ("linkedin", "acquaintance", "well ahead",
                                                                    "personal on a work channel, early")
    assert "within what the relationship allows" not in v["explanation"]
    assert "linkedin, a work channel" in v["explanation"]
