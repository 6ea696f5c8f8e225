"""Identity resolution on a life we wrote ourselves: 12 people scattered over email, SMS,
WhatsApp, X, LinkedIn and an address book, plus 4 decoys who share a name with one of them
and nothing else.

Measured and asserted: every true merge is found from hard evidence (pairwise recall 1.0), no
false merge (pairwise precision 1.0), and each decoy appears only as a name suggestion.
"""

from __future__ import annotations

import json
from itertools import combinations

import pytest

from closeknit.store.people import suggest_merges

# name, email, phone, (x handle, x id), linkedin slug, in address book, whatsapp as.
# Every identity of a person is tied to the others by hard evidence: an address-book card, a
# LinkedIn connection listing the email, an X mention pairing handle and id, the same number on
# two services, or a WhatsApp name that is exactly one card's name.
PEOPLE = [
    ("Ada Okafor", "ada.okafor@example.org", "+14155550101", ("adaok", "1001"), "ada-okafor", True, "name"),
    ("Ben Tran", "ben@tran.example", "+14155550102", ("bentran", "1002"), None, True, "name"),
    ("Chen Wu", "chen.wu@example.net", "+14155550103", None, "chen-wu", True, "phone"),
    ("Dana Levi", "dana@levi.example", None, None, "dana-levi", False, None),  # LinkedIn lists her email
    ("Emeka Obi", "emeka@obi.example", "+14155550105", ("emekao", "1005"), None, True, None),
    ("Fatima Zahra", "fz@example.com", "+14155550106", None, "fatima-zahra", True, "name"),
    ("Gus Moreau", None, "+14155550107", ("gusm", "1007"), None, True, "name"),
    ("Hana Sato", "hana.sato@example.jp", None, ("hanas", "1008"), "hana-sato", True, None),
    ("Ivo Petrov", None, "+14155550109", None, None, False, "phone"),  # same number on SMS and WhatsApp
    ("Jade Kim", "jade.kim@example.org", "+14155550110", ("jadek", "1010"), "jade-kim", True, "name"),
    ("Kofi Mensah", "kofi@mensah.example", None, None, "kofi-mensah", False, None),
    ("Lena Vogel", "lena@vogel.example", "+14155550112", ("lenav", "1012"), None, True, "name"),
]
# decoys: same name as a true person, nothing else in common
#: (name, where, the identity: an X (handle, account id), an email address or a LinkedIn slug)
DECOYS: list[tuple[str, str, str | tuple[str, str]]] = [
    ("Ada Okafor", "x", ("ada_okafor_art", "9001")),
    ("Ben Tran", "email", "ben.tran@elsewhere.example"),
    ("Chen Wu", "linkedin", "chen-wu-design"),
    ("Dana Levi", "email", "dlevi@another.example"),
]
ME = ("Sam Reyes", "sam@reyes.example", "+14155550100", ("samreyes", "500"))


def _ts(i: int) -> str:
    return f"2025-0{1 + i % 9}-1{i % 9}T10:0{i % 6}:00.000Z"


