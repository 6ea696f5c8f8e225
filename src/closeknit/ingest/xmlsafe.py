"""Hardened, streaming XML for importers.

Every XML export is read through :func:`iterparse`, a thin wrapper over
``defusedxml.ElementTree.iterparse``: entity declarations (the "billion laughs" and quadratic
blow-up attacks) and external entities / DTDs fetched from elsewhere are refused with
:class:`~closeknit.core.errors.UnsafeInputError`, which aborts the import before anything is
committed. A plain ``<!DOCTYPE x>`` without entity declarations is harmless and allowed (some
exporters write one); pass ``forbid_dtd=True`` to refuse even that.

Malformed XML raises :class:`MalformedXMLError` (an :class:`~closeknit.core.errors.InputError`
carrying the line), so an importer can report "stopped at line N" as a bad record and keep what
it read before.

:class:`SurrogateRefFixer` repairs a quirk of Android backup apps: they write characters outside
the Basic Multilingual Plane (emoji) as *two* numeric references to UTF-16 surrogates
(``&#55357;&#56832;``), which no conforming XML parser accepts. The fixer rewrites each such pair
into one reference to the real character (``&#128512;``) while streaming, and lone surrogates or
references to control characters that XML forbids into U+FFFD.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import BinaryIO, NamedTuple, TypeVar
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as _DET

from closeknit.core.errors import InputError, UnsafeInputError
from closeknit.core.files import MAX_RECORD_BYTES, RecordTooBig

T = TypeVar("T")

__all__ = ["iterparse", "iter_elements", "iter_converted", "iter_converted_pieces", "convert_piece", "plain_head", "cut_pieces", "hardened_parser", "feed", "BigToken", "Skip", "MalformedXMLError", "SurrogateRefFixer", "local", "text_of"]


class MalformedXMLError(InputError):
    """The XML is not well-formed; ``line`` is where the parser gave up (or None)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_LOCAL: dict[str, str] = {}


def local(tag: str) -> str:
    """The tag without namespace or prefix: ``local('{http://wordpress.org/export/1.2/}comment') == 'comment'``,
    ``local('wp:comment') == 'comment'``."""
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rpartition("}")[2].rpartition(":")[2]
    return name


def text_of(el: Element | None) -> str:
    """Stripped text of ``el`` ('' for a missing or empty element)."""
    if el is None or el.text is None:
        return ""
    return el.text.strip()


def iterparse(
    stream: BinaryIO,
    events: tuple[str, ...] = ("end",),
    *,
    name: str = "input",
    forbid_dtd: bool = False,
) -> Iterator[tuple[str, Element]]:
    """Yield ``(event, element)`` like :func:`xml.etree.ElementTree.iterparse`, hardened.

    Raises :class:`UnsafeInputError` for entity declarations or external references and
    :class:`MalformedXMLError` for XML that is not well-formed. Callers should ``clear()``
    elements they are done with to keep memory bounded.
    """
    it = _DET.iterparse(stream, events=events, forbid_dtd=forbid_dtd, forbid_entities=True, forbid_external=True)
    try:
        yield from it
    except DefusedXmlException as e:
        raise _unsafe(name, e) from e
    except ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        raise MalformedXMLError(f"{name}: XML is not well-formed ({e})", line) from e


def _unsafe(name: str, e: Exception) -> UnsafeInputError:
    return UnsafeInputError(
        f"{name}: the XML declares entities or refers to external ones ({type(e).__name__}: {e}); "
        "this is how 'billion laughs' and external-entity attacks work, so the file is refused. "
        "Real exports never need this: re-download the export from the service."
    )


