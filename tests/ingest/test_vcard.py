"""Address books: vCard (format "vcard") and Google Contacts CSV (format "google-contacts")."""

from pathlib import Path

from closeknit.ingest.formats.vcard import profile_ident
from closeknit.ingest.records import Ident
from closeknit.store.people import set_setting
from tests.conftest import rows

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "vcard"
IDENTS = "SELECT channel || ':' || kind || ':' || value, display_name FROM identities ORDER BY 1"


def test_sample_vcard40_full(shared, store, import_path):
    p = shared / "formats" / "calendar-contacts" / "vcard40_full.vcf"
    r = import_path(p)
    assert r.format == "vcard"
    # 2 EMAIL + CALADRURI mailto, 2 TEL uri, IMPP xmpp + sip, URL: 8 identities, one person, no interactions
    assert (r.added, r.errors, r.identities) == (0, 0, 8)
    assert rows(store, IDENTS) == [
        ("email:email:john.public@example.com", "Dr. John Q. Public, III"),
        ("email:email:johnny@personal.example.org", "Dr. John Q. Public, III"),
        ("email:email:jqpublic@example.com", "Dr. John Q. Public, III"),
        ("phone:phone:+15551234567", "Dr. John Q. Public, III"),
        ("phone:phone:+15555555555", "Dr. John Q. Public, III"),
        ("sip:handle:john@voip.example.com", "Dr. John Q. Public, III"),
        ("web:url:http://example.com/~jqpublic", "Dr. John Q. Public, III"),
        ("xmpp:handle:john@jabber.example.com", "Dr. John Q. Public, III"),
    ]
    assert rows(store, "SELECT count(*), min(confidence), min(reason) FROM identity_links") == [(7, 1.0, "same contact card: Dr. John Q. Public, III")]
    assert rows(store, "SELECT count(*) FROM people") == [(1,)]
    assert import_path(p, force=True).identities == 8
    assert rows(store, "SELECT count(*) FROM identity_links") == [(7,)]


def test_sample_vcard40_group_and_org_are_not_people(shared, store, import_path):
    for name in ("vcard40_group.vcf", "vcard40_org.vcf"):
        r = import_path(shared / "formats" / "calendar-contacts" / name)
        assert (r.format, r.added, r.errors, r.identities) == ("vcard", 0, 0, 0)
    assert rows(store, "SELECT count(*) FROM people") == [(0,)]


def test_sample_radicale(shared, store, import_path):
    r = import_path(shared / "formats" / "calendar-contacts" / "radicale-1587.vcf")
    # vCard 3.0 with only FN/N/GEO: the contact is still a person, by name
    assert (r.errors, r.identities) == (0, 1)
    assert rows(store, IDENTS) == [("contacts:name:Given Family", "Given Family")]


def test_fixture_apple_3_0(store, import_path):
    r = import_path(FIX / "apple-3.0.vcf")
    # Ada (10 identities, grouped item1./item2. properties, photo skipped), Grace (bad number skipped),
    # a group card (skipped), and a card cut off at the end of the file (reported)
    assert (r.added, r.errors, r.identities) == (0, 1, 11)
    assert rows(store, "SELECT location, error FROM import_errors") == [("apple-3.0.vcf line 39", "card not closed (END:VCARD missing); file cut off?")]
    assert [v for v, _ in rows(store, IDENTS)] == [
        "email:email:ada@engines.example", "email:email:ada@example.com", "email:email:grace@example.org",
        "linkedin:url:https://www.linkedin.com/in/ada-lovelace", "mastodon:handle:ada@hachyderm.io",
        "phone:phone:+14155550101", "phone:phone:+442079460001", "skype:handle:ada.lovelace",
        "twitter:handle:adal", "web:url:https://ada.example.com", "xmpp:handle:ada@jabber.example",
    ]
    assert rows(store, "SELECT display_name, count(*) FROM identities GROUP BY person_id, display_name ORDER BY 1") == [
        ("Ada Lovelace", 10), ("Grace Hopper", 1)
    ]
    assert rows(store, "SELECT count(*) FROM identity_links") == [(9,)]


