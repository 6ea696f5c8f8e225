"""The measures on hand-made timelines where the right answer is known (pure: no store)."""

from __future__ import annotations

import math

import pytest

from closeknit.relate.measures import STAGES, Params, Relationships, jenks_breaks
from tests.relate.helpers import DAY, T0, Timeline, posts_table

H = 3600.0


def dyad(tl: Timeline, b: int = 1, posts=None, as_of=None) -> dict:
    rel = Relationships(tl.table(), posts, as_of=as_of)
    rows = [r for r in rel.dyads().to_pylist() if r["b"] == b]
    assert len(rows) == 1
    return rows[0]


# ------------------------------------------------------------------------------ one exchange, every number
def test_one_exchange_exact_numbers():
    tl = Timeline()
    tl.add(T0, "out", intimacy=0.4)
    tl.add(T0 + 3600 * DAY / 86400, "in", intimacy=0.2)
    d = dyad(tl)
    assert d["stage"] == STAGES.index("acquaintance")
    # familiarity: you wrote (0.25) and read their message (1.0); they read yours (1.0) and wrote (0.25)
    assert d["exposure_a"] == pytest.approx(1.25) and d["exposure_b"] == pytest.approx(1.25)
    assert d["familiarity"] == pytest.approx(1.25 / 11.25)
    # intimacy = min(1, depth / 0.5) * volume * mutuality
    depth, volume, mutuality = 0.3, 1 - math.exp(-2 / 10), 0.5 + 0.25 * 1 + 0.25 * 0.5
    assert (d["depth"], d["volume"], d["mutuality"]) == pytest.approx((depth, volume, mutuality))
    assert d["intimacy"] == pytest.approx(0.6 * volume * mutuality)
    # reciprocity: equal effort, but you started the only conversation
    assert d["effort_balance"] == 0 and d["initiative_balance"] == 1
    assert d["reciprocity"] == pytest.approx(0.5)
    assert d["b_response_rate"] == 1.0 and d["b_mean_response_s"] == pytest.approx(H)
    assert d["a_response_rate"] is None  # their turn is still open (within the answer window)
    # trust: one month, one active month, one channel, one mutual month
    trust = ((1 - math.exp(-1 / 12)) + 1 / 7 + 1 / 4) / 3 * (0.25 + 0.75 * 1 / 4)
    assert d["trust"] == pytest.approx(trust)
    assert d["established"] == pytest.approx(0.2)  # the level both sides reached: min(0.4, 0.2)


# ------------------------------------------------------------------------------ the stage ladder
def _stage(tl: Timeline) -> str:
    return STAGES[dyad(tl)["stage"]]


def test_stage_first_contact_is_the_handshake():
    assert _stage(Timeline().add(0, "in", "follow")) == "first contact"
    assert _stage(Timeline().add(0, "out", "reply", visibility="public", intimacy=0.2)) == "first contact"
    # one-sided messages are still only a handshake
    assert _stage(Timeline().add(0, "in", intimacy=0.3).add(1, "in", intimacy=0.3)) == "first contact"


def test_stage_acquaintance_needs_contact_both_ways():
    assert _stage(Timeline().add(0, "in", "reply", visibility="public").add(1, "out", "reply", visibility="public")) \
        == "acquaintance"


def test_stage_familiar_needs_two_mutual_months_and_ten_contacts():
    tl = Timeline()
    for i in range(5):
        tl.add(i, "out", "reply", visibility="public", intimacy=0.2)
        tl.add(i + 0.1, "in", "reply", visibility="public", intimacy=0.2)
    assert _stage(tl) == "acquaintance"  # ten contacts, but all in January
    tl.add(40, "out", "reply", visibility="public", intimacy=0.2).add(40.1, "in", "reply", visibility="public", intimacy=0.2)
    assert _stage(tl) == "familiar"


def _weekly(tl: Timeline, weeks: int, x: float, start: float = 0, vis: str = "private", channel: str = "whatsapp"):
    """A weekly exchange (you start one week, they the next), each answered within 15 minutes."""
    for w in range(weeks):
        first, second = ("out", "in") if w % 2 == 0 else ("in", "out")
        tl.add(start + 7 * w, first, intimacy=x, visibility=vis, channel=channel)
        tl.add(start + 7 * w + 0.01, second, intimacy=x, visibility=vis, channel=channel)
    return tl