def write_life(root):
    root.mkdir()
    # address book
    cards = []
    for name, email, phone, x, li, in_book, _ in PEOPLE:
        if not in_book:
            continue
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name}", f"N:{name.split()[1]};{name.split()[0]};;;"]
        if email:
            lines.append(f"EMAIL;TYPE=INTERNET:{email}")
        if phone:
            lines.append(f"TEL;TYPE=CELL:{phone}")
        if x:
            lines.append(f"URL:https://x.com/{x[0]}")
        if li:
            lines.append(f"URL:https://www.linkedin.com/in/{li}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    (root / "contacts.vcf").write_text("\r\n".join(cards) + "\r\n", encoding="utf-8")

    # mailbox: each person with an email writes to the user and gets an answer
    msgs = []
    n = 0
    senders = [(p[0], p[1]) for p in PEOPLE if p[1]] + [(d[0], d[2]) for d in DECOYS if d[1] == "email"]
    for i, (name, email) in enumerate(senders):
        for j, (frm, to) in enumerate([(f"{name} <{email}>", f"{ME[0]} <{ME[1]}>"), (f"{ME[0]} <{ME[1]}>", f"{name} <{email}>")]):
            n += 1
            msgs.append(
                f"From x@y Mon Jan  6 10:00:00 2025\nFrom: {frm}\nTo: {to}\nSubject: hello {i}\n"
                f"Date: Mon, 6 Jan 2025 1{j}:00:0{i % 10} +0000\nMessage-ID: <m{n}@fixture.example>\n\nHello number {n}.\n"
            )
    (root / "mail.mbox").write_text("\n".join(msgs), encoding="utf-8")

    # SMS: the people with a phone number
    sms = [f'<sms protocol="0" address="{p[2]}" date="{1736157600000 + i * 60000}" type="{1 + i % 2}" body="text {i}" '
           f'read="1" status="-1" locked="0" />' for i, p in enumerate(PEOPLE) if p[2]]
    (root / "sms.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="{len(sms)}">\n' + "\n".join(sms) + "\n</smses>\n", encoding="utf-8")

    # WhatsApp: Android exports; saved contacts by their address-book name, others by number
    wa = root / "whatsapp"
    wa.mkdir()
    for i, (name, _e, phone, _x, _l, _b, how) in enumerate(PEOPLE):
        if how is None:
            continue
        who = name if how == "name" else f"+1 415-555-{phone[-4:]}"
        (wa / f"WhatsApp Chat with {who}.txt").write_text(
            f"1/{10 + i}/25, 9:15 PM - {who}: hey, are you around?\n"
            f"1/{10 + i}/25, 9:17 PM - {ME[0]}: yes! call you later\n", encoding="utf-8")

    # X archive: mentions give handle <-> account id; DMs carry ids only
    x = root / "twitter" / "data"
    x.mkdir(parents=True)
    (x / "account.js").write_text("window.YTD.account.part0 = " + json.dumps([{"account": {
        "email": ME[1], "username": ME[3][0], "accountId": ME[3][1], "accountDisplayName": ME[0],
        "createdAt": "2020-01-01T00:00:00.000Z"}}], indent=2), encoding="utf-8")
    tweets, dms = [], []
    xs = [(p[0], p[3]) for p in PEOPLE if p[3]] + [(d[0], d[2]) for d in DECOYS if d[1] == "x"]
    for i, (name, (handle, xid)) in enumerate(xs):
        tweets.append({"tweet": {
            "id": str(7000 + i), "id_str": str(7000 + i), "full_text": f"@{handle} good point",
            "created_at": f"Mon Jan 0{1 + i % 9} 10:00:00 +0000 2025", "lang": "en",
            "in_reply_to_user_id": xid, "in_reply_to_user_id_str": xid, "in_reply_to_screen_name": handle,
            "in_reply_to_status_id": str(6000 + i), "in_reply_to_status_id_str": str(6000 + i),
            "entities": {"user_mentions": [{"name": name, "screen_name": handle, "id": xid, "id_str": xid,
                                            "indices": ["0", str(len(handle) + 1)]}], "urls": [], "hashtags": []},
            "favorite_count": "0", "retweet_count": "0", "retweeted": False, "favorited": False}})
        lo, hi = sorted([xid, ME[3][1]], key=int)
        dms.append({"dmConversation": {"conversationId": f"{lo}-{hi}", "messages": [{"messageCreate": {
            "recipientId": ME[3][1], "senderId": xid, "id": str(8000 + i), "text": "hi there",
            "createdAt": _ts(i), "reactions": [], "urls": [], "mediaUrls": [], "editHistory": []}}]}})
    (x / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets, indent=2), encoding="utf-8")
    (x / "direct-messages.js").write_text("window.YTD.direct_messages.part0 = " + json.dumps(dms, indent=2), encoding="utf-8")

    # LinkedIn connections (2020+ layout with the Notes preamble)
    rows = ["Notes:", '"Some emails may be missing."', "", "First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lis = [(p[0], p[4], p[1] if not p[5] else "") for p in PEOPLE if p[4]] + [(d[0], d[2], "") for d in DECOYS if d[1] == "linkedin"]
    for name, slug, email in lis:
        first, last = name.split()
        rows.append(f"{first},{last},https://www.linkedin.com/in/{slug},{email},Acme,Engineer,12 Mar 2024")
    li = root / "linkedin"
    li.mkdir()
    (li / "Connections.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def truth() -> dict[tuple[str, str, str], str]:
    """identity key -> true person label (decoys labelled 'decoy:<n>')."""
    t: dict[tuple[str, str, str], str] = {}
    for name, email, phone, x, li, _b, how in PEOPLE:
        if email:
            t[("email", "email", email)] = name
        if phone:
            t[("phone", "phone", phone)] = name
        if x:
            t[("twitter", "handle", x[0])] = name
            t[("twitter", "account_id", x[1])] = name
        if li:
            t[("linkedin", "url", f"https://www.linkedin.com/in/{li}")] = name
        if how == "name":
            t[("whatsapp", "name", name)] = name
    for k, (_name, where, v) in enumerate(DECOYS):
        if isinstance(v, tuple):  # where == "x"
            t[("twitter", "handle", v[0])] = f"decoy:{k}"
            t[("twitter", "account_id", v[1])] = f"decoy:{k}"
        elif where == "email":
            t[("email", "email", v)] = f"decoy:{k}"
        else:
            t[("linkedin", "url", f"https://www.linkedin.com/in/{v}")] = f"decoy:{k}"
    return t


@pytest.fixture
def life(tmp_path, store, import_path):
    root = write_life(tmp_path / "life")
    con = store.con
    from closeknit.ingest import Ident
    from closeknit.store.people import resolve_people

    me = [Ident("email", "email", ME[1]), Ident("phone", "phone", ME[2]), Ident("whatsapp", "name", ME[0])]
    for i in me:
        con.execute("INSERT INTO me VALUES (?, ?, ?, ?, 'manual', 'test')", [i.id, i.channel, i.kind, i.value])
    results = {}
    for p, fmt in [("contacts.vcf", "vcard"), ("mail.mbox", "mbox"), ("sms.xml", "sms"), ("whatsapp", "whatsapp"),
                   ("twitter", "twitter"), ("linkedin", "linkedin")]:
        r = import_path(root / p)
        assert r.format == fmt, (p, r.format)
        assert r.errors == 0, (p, r.error_samples)
        results[fmt] = r
    resolve_people(con)
    return results


def test_hard_evidence_merges_are_exact(store, life):
    t = truth()
    got = {(c, k, v): p for c, k, v, p in store.con.execute("SELECT channel, kind, value, person_id FROM identities").fetchall()}
    missing = [k for k in t if k not in got]
    assert missing == []
    keys = sorted(t)
    tp = fp = fn = 0
    for a, b in combinations(keys, 2):
        same_true, same_pred = t[a] == t[b], got[a] == got[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    assert (precision, recall) == (1.0, 1.0), (tp, fp, fn)
    # 79 pairs of identities within the 12 people, plus the X decoy's handle and account id
    assert tp == 80
    # each of the 12 is exactly one person, the decoys are 4 more
    labels = {}
    for k, who in t.items():
        labels.setdefault(who, set()).add(got[k])
    assert all(len(v) == 1 for v in labels.values())
    assert len({next(iter(v)) for v in labels.values()}) == 16


def test_decoys_only_as_suggestions(store, life):
    t = truth()
    pid = {(c, k, v): p for c, k, v, p in store.con.execute("SELECT channel, kind, value, person_id FROM identities").fetchall()}
    person_of = {}
    for k, who in t.items():
        person_of.setdefault(who, pid[k])
    sugg = {frozenset((s["a"], s["b"])) for s in suggest_merges(store.con)}
    for k, (name, _w, _v) in enumerate(DECOYS):
        pair = frozenset((person_of[name], person_of[f"decoy:{k}"]))
        assert pair in sugg, name
    # nobody else is suggested: no two true people share a name
    true_people = {person_of[p[0]] for p in PEOPLE}
    assert not [s for s in sugg if s <= true_people]