def iter_elements(
    stream: BinaryIO,
    tags: Collection[str],
    *,
    name: str = "input",
    forbid_dtd: bool = False,
    chunk: int = 1 << 20,
    flat: Collection[str] = (),
) -> Iterator[Element | RecordTooBig]:
    """Yield every complete element whose local tag is in ``tags``, detached from the document,
    or a :class:`~closeknit.core.files.RecordTooBig` in place of one over ``MAX_RECORD_BYTES``
    (from its start tag to its end tag), which is skipped: memory stays bounded by the limit. A
    single token over the limit (a start tag with a huge attribute, a comment: expat would hold it
    whole) is skipped the same way, with the record around it or the record it starts, or alone
    outside every record (also a ``RecordTooBig``); the rest of the document is read (:func:`feed`).

    The fast path for big exports: a raw expat parser hardened with exactly defusedxml's rules
    (its ``EntityDeclHandler`` / ``UnparsedEntityDeclHandler`` / ``ExternalEntityRefHandler``
    raise defusedxml's own exceptions, reported as :class:`UnsafeInputError`), feeding the C
    ``TreeBuilder`` only inside the wanted elements, so nothing else is kept in memory and no
    pure-Python parser sits in the hot loop (defusedxml's ``iterparse`` uses one: 3-4x slower).

    ``tags`` are local names (``wp:comment`` -> ``comment``); a yielded element's own tag is the
    local name, its descendants keep the names as written (``wp:comment_id``: compare them with
    :func:`local`), and so do attribute names (``dsq:id``). Only outermost matches are yielded:
    a wanted tag nested inside another wanted element stays a child of it.
    Tags in ``flat`` (a subset of ``tags``) are taken to be empty elements carrying attributes
    only (``<sms .../>``): they are yielded from their start tag without building a subtree,
    which is about twice as fast; any children they have are ignored.
    Raises :class:`MalformedXMLError` (with the line) for XML that is not well-formed.
    """
    want = frozenset(tags)
    flat_tags = frozenset(flat)
    p = hardened_parser(forbid_dtd=forbid_dtd)

    out: list[Element | RecordTooBig] = []
    cache = _LOCAL
    # Outside the wanted elements only Python start and end handlers run (to spot them, and to
    # know the document's open elements). Inside one, start and character data go straight to the
    # C TreeBuilder, and a Python end handler watches for the element that closes the record;
    # then the handlers switch back.
    root: Element | None = None
    tb_end: Callable[[str], Element] | None = None  # the record's TreeBuilder.end, while inside one
    outer: list[str] = []  # the elements open outside records, names as written (to read on after a big token)
    shift = line_shift = 0  # where the current parser's byte 0 and line 1 are in the document (see feed)

    root_tag = ""  # the record's tag as written, its first byte (in the document) and line (for the size limit)
    root_at = root_line = 0
    nested = 0  # while skipping a record over the limit: its elements of the same name still open

    def start_outside(tag: str, attrs: dict[str, str]) -> None:
        nonlocal root, tb_end, root_tag, root_at, root_line
        lt = cache.get(tag) or local(tag)
        if lt in flat_tags:
            out.append(Element(lt, attrs))
        elif lt in want:
            tb = TreeBuilder()
            root = tb.start(lt, attrs)
            tb_end = tb.end
            root_tag, root_at, root_line = tag, p.CurrentByteIndex + shift, p.CurrentLineNumber + line_shift
            p.StartElementHandler = tb.start
            p.CharacterDataHandler = tb.data
            p.EndElementHandler = end_inside
            return
        outer.append(tag)

    def end_outside(tag: str) -> None:
        if outer and outer[-1] == tag:  # a flat record's end tag was never pushed
            outer.pop()

    def end_inside(tag: str) -> None:
        nonlocal root, tb_end
        if tb_end is None:  # never: this handler is installed together with tb_end
            raise RuntimeError("end of an element outside a record")
        el = tb_end(tag)
        if el is root:
            size = p.CurrentByteIndex + shift + len(tag) + 3 - root_at
            out.append(el if size <= MAX_RECORD_BYTES else _too_big(root_line, size))
            root = tb_end = None
            p.StartElementHandler = start_outside
            p.CharacterDataHandler = None
            p.EndElementHandler = end_outside

    def _too_big(line: int, size: int | None, what: str | None = None) -> RecordTooBig:
        return RecordTooBig(f"{name}: {what or f'the <{local(root_tag)}>'} of line {line:,}", size, line)

    # A record over MAX_RECORD_BYTES is dropped where that is seen (after a chunk), and the rest of
    # it is skipped by counting its name's start and end tags (the C tree builder keeps no depth
    # we could read; a record nested in one of the same name, which no export has, ends early).
    def start_skipping(tag: str, attrs: dict[str, str]) -> None:
        nonlocal nested
        if tag == root_tag:
            nested += 1

    def end_skipping(tag: str) -> None:
        nonlocal nested
        if tag == root_tag:
            nested -= 1
            if not nested:
                out.append(_too_big(root_line, p.CurrentByteIndex + shift + len(tag) + 3 - root_at))
                p.StartElementHandler = start_outside
                p.EndElementHandler = end_outside

    def big_token(tok: BigToken) -> Skip:
        """One token over the limit (a start tag with a huge attribute, a comment): the record around
        it, or the record it starts, is reported and skipped up to its end tag; a token outside any
        record is skipped alone. Then a fresh parser reads on."""
        nonlocal root, tb_end, nested, root_tag, root_line
        lt = local(tok.tag) if tok.tag else None
        what: str | None = None
        to: str | None
        if root is not None or nested:  # inside a record (being built, or already being skipped)
            depth = (nested or 1) + (tok.kind == "start" and tok.tag == root_tag and not tok.empty)
            to, start, line = root_tag, root_at, root_line
        elif lt is not None and lt in want:  # a record's own start tag
            root_tag, root_line = tok.tag or "", tok.line
            to, depth = (None, 0) if tok.empty else (root_tag, 1)
            start, line = tok.at, tok.line
        else:  # outside every record: the token alone (a comment, a start tag of the channel...)
            to, depth, start, line = None, 0, tok.at, tok.line
            what = f"the <{tok.tag}> start tag" if tok.tag else f"the {tok.kind}"
            if tok.kind == "start" and not tok.empty and tok.tag is not None:
                outer.append(tok.tag)
        root = tb_end = None
        nested = 0

        def done(fresh: expat.XMLParserType | None, size: int | None, new_shift: int, new_line_shift: int) -> None:
            nonlocal p, shift, line_shift
            out.append(_too_big(line, size, what))
            if fresh is not None:
                p, shift, line_shift = fresh, new_shift, new_line_shift
                p.StartElementHandler = start_outside
                p.EndElementHandler = end_outside

        return Skip(to, depth, tuple(outer), start, done)

    p.StartElementHandler = start_outside
    p.EndElementHandler = end_outside
    try:
        for fed in feed(p, stream, name=name, chunk=chunk, resume=big_token):
            if root is not None and fed - root_at > MAX_RECORD_BYTES:
                root = tb_end = None
                nested = 1
                p.StartElementHandler = start_skipping
                p.CharacterDataHandler = None
                p.EndElementHandler = end_skipping
            if out:
                yield from out
                out.clear()
    finally:  # the parser and its handlers refer to each other: cycles that workers (no cyclic GC) would keep
        p.StartElementHandler = p.CharacterDataHandler = p.EndElementHandler = None
        start_outside = end_outside = end_inside = start_skipping = end_skipping = None  # type: ignore[assignment]
        big_token = None  # type: ignore[assignment]