def test_stage_friend_and_close():
    # four months of weekly private exchange at a middling depth: friend
    assert _stage(_weekly(Timeline(), 16, 0.3)) == "friend"
    # two years at depth 0.45, on two channels, with mutual disclosure: close
    tl = _weekly(Timeline(), 104, 0.45)
    for w in range(0, 104, 4):
        tl.add(7 * w + 2, "out", "call", channel="phone", duration=600)
        tl.add(7 * w + 2.2, "in", "message", intimacy=0.5, disclosure=True)
        tl.add(7 * w + 2.3, "out", "message", intimacy=0.5, disclosure=True)
    d = dyad(tl)
    assert STAGES[d["stage"]] == "close"
    assert d["intimacy"] >= 0.6 and d["trust"] >= 0.6 and d["mutual_months"] >= 6


def test_public_replies_never_make_a_friend():
    tl = _weekly(Timeline(), 40, 0.5, vis="public", channel="twitter")
    assert _stage(tl) == "familiar"  # no private contact both ways


def test_stage_changes_are_dated():
    tl = Timeline().add(0, "in", "follow")  # January
    tl.add(35, "out", "reply", visibility="public").add(36, "in", "reply", visibility="public")  # February
    rel = Relationships(tl.table())
    ch = rel.stage_changes().to_pylist()
    assert [(c["from_stage"], c["to_stage"]) for c in ch] == [(None, 1), (1, 2)]
    assert [c["m"] % 12 + 1 for c in ch] == [1, 2]


# ------------------------------------------------------------------------------ trajectory
def test_trajectory_fading_against_own_rhythm():
    tl = _weekly(Timeline(), 52, 0.4)  # a year of weekly exchange ...
    tl.add(52 * 7 + 100, "out", intimacy=0.4)  # ... then one message, 100 days later
    d = dyad(tl)
    assert d["trajectory"] == "fading"
    assert d["recent_contacts"] == 1 and d["usual_contacts"] > 50


def test_trajectory_revived_new_warming_dormant_steady():
    revived = _weekly(Timeline(), 20, 0.4)
    _weekly(revived, 6, 0.4, start=20 * 7 + 200)  # 200 days of silence, then back
    assert dyad(revived)["trajectory"] == "revived"
    assert dyad(_weekly(Timeline(), 4, 0.4))["trajectory"] == "new"
    warming = Timeline()
    for m in range(12):
        warming.add(30 * m, "out", intimacy=0.3).add(30 * m + 0.1, "in", intimacy=0.3)
    _weekly(warming, 12, 0.4, start=12 * 30)
    assert dyad(warming)["trajectory"] == "warming"
    steady = _weekly(Timeline(), 80, 0.4)
    assert dyad(steady)["trajectory"] == "steady"
    dormant = Timeline().add(0, "out", intimacy=0.3).add(0.1, "in", intimacy=0.3)
    dormant.add(400, "out", b=2, intimacy=0.3)  # the clock moves on with someone else
    assert dyad(dormant)["trajectory"] == "dormant"


# ------------------------------------------------------------------------------ reciprocity
def test_reciprocity_response_rates_and_times():
    tl = Timeline()
    # conversation 1 (you start): they answer in 2 h
    tl.add(T0, "out").add(T0 + 2 * H * DAY / 86400, "in")
    # conversation 2 (you start): they answer 10 days later -> unanswered turn; then they start ...
    tl.add(T0 + 5 * DAY, "out").add(T0 + 15 * DAY, "in")
    # ... and you answer in 30 minutes
    tl.add(T0 + 15 * DAY + 0.5 * H * DAY / 86400, "out")
    # conversation 3 (you start) - closed long ago, never answered
    tl.add(T0 + 30 * DAY, "out")
    tl.add(T0 + 60 * DAY, "out", b=2)  # moves "now" past the answer window
    d = dyad(tl)
    assert (d["initiated_ab"], d["initiated_ba"]) == (3, 1)
    assert d["initiative_balance"] == pytest.approx(0.5)
    assert d["b_response_rate"] == pytest.approx(1 / 3)  # your 3 turns, 1 answered within 7 days
    assert d["a_response_rate"] == pytest.approx(1.0)  # their 2 turns, both answered
    assert d["b_typical_response_s"] == pytest.approx(2 * H)
    # their turns were answered after 30 minutes and (by your next conversation) after 5 days - 2 h
    assert d["a_typical_response_s"] == pytest.approx(math.sqrt(0.5 * H * (5 * 86400 - 2 * H)))  # geometric mean
    assert d["effort_balance"] == pytest.approx((4 - 2) / 6)
    assert d["reciprocity"] == pytest.approx(1 - (1 / 3 + 0.5) / 2)


