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


# -- iter_converted: every element the hardened expat reader finds, converted -----------------------


def _tree(el):
    """An element as plain values: local tag, attributes by local name, text, children, tail."""
    from closeknit.ingest.xmlsafe import local

    return (
        local(el.tag),
        sorted((local(k), v) for k, v in el.attrib.items() if not k.startswith("xmlns")),
        el.text,
        [_tree(c) for c in el],
        el.tail,
    )


def _top(el):
    t = _tree(el)
    return t[:4]  # the tail of a yielded element is not part of it


MIXED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!-- prolog comment -->\n<?pi before root?>\n'
    '<r xmlns:a="urn:a" xmlns="urn:default">\n'
    + "".join(
        f'  <a:rec n="{i}" a:k="v&amp;{i}">t{i} &lt;&#233;&#x1F600;<!-- c --><![CDATA[<raw> & {i}]]>'
        f'<a:f>{i}<?pi x?></a:f> tail <g><rec>nested {i}</rec></g>\r\n</a:rec>\n  <skip>{i}</skip>\n'
        for i in range(40)
    )
    + "  <rec/>\n  <other><rec>deep</rec></other>\nEND</r>\n"
)


@pytest.mark.parametrize("chunk", [7, 1 << 20])
@pytest.mark.parametrize("variant", ["plain", "undeclared_prefix", "deep", "doctype", "truncated", "latin1"])
def test_iter_converted_reads_every_spelling(chunk, variant):
    from closeknit.ingest.xmlsafe import iter_converted

    doc = MIXED.replace("END", "")
    if variant == "undeclared_prefix":  # read without namespace processing: a prefix is part of the name
        doc = doc.replace("<skip>30</skip>", "<skip>30</skip><u:x u:k='1'/>")
    elif variant == "deep":
        doc = doc.replace("<skip>30</skip>", "<skip>30</skip>" + "<d>" * 300 + "</d>" * 300)
    elif variant == "doctype":
        doc = doc.replace("<r ", "<!DOCTYPE r>\n<r ", 1)
    elif variant == "truncated":
        doc = doc[: doc.index("<other>")]
    data = doc.encode()
    if variant == "latin1":
        data = doc.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1", "xmlcharrefreplace")
    got = []
    try:
        for t in iter_converted(lambda: io.BytesIO(data), ("rec",), _top, chunk=chunk):
            got.append(t)
    except MalformedXMLError as e:
        got.append(("error", str(e), e.line))
    if variant != "truncated":
        assert len(got) == 42 and got[0][2] == "t0 <\u00e9\U0001F600<raw> & 0"
        assert got[0][3][0][2] == "0"  # the <a:f> child
        assert got[0][1] == [("k", "v&0"), ("n", "0")] and got[40][:3] == ("rec", [], None)  # <rec/>
        assert got[41][2] == "deep"  # outermost wanted elements, at any depth
    else:
        assert len(got) == 42 and got[-2][:3] == ("rec", [], None)  # the <rec/> before the cut
        assert got[-1] == ("error", "input: XML is not well-formed (no element found, line 126)", 126)


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL])
def test_iter_converted_refuses_entities(doc):
    from closeknit.ingest.xmlsafe import iter_converted

    with pytest.raises(UnsafeInputError):
        list(iter_converted(lambda: io.BytesIO(doc.encode()), ("sms", "call"), _top))
    # also when the DOCTYPE comes after a prolog longer than a chunk
    long = doc.replace("<!DOCTYPE", "<!--" + "x" * 5000 + "-->\n<!DOCTYPE", 1)
    with pytest.raises(UnsafeInputError):
        list(iter_converted(lambda: io.BytesIO(long.encode()), ("sms", "call"), _top, chunk=512))


def test_iter_converted_can_be_abandoned():
    from closeknit.ingest.xmlsafe import iter_converted

    data = ("<r>" + "<rec>x</rec>" * 20000 + "</r>").encode()
    it = iter_converted(lambda: io.BytesIO(data), ("rec",), _top, chunk=256)
    assert next(it)[2] == "x"
    it.close()


def test_convert_piece_leaves_no_garbage_for_a_process_without_cyclic_gc():
    """Workers run with the cyclic GC off: a piece's parser and tree must go by reference counting
    (a parser made per piece formed a cycle with its document, and each piece's tree stayed)."""
    import gc

    from closeknit.ingest.xmlsafe import convert_piece

    head = b"<r>\n  <a>head</a>\n  "
    piece = b"".join(b"<a>%d</a>\n  " % i for i in range(200))
    text = lambda el: el.text  # noqa: E731
    was = gc.isenabled()
    gc.disable()
    try:
        assert convert_piece(head, piece, ["a"], text, last=False)[1][-1] == "199"
        gc.collect()
        for _ in range(3):
            assert convert_piece(head, b"<a>1</a><b>", ["a"], text, last=False) is None  # given up midway
            assert convert_piece(head, piece, ["a"], text, last=False)[1] == [str(i) for i in range(200)]
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


def test_convert_piece_reads_what_the_whole_document_gives_or_nothing():
    from closeknit.ingest.xmlsafe import _next_cut, convert_piece

    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<r xmlns:x="urn:x">\n  <x:a>head</x:a>\n  '
    text = lambda el: el.text  # noqa: E731
    assert convert_piece(head, b"<x:a>1</x:a>\n  <x:a>2</x:a>\n  ", ["a"], text, last=False) == (["head"], ["1", "2"])
    assert convert_piece(head, b"<x:a>1</x:a>\n</r>\n", ["a"], text, last=True) == (["head"], ["1"])
    # a wanted element one level down is outermost in the whole document too
    assert convert_piece(head, b"<b><x:a>1</x:a></b>", ["a"], text, last=False) == (["head"], ["1"])
    # a cut inside CDATA or inside an element, a head that ends inside a wanted element: not whole elements
    assert convert_piece(head, b"<x:a><![CDATA[1</x:a> <x:a>]]></x:a>\n  <x:a><![CDATA[", ["a"], text, last=False) is None
    assert convert_piece(head, b"<x:a>1</x:a><b>", ["a"], text, last=False) is None
    assert convert_piece(head, b"</b><b>", ["a"], text, last=False) is None
    assert convert_piece(head + b"<x:a>", b"<b>1</b></x:a>", ["a"], text, last=False) is None
    assert convert_piece(head, b"<x:a>1</x:a>\n</r>", ["a"], text, last=False) is None  # the document ended
    assert convert_piece(head, b"<x:a>1</x:a>", ["a"], text, last=True) is None  # it does not end
    # cuts: the first element's indentation tells a top-level tag from a nested one
    doc = b"<r>\n  <post><thread id='1'/></post>\n  <thread id='1'/>\n  <posts/>"
    assert _next_cut(doc, ("post", "thread"), 0) == doc.index(b"<post>")
    assert _next_cut(doc, ("post", "thread"), 8) == doc.index(b"<thread id='1'/>")  # nested, but no lead given
    assert _next_cut(doc, ("post", "thread"), 8, b"\n  ") == doc.index(b"<thread id='1'/>\n  <posts")
    assert _next_cut(doc, ("post",), 8, b"\n  ") == -1  # <posts> is another tag