def hardened_parser(*, forbid_dtd: bool = False) -> expat.XMLParserType:
    """A raw expat parser hardened with exactly defusedxml's rules, for importers that install
    their own handlers (the fastest way through big exports: no element objects at all).

    Entity declarations (``EntityDeclHandler`` / ``UnparsedEntityDeclHandler``) and external
    references (``ExternalEntityRefHandler``) raise defusedxml's own exceptions, which
    :func:`feed` reports as :class:`UnsafeInputError`; with ``forbid_dtd`` any DOCTYPE does.
    ``buffer_text`` is on: character data comes in one piece between two events (up to 64 KiB).
    """
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16
    if hasattr(p, "SetReparseDeferralEnabled"):  # expat >= 2.6: a finished token is handled at once, so
        p.SetReparseDeferralEnabled(False)  # feed() measures an unfinished one exactly (at most 16 MiB is re-read)

    def entity_decl(ename, is_param, value, base, sysid, pubid, notation):  # noqa: ANN001
        raise EntitiesForbidden(ename, value, base, sysid, pubid, notation)

    def unparsed_entity_decl(ename, base, sysid, pubid, notation):  # noqa: ANN001
        raise EntitiesForbidden(ename, None, base, sysid, pubid, notation)

    def external_ref(context, base, sysid, pubid):  # noqa: ANN001
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    def doctype(dname, sysid, pubid, has_internal_subset):  # noqa: ANN001
        raise DTDForbidden(dname, sysid, pubid)

    p.EntityDeclHandler = entity_decl
    p.UnparsedEntityDeclHandler = unparsed_entity_decl
    p.ExternalEntityRefHandler = external_ref
    if forbid_dtd:
        p.StartDoctypeDeclHandler = doctype
    return p


class BigToken(NamedTuple):
    """One XML token that grew past :data:`~closeknit.core.files.MAX_RECORD_BYTES` before expat could
    finish it (a start tag with a 2 GB attribute: an SMS body), as :func:`feed` hands it to ``resume``."""

    kind: str  #: "start" (a start tag), "comment", "pi" (processing instruction) or "cdata"
    tag: str | None  #: a start tag's name as written
    empty: bool  #: a start tag that closes its element itself (``<sms .../>``)
    at: int  #: where it starts, in bytes from the start of the document
    line: int  #: the line it starts on
    shift: int  #: what to add to the current parser's ``CurrentByteIndex`` for bytes from the start of the document
    line_shift: int  #: and to its ``CurrentLineNumber`` for the line in the document


class Skip(NamedTuple):
    """What :func:`feed` skips after a :class:`BigToken`, and how it reads on."""

    to: str | None  #: the element (its name as written) whose end tag ends what is skipped; None: the token alone
    depth: int  #: how many elements of that name are open right after the token
    outer: Sequence[str]  #: the document's elements open around what is skipped (names as written, outermost first)
    start: int  #: where what is skipped starts (bytes from the start of the document), for its size
    #: called with the fresh parser that reads on (to install its handlers; None: the file ended first),
    #: the size of what was skipped (None: it runs past the end of the file), and what to add to the
    #: fresh parser's ``CurrentByteIndex`` and ``CurrentLineNumber`` for bytes and lines in the document
    done: Callable[[expat.XMLParserType | None, int | None, int, int], None]


_TAG_NAME = re.compile(rb"<([^\s/>!?]+)")
_TAG_STOP = re.compile(rb"[\"'>]")
_LT = re.compile(rb"<")
_SECTIONS = ((b"<!--", "comment", b"-->"), (b"<![CDATA[", "cdata", b"]]>"), (b"<?", "pi", b"?>"))
_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