# ------------------------------------------------------------------------------ familiarity
def test_familiarity_is_one_sided_for_a_follower_who_reads_your_posts():
    tl = Timeline().add(None, "in", "follow")  # they follow you (time unknown)
    tl.add(T0, "in", "like", visibility="public")
    posts = posts_table([(0, T0, 30), (0, T0 + 40 * DAY, 20)])  # your 50 public posts
    d = dyad(tl, posts=posts, as_of=(T0 + 60 * DAY).timestamp())
    # they: follow 1.0 + like 0.5 + 50 posts * 0.1 = 6.5 units; you: follow notice 0.2 + like notice 0.1
    assert d["exposure_b"] == pytest.approx(6.5) and d["exposure_a"] == pytest.approx(0.3)
    assert d["familiarity_b"] == pytest.approx(6.5 / 16.5)
    assert d["familiarity"] == d["familiarity_b"]


def test_familiarity_gap_flag():
    tl = Timeline().add(None, "in", "follow")
    for i in range(10):
        tl.add(i, "out", "reply", visibility="public", intimacy=0.2)
    tl.add(11, "in", intimacy=0.5, pq=True)
    d = dyad(tl, posts=posts_table([(0, T0, 300)]))
    assert d["familiarity_b"] > 0.7 and d["intimacy"] < 0.15 and d["trust"] < 0.2
    assert d["gap_flag"] is True
    close = dyad(_weekly(Timeline(), 52, 0.45))
    assert close["gap_flag"] is False


# ------------------------------------------------------------------------------ channel norms
def test_channel_norms_learned_from_the_messages():
    tl = Timeline()
    for i, x in enumerate([0.1, 0.2, 0.3, 0.4]):
        tl.add(i, "out", channel="linkedin", intimacy=x)
    for i, x in enumerate([0.5, 0.6]):
        tl.add(i, "in", channel="whatsapp", intimacy=x, b=2)
    tl.add(5, "in", channel="whatsapp", intimacy=0.9, b=2, confidence=0.05)  # not sure enough: left out
    norms = Relationships(tl.table()).norms().to_pylist()
    li = [n for n in norms if n["channel"] == "linkedin" and n["stage"] is None][0]
    assert li["n"] == 4 and li["norm_mean"] == pytest.approx(0.25) and li["norm_p50"] == pytest.approx(0.25)
    assert li["norm_p90"] == pytest.approx(0.37)
    assert li["norm_sd"] == pytest.approx(0.1290994, rel=1e-6)
    wa = [n for n in norms if n["channel"] == "whatsapp" and n["stage"] is None][0]
    assert wa["n"] == 2 and wa["norm_mean"] == pytest.approx(0.55)
    overall = [n for n in norms if n["channel"] is None][0]
    assert overall["n"] == 6
    per_stage = [n for n in norms if n["channel"] == "linkedin" and n["stage"] is not None]
    assert [(n["stage"], n["n"]) for n in per_stage] == [(1, 4)]  # all sent at the handshake stage


# ------------------------------------------------------------------------------ verdicts
def _norm_background(tl: Timeline, channel: str, x: float, n: int = 40, b0: int = 100):
    """n ordinary messages on ``channel`` (intimacy x +- 0.05) with other people: the channel norm."""
    for i in range(n):
        tl.add(i % 28, "in", channel=channel, b=b0 + i, intimacy=x + (0.05 if i % 2 else -0.05))
    return tl


