"""Finding the exports in what the user points at: a folder, a zip, or a list of paths.

People import what they have: ``~/Downloads`` with a Twitter zip, a Facebook zip, a calendar
file, a folder of WhatsApp chats and a PDF; a Google Takeout zip that holds more zips. Each
export in there must be read by its own importer, and whatever is not an export must be named,
with the reason, rather than dropped in silence.

How a path is cut into exports (:func:`discover`):

* A file is one export if an importer recognises it, else it is skipped (with the reason).
* A zip, a folder inside a zip, and a folder on disk are *containers*. Each of their entries is
  looked at first (recursively; a zip inside a zip is extracted to a scratch folder and read as a
  zip). The container is then taken **whole**, as one export, when an importer recognises it as a
  whole, every export found inside it is of that same format (Messenger and Instagram count as
  one: they share the Meta layout), and nothing inside it is a zip (importers read the files of a
  tree, not zips within it, except WhatsApp's, which reads a folder of chat zips). An unzipped Twitter archive (``data/tweets.js``, ``assets/``, an
  HTML page) is therefore one export, and ``~/Downloads`` is as many exports as it holds.
* Otherwise the container is cut: each entry is an export of its own, or skipped.

Every export found is a :class:`Found` (a display path, an :class:`InputTree`, its importer);
every skipped entry a :class:`Skipped` with its reason. With ``only`` (``--format X``), a part
is an export when importer X recognises it (whatever another importer would say); the rest is
skipped, with the format another importer sees in it when there is one.

The display path of a part inside a zip is the zip's path followed by the member's path
(``/home/ada/Downloads.zip/WhatsApp/chat.txt``); :func:`reopen` opens such a path again (for
``closeknit sources refresh``).
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from closeknit.core.errors import InputError
from closeknit.core.scratch import ScratchDir
from closeknit.ingest.base import Importer, get_importer, importers
from closeknit.ingest.inputs import DirTree, FileTree, InputTree, ZipTree

__all__ = ["Found", "Skipped", "Discovery", "discover", "detect", "describe", "ZipView", "reopen"]

#: Formats that read parts of one export layout: a container whose parts are recognised by any
#: of them may be taken whole (a Meta export's lone ``message_1.json`` can look like either).
_SAME_LAYOUT = (frozenset({"messenger", "instagram"}),)
#: Zips nested deeper than this are skipped (a Takeout zip in a Downloads zip is depth 2).
MAX_NESTING = 4


@dataclass
class Found:
    """One export: ``label`` is its whole path as shown to the user."""

    label: str
    tree: InputTree
    importer: Importer


@dataclass
class Skipped:
    """A file or folder that is not read, and why."""

    label: str
    reason: str


@dataclass
class Discovery:
    """What :func:`discover` found; close it (or use ``with``) to release zips and scratch files."""

    found: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    _zips: list[ZipTree] = field(default_factory=list, repr=False)
    _scratch: list[ScratchDir] = field(default_factory=list, repr=False)

    def close(self) -> None:
        for z in self._zips:
            try:
                z.close()
            except Exception:  # noqa: BLE001 - closing must not hide the caller's error
                pass
        self._zips.clear()
        for s in self._scratch:
            s.cleanup()
        self._scratch.clear()

    def __enter__(self) -> "Discovery":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ZipView(InputTree):
    """The members of a zip under one folder (``prefix`` ending in ``/``), or one member.

    Names are relative to the folder (a single member keeps its base name); the path is the zip's
    path joined with the prefix, so ``tree.path.name`` is the folder's or the file's own name.
    """

    kind = "zip"

    def __init__(self, zt: ZipTree, prefix: str) -> None:
        super().__init__(Path(zt.path) / prefix.rstrip("/"))
        self.zip = zt
        self.prefix = prefix
        if prefix.endswith("/"):
            self._map = {n[len(prefix):]: n for n in zt.names() if n.startswith(prefix)}
        else:
            self._map = {PurePosixPath(prefix).name: prefix}

    def names(self) -> list[str]:
        return list(self._map)

    def size(self, name: str) -> int:
        return self.zip.size(self._map[name])

    def _open_raw(self, name: str) -> BinaryIO:
        return self.zip._open_raw(self._map[name])

    def fingerprint(self) -> str:
        """From the zip's directory (names, sizes and CRC-32s): no need to read the members."""
        h = hashlib.sha256()
        for rel, full in sorted(self._map.items()):
            info = self.zip._infos[full]
            h.update(f"{rel}\0{info.file_size}\0{info.CRC}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()[:32]


def _compatible(fmt: str) -> frozenset[str]:
    for group in _SAME_LAYOUT:
        if fmt in group:
            return group
    return frozenset({fmt})


def detect(tree: InputTree, only: str | None = None) -> Importer | None:
    """The importer most certain it reads ``tree`` (or importer ``only`` if it does), else None."""
    if only is not None:
        imp = get_importer(only)
        try:
            return imp if imp.detect(tree) > 0 else None
        except Exception:  # noqa: BLE001 - a detector failing is a "no"
            return None
    best: tuple[int, str] | None = None
    for name, cls in importers().items():
        try:
            score = cls().detect(tree)
        except Exception:  # noqa: BLE001 - a detector must never break detection of the others
            score = 0
        if score > 0 and (best is None or score > best[0]):
            best = (score, name)
    return get_importer(best[1]) if best else None


@dataclass
class _Part:
    items: list[Found | Skipped]
    formats: set[str]
    mergeable: bool  # a parent tree reading this part's files would read what we read here
    disk_zip: bool = False  # a zip file in a folder on disk (see Importer.reads_zips_in_folder)


class _Walker:
    def __init__(self, only: str | None, out: Discovery) -> None:
        self.only = only
        self.out = out

    def _skip(self, tree: InputTree, what: str) -> tuple[str, str | None]:
        """Why ``tree`` is not read, and the format another importer sees in it (``--format``)."""
        if self.only is not None:
            other = detect(tree)
            if other is not None:
                return f"a {other.name} export, not {self.only} (--format {self.only})", other.name
            return f"not a {self.only} export", None
        return f"{what} that no importer recognises (closeknit import --list-formats)", None

    def leaf(self, tree: InputTree, label: str) -> _Part:
        imp = detect(tree, self.only)
        if imp is not None:
            return _Part([Found(label, tree, imp)], {imp.name}, True)
        suffix = PurePosixPath(label).suffix.lower()
        reason, other = self._skip(tree, f"a {suffix} file" if suffix else "a file")
        # another format here keeps a folder around it from being read whole as --format's
        return _Part([Skipped(label, reason)], {other} if other else set(), True)

    def container(self, tree: InputTree, label: str, kids: list[_Part], is_zip: bool) -> _Part:
        items = [i for k in kids for i in k.items]
        formats = set().union(*(k.formats for k in kids)) if kids else set()
        zips = any(k.disk_zip for k in kids)
        if all(k.mergeable or k.disk_zip for k in kids):
            imp = detect(tree, self.only)
            if imp is not None and formats <= _compatible(imp.name) and (not zips or imp.reads_zips_in_folder):
                return _Part([Found(label, tree, imp)], {imp.name}, not is_zip and not zips)
        what = "a zip" if is_zip else "a folder"
        if not items:
            items = [Skipped(label, f"{what} with no files")]
        elif not any(isinstance(i, Found) for i in items):  # nothing to read in here: say so once
            n = sum(1 for i in items if isinstance(i, Skipped))
            items = [Skipped(label, self._skip(tree, f"{what} of {n} file{'s' if n > 1 else ''}")[0])]
        # a folder not recognised on its own (``messages/inbox/`` cut from its export) may still be
        # part of an export that its parent folder is recognised as
        return _Part(items, formats, not is_zip and all(k.mergeable for k in kids))

    # -- on disk
    def fs(self, path: Path, label: str, depth: int = 0) -> _Part:
        if path.is_symlink():
            return _Part([Skipped(label, "a symbolic link (not followed)")], set(), False)
        if path.is_dir():
            try:
                entries = sorted(path.iterdir(), key=lambda p: p.name)
            except OSError as e:
                return _Part([Skipped(label, f"a folder that cannot be listed ({e.strerror})")], set(), False)
            kids = [self.fs(p, f"{label}/{p.name}", depth) for p in entries]
            return self.container(DirTree(path), label, kids, is_zip=False)
        if not path.is_file():
            return _Part([Skipped(label, "not a regular file")], set(), False)
        try:
            is_zip = zipfile.is_zipfile(path)
        except OSError as e:
            return _Part([Skipped(label, f"cannot be read ({e.strerror})")], set(), False)
        if is_zip:
            part = self.zip(path, label, depth)
            part.disk_zip = True
            return part
        return self.leaf(FileTree(path), label)

    # -- in a zip
    def zip(self, path: Path, label: str, depth: int) -> _Part:
        try:
            zt = ZipTree(path)
        except InputError as e:
            return _Part([Skipped(label, f"a zip that cannot be read: {e}")], set(), False)
        self.out._zips.append(zt)
        return self._zip_dir(zt, "", label, depth)

    def _zip_dir(self, zt: ZipTree, prefix: str, label: str, depth: int) -> _Part:
        children: dict[str, bool] = {}  # immediate entry -> is a folder
        for n in zt.names():
            if not n.startswith(prefix):
                continue
            head, sep, _ = n[len(prefix):].partition("/")
            if head:
                children[head] = children.get(head, False) or bool(sep)
        kids: list[_Part] = []
        for name in sorted(children):
            sub = f"{label}/{name}"
            if children[name]:
                kids.append(self._zip_dir(zt, prefix + name + "/", sub, depth))
            elif name.lower().endswith(".zip"):
                kids.append(self._nested(zt, prefix + name, sub, depth + 1))
            else:
                kids.append(self.leaf(ZipView(zt, prefix + name), sub))
        tree = zt if not prefix else ZipView(zt, prefix)
        return self.container(tree, label, kids, is_zip=not prefix)

    def _nested(self, zt: ZipTree, member: str, label: str, depth: int) -> _Part:
        if depth > MAX_NESTING:
            return _Part([Skipped(label, f"a zip nested more than {MAX_NESTING} deep")], set(), False)
        scratch = ScratchDir()
        self.out._scratch.append(scratch)
        dest = scratch.path / PurePosixPath(member).name
        try:
            with zt.open(member) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, zipfile.BadZipFile, EOFError) as e:
            return _Part([Skipped(label, f"a zip member that cannot be read ({e})")], set(), False)
        if not zipfile.is_zipfile(dest):
            return self.leaf(ZipView(zt, member), label)
        part = self.zip(dest, label, depth)
        part.mergeable = False
        return part