def test_fixture_android_2_1_quoted_printable(store, import_path):
    set_setting(store.con, "region", "DE")
    r = import_path(FIX / "android-2.1.vcf")
    assert (r.errors, r.identities) == (0, 4)
    assert rows(store, IDENTS) == [
        ("email:email:juergen@example.de", "J\u00fcrgen M\u00fcller"),
        ("phone:phone:+4915123456789", "J\u00fcrgen M\u00fcller"),
        ("phone:phone:+49301234567", "J\u00fcrgen M\u00fcller"),  # national number read in the DE region
        ("phone:phone:+4930202020", "Taxi"),  # no FN: name from N
    ]


def test_fixture_4_0_and_merge_with_other_sources(store, import_path):
    r = import_path(FIX / "contacts-4.0.vcf")
    # Mary: email, tel uri with extension, matrix IMPP, GitHub URL, X-TWITTER; the KIND:org card skipped
    assert (r.errors, r.identities) == (0, 5)
    assert [v for v, _ in rows(store, IDENTS)] == [
        "email:email:mary@example.com", "github:handle:marysomerville", "matrix:handle:@mary:example.org",
        "phone:phone:+14155550103", "twitter:handle:marysomerville",
    ]
    # the card joins identities seen elsewhere: the calendar's address and the phone's number
    import_path(Path(__file__).resolve().parents[1] / "fixtures" / "ical" / "google-takeout.ics")
    import_path(Path(__file__).resolve().parents[1] / "fixtures" / "calls" / "calls-2024.xml")
    assert rows(store, "SELECT count(DISTINCT person_id) FROM identities WHERE value IN ('mary@example.com', '+14155550103')") == [(1,)]


def test_google_contacts_csv_old_header(store, import_path):
    r = import_path(FIX / "google-contacts-old.csv")
    assert r.format == "google-contacts"
    # Ada: 2 addresses in one cell (" ::: "), a Skype IM, a phone, a Twitter site; Grace: one address;
    # a row with nothing but a group label is reported
    assert (r.added, r.errors, r.identities) == (0, 1, 6)
    assert rows(store, "SELECT location, error FROM import_errors") == [("google-contacts-old.csv row 4", "contact without a name, address or number")]
    assert [v for v, _ in rows(store, IDENTS)] == [
        "email:email:ada@engines.example", "email:email:ada@example.com", "email:email:grace@example.org",
        "phone:phone:+14155550101", "skype:handle:ada.lovelace", "twitter:handle:adal",
    ]
    assert rows(store, "SELECT count(*) FROM identity_links") == [(4,)]


def test_google_contacts_csv_2024_header(store, import_path):
    r = import_path(FIX / "google-contacts-2024.csv")
    assert (r.format, r.errors, r.identities) == ("google-contacts", 0, 5)
    assert rows(store, IDENTS) == [
        ("email:email:mary@example.com", "Mary Somerville"),
        ("mastodon:handle:mary@hachyderm.io", "Mary Somerville"),
        ("phone:phone:+14155550103", "Mary Somerville"),
        ("phone:phone:+14155550199", "Plumbing Co"),  # no person name: the organization
        ("phone:phone:+442079460003", "Mary Somerville"),
    ]
    assert rows(store, "SELECT count(*) FROM people") == [(2,)]


def test_profile_urls():
    assert profile_ident("https://x.com/AdaL/") == Ident("twitter", "handle", "adal")
    assert profile_ident("https://www.instagram.com/ada.l") == Ident("instagram", "handle", "ada.l")
    assert profile_ident("https://twitter.com/intent/user") == Ident("web", "url", "https://twitter.com/intent/user")
    assert profile_ident("", "twitter", "AdaL") == Ident("twitter", "handle", "adal")
    assert profile_ident("  ") is None