def test_check_verdicts():
    tl = _norm_background(Timeline(), "linkedin", 0.25)
    # person 1: a LinkedIn connection with one professional exchange
    tl.add(0, "out", "connect", channel="linkedin", b=1)
    tl.add(1, "in", channel="linkedin", b=1, intimacy=0.25).add(2, "out", channel="linkedin", b=1, intimacy=0.25)
    # person 2: a year of weekly private chat
    for w in range(52):
        tl.add(7 * w, "out", b=2, intimacy=0.5).add(7 * w + 0.01, "in", b=2, intimacy=0.5)
    rel = Relationships(tl.table())
    assert rel.judge(0, 1, 0.25, False, "linkedin")["verdict"] == "fine"
    ahead = rel.judge(0, 1, 0.40, False, "linkedin")
    assert ahead["verdict"] == "ahead of the relationship"
    assert ahead["established"] == pytest.approx(0.25) and ahead["norm_basis"] == "channel"
    assert rel.judge(0, 1, 0.60, False, "linkedin")["verdict"] == "well ahead"
    # a personal question to someone you never exchanged with: well ahead whatever its score
    assert rel.judge(0, 55, 0.30, True, "linkedin")["verdict"] == "well ahead"
    # between friends of a year, a deep message is fine
    friend = rel.judge(0, 2, 0.7, True, "whatsapp")
    assert STAGES[friend["stage"]] in ("friend", "close") and friend["verdict"] == "fine"


def test_incoming_judged_against_the_relationship_before_the_message():
    tl = _norm_background(Timeline(), "twitter", 0.3)
    # person 1, a near-stranger: follows you, you replied to them in public twice, then a personal DM
    tl.add(None, "in", "follow", channel="twitter", b=1)
    tl.add(201, "out", "reply", channel="twitter", visibility="public", b=1, intimacy=0.25)
    tl.add(202, "out", "reply", channel="twitter", visibility="public", b=1, intimacy=0.25)
    tl.add(203, "in", "message", channel="twitter", b=1, intimacy=0.5, pq=True)
    # person 2, a friend of a year (ordinary messages for the channel), asks the same kind of question
    for w in range(52):
        tl.add(7 * w, "out", channel="twitter", b=2, intimacy=0.3).add(7 * w + 0.01, "in", channel="twitter", b=2, intimacy=0.3)
    tl.add(7 * 52, "in", channel="twitter", b=2, intimacy=0.5, pq=True)
    rel = Relationships(tl.table())
    flagged = rel.incoming().to_pylist()
    assert [(r["b"], r["verdict"], STAGES[r["stage"]]) for r in flagged] == [(1, "well ahead", "first contact")]
    everything = rel.incoming(only_flagged=False).to_pylist()
    friend_q = [r for r in everything if r["b"] == 2 and r["pq"]]
    assert len(friend_q) == 1 and friend_q[0]["verdict"] == "fine"


def test_nothing_is_judged_in_the_warm_up():
    tl = _norm_background(Timeline(), "twitter", 0.3)
    tl.add(3, "in", "message", channel="twitter", b=1, intimacy=0.5, pq=True)  # 3 days into the archive
    tl.add(200, "out", b=2, intimacy=0.3)
    assert Relationships(tl.table()).incoming(only_flagged=False).num_rows == 0


def test_short_or_unsure_texts_are_not_judged():
    tl = Timeline().add(0, "out", b=3).add(100, "in", intimacy=0.9, pq=True, text_len=10)
    tl.add(101, "in", intimacy=0.9, pq=True, confidence=0.1, b=2)
    assert Relationships(tl.table()).incoming(only_flagged=False).num_rows == 0


def test_as_of_ignores_the_future():
    tl = _weekly(Timeline(), 52, 0.4)
    early = dyad(tl, as_of=(T0 + 20 * DAY).timestamp())
    assert early["contacts"] == 6  # weeks 0, 1, 2 both ways
    assert early["trajectory"] == "new"


def test_params_are_the_rules():
    tl = Timeline().add(0, "out").add(0.1, "in")
    strict = Params(familiarity_half=1.0)
    assert Relationships(tl.table(), params=strict).dyads().to_pylist()[0]["familiarity"] == pytest.approx(1.25 / 2.25)


def test_jenks_breaks():
    assert jenks_breaks([1, 2, 3, 10, 11, 12, 30], 3) == [3.0, 12.0, 30.0]
    assert jenks_breaks([5, 5, 5], 4) == [5.0]
    assert jenks_breaks([], 3) == []