def discover(paths: list[str | Path] | str | Path, *, only: str | None = None) -> Discovery:
    """Every export in ``paths`` (files, folders, zips), and what was skipped and why.

    Paths that do not exist raise :class:`InputError`. The result holds open zips and scratch
    copies of nested zips: close it when the imports are done.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = Discovery()
    walker = _Walker(only, out)
    try:
        for p in paths:
            path = Path(p).expanduser()
            if not path.exists():
                raise InputError(f"{path}: no such file or folder")
            label = str(path.resolve())
            part = walker.fs(path.resolve(), label)
            for item in part.items:
                if isinstance(item, Found):
                    out.found.append(item)
                else:
                    out.skipped.append(item)
    except BaseException:
        out.close()
        raise
    return out


def reopen(label: str, out: Discovery) -> InputTree:
    """The tree at display path ``label`` (a path on disk, or a zip's path followed by a member or
    folder inside it, zips within zips included). Zips and scratch files opened are kept in ``out``."""
    p = Path(label)
    if p.exists():
        if p.is_dir():
            return DirTree(p)
        if zipfile.is_zipfile(p):
            zt = ZipTree(p)
            out._zips.append(zt)
            return zt
        return FileTree(p)
    # find the zip on disk this path starts with
    parts = p.parts
    for i in range(len(parts) - 1, 0, -1):
        head = Path(*parts[:i])
        if head.is_file() and zipfile.is_zipfile(head):
            zt = ZipTree(head)
            out._zips.append(zt)
            return _reopen_in(zt, list(parts[i:]), out, label)
    raise InputError(f"{label}: no such file or folder any more")


def _reopen_in(zt: ZipTree, rest: list[str], out: Discovery, label: str) -> InputTree:
    names = set(zt.names())
    for i in range(1, len(rest) + 1):
        member = "/".join(rest[:i])
        if member in names:
            if i == len(rest) and not member.lower().endswith(".zip"):
                return ZipView(zt, member)
            if member.lower().endswith(".zip"):
                scratch = ScratchDir()
                out._scratch.append(scratch)
                dest = scratch.path / rest[i - 1]
                with zt.open(member) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                inner = ZipTree(dest)
                out._zips.append(inner)
                return _reopen_in(inner, rest[i:], out, label) if i < len(rest) else inner
    prefix = "/".join(rest) + "/"
    if any(n.startswith(prefix) for n in names):
        return ZipView(zt, prefix)
    raise InputError(f"{label}: no longer in its zip")


def describe(d: Discovery) -> Iterator[str]:
    """One line per export found and per part skipped (for logs and the CLI)."""
    for f in d.found:
        yield f"found {f.importer.name}: {f.label}"
    for s in d.skipped:
        yield f"skipped {s.label}: {s.reason}"

