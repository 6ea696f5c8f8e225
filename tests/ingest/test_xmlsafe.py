"""The hardened XML reader: entity attacks refused, surrogate references repaired."""

import io

import pytest

from closeknit.core.errors import UnsafeInputError
from closeknit.ingest.xmlsafe import MalformedXMLError, SurrogateRefFixer, iterparse
from tests.conftest import rows

# Hand-made "billion laughs": 10 levels of 10x expansion = 10^9 "lol"s if expanded.
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE smses [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<smses count="2">\n'
    '<sms address="+14155550101" date="1709280000000" type="1" body="fine" />\n'
    '<sms address="+14155550101" date="1709280060000" type="1" body="&lol9;" />\n</smses>\n'
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE calls [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
    '<calls count="1"><call number="&xxe;" duration="1" date="1709280000000" type="1"/></calls>\n'
)


def test_billion_laughs_refused_nothing_written(tmp_path, store, import_path):
    p = tmp_path / "sms-bomb.xml"
    p.write_text(BILLION_LAUGHS)
    with pytest.raises(UnsafeInputError, match="billion laughs"):
        import_path(p, "sms")
    for table in ("interactions", "identities", "sources", "import_errors", "me", "people"):
        assert rows(store, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_external_entity_refused(tmp_path, store, import_path):
    p = tmp_path / "calls-xxe.xml"
    p.write_text(EXTERNAL)
    with pytest.raises(UnsafeInputError):
        import_path(p, "calls")
    assert rows(store, "SELECT count(*) FROM sources") == [(0,)]


def test_plain_doctype_allowed_but_can_be_forbidden():
    doc = b'<?xml version="1.0"?><!DOCTYPE a><a><b/></a>'
    assert [el.tag for _, el in iterparse(io.BytesIO(doc))] == ["b", "a"]
    with pytest.raises(UnsafeInputError):
        list(iterparse(io.BytesIO(doc), forbid_dtd=True))


def test_malformed_reports_line():
    with pytest.raises(MalformedXMLError) as e:
        list(iterparse(io.BytesIO(b"<a>\n<b>\n</a>"), name="x.xml"))
    assert e.value.line == 3


def test_surrogate_pairs_repaired_across_chunk_boundaries():
    src = b'<a b="' + b"x&#55357;&#56832;y&#12345;&#xD83D;&#xDE00;&#55357;z&#1;&#10;" * 50 + b'"/>'
    want = b'<a b="' + b"x&#128512;y&#12345;&#128512;&#65533;z&#65533;&#10;" * 50 + b'"/>'
    for chunk in (1, 3, 7, 16, 17, 1 << 20):
        f = SurrogateRefFixer(io.BytesIO(src), chunk=chunk)
        out = b""
        while data := f.read(13):
            out += data
        assert out == want, chunk
    (_, el), = iterparse(SurrogateRefFixer(io.BytesIO(src)))
    assert el.get("b").startswith("x\U0001F600y\u3039\U0001F600\ufffdz\ufffd\n")