class _RawXml:
    """Reads on through the raw bytes of an XML document where expat gave up on a token: tags,
    comments and quoted values are told apart, nothing is parsed; memory stays bounded by ``chunk``.
    (``<`` never appears raw in an attribute value, so looking for it finds every tag.)"""

    def __init__(self, stream: BinaryIO, buf: bytes, at: int, chunk: int) -> None:
        self.stream, self.buf, self.i, self.base, self.chunk = stream, buf, 0, at, chunk
        self.lines = 0  # line breaks in the bytes already dropped

    def pos(self) -> int:
        return self.base + self.i

    def line_breaks(self) -> int:
        return self.lines + self.buf.count(b"\n", 0, self.i)

    def _more(self) -> bool:
        data = self.stream.read(self.chunk)
        if not data:
            return False
        self.lines += self.buf.count(b"\n", 0, self.i)
        self.base += self.i
        self.buf = self.buf[self.i :] + data
        self.i = 0
        return True

    def need(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end of the file), without moving."""
        while len(self.buf) - self.i < n and self._more():
            pass
        return self.buf[self.i : self.i + n]

    def search(self, rx: re.Pattern[bytes]) -> re.Match[bytes] | None:
        while True:
            m = rx.search(self.buf, self.i)
            if m:
                return m
            self.i = max(self.i, len(self.buf) - 16)  # a delimiter may be cut by the chunk boundary
            if not self._more():
                return None

    def past(self, end: bytes) -> bool:
        """Moves past the next ``end``; False at the end of the file."""
        m = self.search(re.compile(re.escape(end)))
        if m:
            self.i = m.end()
        return m is not None

    def section(self, head: bytes) -> str | None:
        """Moves past the comment, CDATA section or processing instruction at the position: its kind
        ("" when it runs past the end of the file); None when there is none."""
        for opener, kind, end in _SECTIONS:
            if head.startswith(opener):
                self.i += len(opener)
                return kind if self.past(end) else ""
        return None

    def token(self) -> tuple[str, bytes | None, bool]:
        """Moves past the token at the position (a ``<``): (kind, a start tag's name, whether that is
        empty); kind "" for what cannot be skipped (an end tag, a DOCTYPE, text, the end of the file)."""
        kind = self.section(self.need(9))
        if kind is not None:
            return kind, None, False
        self.need(1024)
        m = _TAG_NAME.match(self.buf, self.i)
        if not m or m.end() == len(self.buf):  # not a start tag, or a name of a KiB
            return "", None, False
        self.i = m.end()
        empty = self.tag_end()
        return ("start", m.group(1), empty) if empty is not None else ("", None, False)

    def tag_end(self) -> bool | None:
        """Moves past the ``>`` that ends the start tag the position is in (quoted values followed):
        whether it was ``/>``; None at the end of the file."""
        while True:
            m = self.search(_TAG_STOP)
            if m is None:
                return None
            self.i = m.end()
            c = m.group()
            if c == b">":
                return m.start() > 0 and self.buf[m.start() - 1] == 0x2F  # "/"
            if not self.past(c):
                return None

    def skip_to_end_of(self, name: bytes, depth: int) -> bool:
        """Moves past the end tag that closes ``depth`` open elements ``name``; False at the end of the file."""
        n = len(name)
        while depth:
            m = self.search(_LT)
            if m is None:
                return False
            self.i = m.start()
            head = self.need(max(n + 3, 9))
            named = head[1 : 1 + n] == name and head[1 + n : 2 + n] in (b" ", b"\t", b"\r", b"\n", b">", b"/")
            kind = self.section(head)
            if kind == "":
                return False
            if kind is not None:
                continue
            if head.startswith(b"</"):
                if head[2 : 2 + n] == name and head[2 + n : 3 + n] in (b" ", b"\t", b"\r", b"\n", b">"):
                    depth -= 1
                self.i += 2
            elif named:
                self.i += 1 + n
                empty = self.tag_end()
                if empty is None:
                    return False
                depth += not empty
            else:
                self.i += 1
        m = self.search(re.compile(rb">"))  # the end tag's own ">"
        if m is None:
            return False
        self.i = m.end()
        return True


def _ascii_compatible(first: bytes) -> tuple[bool, str | None]:
    """Whether a document starting with ``first`` is in an encoding whose tags are ASCII bytes, and
    the encoding it declares."""
    if first.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00")):  # UTF-16 / UTF-32
        return False, None
    m = _DECLARED.match(first)
    enc = m.group(1).decode() if m else None
    try:
        return enc is None or "<a b='c'/>".encode(enc) == b"<a b='c'/>", enc
    except LookupError:
        return False, enc


def feed(p: expat.XMLParserType, stream: BinaryIO, *, name: str = "input", chunk: int = 1 << 20,
         resume: Callable[[BigToken], Skip | None] | None = None) -> Iterator[int]:
    """Parse ``stream`` with the :func:`hardened_parser` ``p`` chunk by chunk, yielding after each
    chunk was parsed (the caller hands on what its handlers collected, so memory stays bounded)
    the number of bytes parsed so far.

    What the handlers collected during a chunk that turns out not to be well-formed is never
    handed on (the error is raised instead of the yield). Raises :class:`UnsafeInputError` for
    entity declarations / external references and :class:`MalformedXMLError` (with the line).

    expat holds an unfinished token (a start tag with a 2 GB attribute: an SMS body) in memory
    until it ends. One past :data:`~closeknit.core.files.MAX_RECORD_BYTES` is handed to ``resume``
    as a :class:`BigToken`; the :class:`Skip` it returns says what to skip (the token, or the record
    around it up to its end tag): the raw bytes are read on without parsing (memory bounded), and a
    fresh hardened parser, given the document's open elements first, reads on after them. Without
    ``resume`` (or when it returns None, or for a token that cannot be skipped: an end tag, a
    DOCTYPE, text, a document in UTF-16) it is a :class:`MalformedXMLError`, and nothing after it is read.
    """
    fed = 0  # bytes of the document parsed
    shift = line_shift = 0  # where the current parser's byte 0 and line 1 are in the document
    held: list[bytes] = []  # the bytes from the start of the token expat is in (bounded by the limit)
    held_at = 0
    first = b""

    def parse(data: bytes, final: bool = False) -> None:
        nonlocal fed, held_at
        p.Parse(data, final)
        fed += len(data)
        if resume is not None:
            held.append(data)
            cur = max(p.CurrentByteIndex, 0) + shift
            while held and held_at + len(held[0]) <= cur:
                held_at += len(held.pop(0))

    def pending() -> int:  # bytes of the token expat is in (0 between tokens)
        return fed - max(p.CurrentByteIndex, 0) - shift

    try:
        while True:
            buf = stream.read(chunk)
            first = first or buf[:1024]
            if not buf:
                parse(buf, True)
            data = buf
            while data:
                # expat keeps an unfinished token in memory until it ends. It is given at most what
                # brings that token to the limit; a token still unfinished there is over it: it is
                # skipped (resume) or nothing after it is read
                room = MAX_RECORD_BYTES - pending()
                parse(data[:room])
                data = data[room:]
                if pending() < MAX_RECORD_BYTES:
                    continue
                line = p.CurrentLineNumber + line_shift
                at = fed - pending()
                ascii_like, enc = _ascii_compatible(first)
                if resume is None or not ascii_like:
                    raise _stopped(name, line)
                raw = _RawXml(stream, b"".join(held)[at - held_at :] + data, at, chunk)
                held.clear()
                data = b""
                kind, tag, empty = raw.token()
                skip = resume(BigToken(kind, tag.decode(enc or "utf-8", "replace") if tag else None, empty,
                                       at, line, shift, line_shift)) if kind else None
                if skip is None:
                    raise _stopped(name, line)
                if skip.to is not None and not raw.skip_to_end_of(skip.to.encode(enc or "utf-8"), skip.depth):
                    skip.done(None, None, shift, line_shift)
                    yield raw.pos()
                    return
                p = hardened_parser()
                primer = (b'<?xml version="1.0" encoding="%s"?>' % enc.encode() if enc else b"") + \
                    b"".join(b"<%s>" % t.encode(enc or "utf-8") for t in skip.outer)
                p.Parse(primer, False)
                line_shift = line + raw.line_breaks() - 1
                shift = raw.pos() - len(primer)
                skip.done(p, raw.pos() - skip.start, shift, line_shift)
                fed = held_at = raw.pos()
                data = raw.buf[raw.i :]
            yield fed
            if not buf:
                break
    except DefusedXmlException as e:
        raise _unsafe(name, e) from e
    except expat.ExpatError as e:
        raise MalformedXMLError(f"{name}: XML is not well-formed ({expat.ErrorString(e.code)}, line {e.lineno + line_shift})",
                                e.lineno + line_shift) from e
    except LookupError as e:  # <?xml encoding="..."?> names an encoding Python does not know (found by fuzzing)
        raise MalformedXMLError(f"{name}: XML declares an encoding that does not exist ({e})", 1) from e


def _stopped(name: str, line: int) -> MalformedXMLError:
    return MalformedXMLError(f"{name}: one element is over {MAX_RECORD_BYTES // 2**20} MiB (line {line}), beyond "
                             "the limit of one record; nothing after it is read", line)


# A run of numeric character references that may need repair: decimal 55000-57999 or hex
# D800-DFFF (the UTF-16 surrogate range, with some margin that _fix_run leaves alone), or small
# control-character references (&#0; .. &#31;, &#x0; .. &#x1F;). The pattern starts with a
# literal "&#" so the regex engine can skip ahead fast (a leading group makes it 40x slower).
_ONE = rb"(?:5[5-7]\d{3}|[xX][dD][89a-fA-F][0-9a-fA-F]{2}|[12]?\d|3[01]|[xX]1?[0-9a-fA-F]);"
_RUN = re.compile(rb"&#" + _ONE + rb"(?:&#" + _ONE + rb")*")
_REF = re.compile(rb"&#([xX]?)([0-9a-fA-F]+);")
_TAIL_REF = re.compile(rb"&#(?:5[5-7]\d{3}|[xX][dD][89a-fA-F][0-9a-fA-F]{2});$")
_OK_CONTROL = {9, 10, 13}


def _fix_run(m: re.Match[bytes]) -> bytes:
    cps = [int(num, 16 if x else 10) for x, num in _REF.findall(m.group(0))]
    out: list[bytes] = []
    i, n = 0, len(cps)
    while i < n:
        cp = cps[i]
        if 0xD800 <= cp <= 0xDBFF and i + 1 < n and 0xDC00 <= cps[i + 1] <= 0xDFFF:
            cp = 0x10000 + ((cp - 0xD800) << 10) + (cps[i + 1] - 0xDC00)
            i += 1
        elif 0xD800 <= cp <= 0xDFFF or (cp < 32 and cp not in _OK_CONTROL):
            cp = 0xFFFD
        out.append(b"&#%d;" % cp)
        i += 1
    return b"".join(out)


class SurrogateRefFixer:
    """A read-only byte stream over ``raw`` with surrogate-pair references repaired.

    Works chunk by chunk (memory stays bounded); a reference cut by a chunk boundary, and a
    high surrogate whose partner lies in the next chunk, are carried over to the next read.

    >>> import io
    >>> SurrogateRefFixer(io.BytesIO(b'<a b="&#55357;&#56832;!"/>')).read()
    b'<a b="&#128512;!"/>'
    """

    def __init__(self, raw: BinaryIO, chunk: int = 1 << 20) -> None:
        self._raw = raw
        self._chunk = chunk
        self._carry = b""
        self._out = b""
        self._pos = 0
        self._eof = False

    def _fill(self) -> None:
        data = self._raw.read(self._chunk)
        if not data:
            self._eof = True
            data, self._carry = self._carry, b""
        else:
            data = self._carry + data
            self._carry = b""
            # hold back a possibly incomplete reference at the end, and any surrogate
            # references right before it (their partner may be in the held-back part)
            cut = data.rfind(b"&", max(0, len(data) - 16))
            if cut != -1 and b";" not in data[cut:]:
                pass
            else:
                cut = len(data)
            while True:
                m = _TAIL_REF.search(data, max(0, cut - 16), cut)
                if not m:
                    break
                cut = m.start()
            self._carry = data[cut:]
            data = data[:cut]
        if b"&#" in data:
            data = _RUN.sub(_fix_run, data)
        self._out = self._out[self._pos :] + data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            while not self._eof:
                self._fill()
            size = len(self._out) - self._pos
        while len(self._out) - self._pos < size and not self._eof:
            self._fill()
        out = self._out[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def close(self) -> None:
        self._raw.close()


#: A prolog (before the root element) longer than this goes to the established reader.
_PROLOG_MAX = 8 << 20


class _RootStarted(Exception):
    """Raised by the prolog check when the root element starts (the prolog is over)."""


def _prolog_is_plain(head: bytes, stream: BinaryIO, chunk: int) -> tuple[bool, list[bytes]]:
    """Read the prolog (up to the root start tag) through the :func:`hardened_parser`.

    Returns ``(plain, chunks_read)``: ``plain`` is True for a UTF-8 document without a DOCTYPE,
    what WordPress and Disqus write and the only documents :func:`plain_head` lets be cut into
    pieces. Anything else (a DOCTYPE, another encoding, a prolog that is not well-formed) is
    ``False``: the caller reads the file whole, which refuses or reports it.
    """
    p = hardened_parser()
    state = {"plain": True}

    def doctype(*_a) -> None:  # noqa: ANN002
        state["plain"] = False
        raise _RootStarted

    def xmldecl(version, encoding, standalone) -> None:  # noqa: ANN001
        if encoding is not None and encoding.lower() != "utf-8":
            state["plain"] = False
            raise _RootStarted

    def root(tag, attrs) -> None:  # noqa: ANN001
        raise _RootStarted

    p.StartDoctypeDeclHandler = doctype
    p.XmlDeclHandler = xmldecl
    p.StartElementHandler = root
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x3c\x00")):  # UTF-16/32
        return False, [head]
    chunks = [head]
    buf = head
    try:
        while True:
            p.Parse(buf, not buf)
            if not buf or len(chunks) * chunk >= _PROLOG_MAX:
                # no root element at all, or a prolog too long to hold: the established
                # (streaming) reader reads it and reports what is wrong
                return False, chunks
            buf = stream.read(chunk)
            chunks.append(buf)
    except _RootStarted:
        return state["plain"], chunks
    except (DefusedXmlException, expat.ExpatError):
        return False, chunks




def iter_converted(
    opener: Callable[[], BinaryIO],
    tags: Collection[str],
    convert: Callable[[Element], T],
    *,
    name: str = "input",
    chunk: int = 1 << 20,
) -> Iterator[T | RecordTooBig]:
    """``convert(el)`` for every element :func:`iter_elements` yields (a
    :class:`~closeknit.core.files.RecordTooBig` is passed on as it is). ``opener()`` returns a
    fresh binary stream of the document; ``convert`` must return plain Python values (compare
    tags with :func:`local`: a yielded element's own tag is the local name, its descendants'
    and its attributes' names are as written, ``wp:comment_id``, ``dsq:id``)."""
    with opener() as stream:
        for el in iter_elements(stream, tags, name=name, chunk=chunk):
            yield el if isinstance(el, RecordTooBig) else convert(el)


#: An element the caller of :func:`convert_piece` never has: it marks where a piece begins and ends.
_CUT = "closeknit-piece-cut"
_MARK = f"<{_CUT}/>".encode()
_CLOSING: list[bytes] = [b"", b""]  # the last head :func:`_closing_tags` was given, and its answer


def _closing_tags(head: bytes) -> bytes:
    """The end tags of the elements still open at the end of ``head`` (innermost first)."""
    if _CLOSING[0] == head:
        return _CLOSING[1]
    open_: list[str] = []
    p = hardened_parser()
    p.StartElementHandler = lambda tag, attrs: open_.append(tag)
    p.EndElementHandler = lambda tag: open_.pop()
    p.Parse(head, False)
    closing = "".join(f"</{t}>" for t in reversed(open_)).encode()
    _CLOSING[:] = [head, closing]
    return closing


def convert_piece(head: bytes, piece: bytes | None, tags: Collection[str], convert: Callable[[Element], T], *,
                  last: bool) -> tuple[list[T], list[T]] | None:
    """Convert the wanted elements of one piece of a document cut by the caller, for parsing
    pieces in parallel: ``head`` is the document's start up to the first cut (prolog, root start
    tag, the elements before the first piece), ``piece`` the text from one cut to the next (to
    the end of the document when ``last``). Only for a document :func:`plain_head` accepted.

    The piece is read by :func:`iter_elements` as the document ``head``, a mark, ``piece``, a
    mark and the end tags of the elements the head left open (the last piece ends the document
    itself). Returns ``(from head, from piece)``: what :func:`iter_converted` converts from those
    parts of the whole document. None when the piece is not a run of whole elements in the
    place of the head's end (the document it makes is not well-formed, or a mark fell inside a
    wanted element), holds a record over the limit, or is refused: the caller then reads the
    document the established way, which reports it with its place in the whole document.
    """
    if piece is None:  # cut_pieces gave up: a piece over the limit of one record
        return None
    try:
        doc = head + _MARK + piece + (b"" if last else _MARK + _closing_tags(head))
        out: tuple[list[T], list[T]] = ([], [])
        marks = 0
        for el in iter_elements(io.BytesIO(doc), (*tags, _CUT), chunk=len(doc) + 1):
            if isinstance(el, RecordTooBig):
                return None
            if el.tag == _CUT:
                marks += 1
            elif marks < 2:
                out[marks].append(convert(el))
            else:
                return None
    except (InputError, expat.ExpatError, DefusedXmlException, IndexError):
        return None
    return out if marks == (1 if last else 2) else None


def _convert_piece_task(head: bytes, piece: bytes | None, tags: Collection[str], convert: Callable[[Element], T],
                        last: bool) -> tuple[list[T], list[T]] | None:
    """:func:`convert_piece` in a worker process (a worker's fault only stops the pieces)."""
    try:
        return convert_piece(head, piece, tags, convert, last=last)
    except Exception:  # noqa: BLE001 - the importing process reads the document itself and reports
        return None


def _next_cut(buf: bytes, tags: Collection[str], start: int, lead: bytes = b"") -> int:
    """The position of the first ``<tag`` (followed by a blank, ``>`` or ``/``) preceded by
    ``lead`` at or after ``start``; -1 if none. ``lead`` is the indentation before the
    document's first wanted element: an element of the same name nested deeper (Disqus posts
    name their ``<thread>``) is indented further and is not taken for a cut."""
    best = -1
    for tag in tags:
        opener = lead + b"<" + tag.encode()
        i = buf.find(opener, start)
        while i >= 0 and (best < 0 or i + len(lead) < best):
            after = buf[i + len(opener):i + len(opener) + 1]
            if after and after in b" \t\r\n>/":
                best = i + len(lead)
                break
            if not after:
                break  # at the end of what was read: not known yet
            i = buf.find(opener, i + 1)
    return best


def plain_head(stream: BinaryIO, find_cut: Callable[[bytes, int], int], *, head_max: int = 4 << 20,
               chunk: int = 1 << 20) -> tuple[bytes, bytes] | None:
    """For cutting a document into pieces: ``(head, rest read so far)``, split at the first cut
    (``find_cut(buf, start)``, -1 for none). None for a document :func:`_prolog_is_plain` does
    not accept, without a cut, or whose head is over ``head_max``: it is not cut."""
    first_chunk = stream.read(chunk)
    plain, chunks = _prolog_is_plain(first_chunk, stream, chunk)
    if not plain:
        return None
    buf = b"".join(chunks)
    while (first := find_cut(buf, 0)) < 0:
        more = stream.read(chunk) if len(buf) < head_max else b""
        if not more:
            return None
        buf += more
    return buf[:first], buf[first:]


def cut_pieces(stream: BinaryIO, buf: bytes, find_cut: Callable[[bytes, int], int], *, piece_bytes: int,
               chunk: int = 1 << 20) -> Iterator[tuple[bytes | None, bool]]:
    """``(piece, last)`` for the rest of ``stream`` (``buf`` holds what was read of it already):
    each piece ends before the first cut (``find_cut(buf, start)``) at or after ``piece_bytes``;
    the last one runs to the end of the stream. A piece that would run past ``MAX_RECORD_BYTES``
    (a record near or over the limit) is not read: ``(None, True)`` ends the pieces there, and
    :func:`convert_piece` gives None for it (the document is then read the established way,
    which measures each record)."""
    eof = False
    while True:
        cut = -1
        parts = [buf]
        size = len(buf)
        while not eof:
            if size > max(piece_bytes, MAX_RECORD_BYTES):
                yield None, True
                return
            if size > piece_bytes:
                buf = b"".join(parts) if len(parts) > 1 else parts[0]
                parts = [buf]
                cut = find_cut(buf, piece_bytes)
                if cut >= 0:
                    break
            more = stream.read(chunk)
            if more:
                parts.append(more)
                size += len(more)
            else:
                eof = True
        if size > max(piece_bytes, MAX_RECORD_BYTES):
            yield None, True
            return
        buf = b"".join(parts) if len(parts) > 1 else parts[0]
        if cut < 0:
            yield buf, True
            return
        yield buf[:cut], False
        buf = buf[cut:]


def iter_converted_pieces(opener: Callable[[], BinaryIO], tags: Collection[str], convert: Callable[[Element], T], *,
                          pool, workers: int, name: str = "input", piece_bytes: int = 4 << 20,  # noqa: ANN001
                          head_max: int = 4 << 20, chunk: int = 1 << 20) -> Iterator[T | RecordTooBig]:
    """What :func:`iter_converted` yields, with the parsing and ``convert`` done by ``pool``'s
    ``workers`` processes, a piece of the document each (``convert`` must be a module-level
    function; what it returns is sent back).

    The document is cut before a wanted start tag indented like the first one (:func:`_next_cut`)
    about every ``piece_bytes``; each worker parses the document's head (everything before the
    first cut) followed by one piece (:func:`convert_piece`), and the results are taken in
    document order. A piece that is not a run of whole sibling elements (a cut inside CDATA,
    say), a document that is not plain UTF-8 without a DOCTYPE, or a head over ``head_max``
    stops this: :func:`iter_converted` then reads the document from its start, skipping the
    elements already yielded.
    """
    tags = tuple(tags)
    done = 0
    with opener() as stream:
        split = plain_head(stream, lambda buf, start: _next_cut(buf, tags, start), head_max=head_max, chunk=chunk)
        if split is not None:
            got = yield from _pieces(stream, *split, tags, convert, pool, workers, piece_bytes, chunk)
            if got is None:
                return
            done = got
    for i, item in enumerate(iter_converted(opener, tags, convert, name=name, chunk=chunk)):
        if i >= done:
            yield item


def _pieces(stream, head, buf, tags, convert, pool, workers, piece_bytes, chunk):  # noqa: ANN001, ANN202
    """The generator behind :func:`iter_converted_pieces`: returns None when the whole document
    was read in pieces, else the number of elements yielded."""
    from closeknit.ingest.pool import in_order

    lead = head[len(head.rstrip(b" \t\r\n")):]  # the first element's indentation, if any
    pieces = cut_pieces(stream, buf, lambda b, start: _next_cut(b, tags, start, lead), piece_bytes=piece_bytes,
                        chunk=chunk)
    tasks = ((head, piece, tags, convert, last) for piece, last in pieces)
    done = 0
    for k, (_, got) in enumerate(in_order(pool, _convert_piece_task, tasks, 2 * workers + 1)):
        if got is None:
            return done
        from_head, items = got
        if k == 0:  # the head's own elements come with the first piece
            yield from from_head
            done += len(from_head)
        yield from items
        done += len(items)
    return None
