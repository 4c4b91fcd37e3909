"""The zip cache: a zip made from cached zips is the zip a cold build makes, only what changed is deflated,
and a damaged, truncated or foreign cache file is never trusted (pipeline/package/zipcache.py)."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from pipeline.package import archive, segments, zipcache, zipindex

DATE = "2026-11-24"
SALT = "test-zips"
BIG = "_static/search-index.js"  # large enough to be deflated by segments


def site(edit: int = 0) -> dict[str, bytes]:
    """A package's files: pages, a large many-line file, a stored image, a tiny file; ``edit`` changes a page
    and one line of the large file."""
    words = random.Random(7).choices(["read", "team", "level", "skill", "map", "note", "role", "plan"], k=4000)
    files = {
        f"page-{n:03d}.html": f"<html><body>{' '.join(words[n : n + 600])} {n}</body></html>".encode()
        for n in range(40)
    }
    lines = [f'["page-{n:03d}.html","{" ".join(words[n % 97 : n % 97 + 900])}"],' for n in range(400)]
    if edit:
        files["page-017.html"] = files["page-017.html"].replace(b"</body>", f"edited {edit}</body>".encode())
        lines[200] = lines[200].replace('",', f' edited {edit}",', 1)
    files[BIG] = ("window.INDEX = [\n" + "\n".join(lines) + "\n];\n").encode()
    files["img.png"] = random.Random(3).randbytes(5000)
    files["tiny.txt"] = b"tiny"
    assert len(files[BIG]) >= segments.SMALLEST
    return files


def members(files: dict[str, bytes]) -> zipcache.Members:
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    return zipcache.Members({name: len(data) for name, data in files.items()}, digests, files.__getitem__)


def package(files: dict[str, bytes], out: Path, cache: Path, name: str = "book-scorm12.zip") -> Path:
    return zipcache.cached_zip(members(files), DATE, out / name, cache, SALT)


@pytest.fixture
def deflated(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every piece deflated from now on, as it was given to deflate."""
    pieces: list[bytes] = []
    deflate = archive.deflate

    def counted(raw: archive.Data, window: archive.Data = b"", final: bool = True) -> bytes:
        pieces.append(bytes(raw))
        return deflate(raw, window, final)

    monkeypatch.setattr(archive, "deflate", counted)
    return pieces


def cold(files: dict[str, bytes], tmp_path: Path, name: str = "book-scorm12.zip") -> bytes:
    """The zip of ``files`` built with an empty cache."""
    folder = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    return package(files, folder / "out", folder / "cache", name).read_bytes()


def sound(path: Path, files: dict[str, bytes]) -> None:
    """The zip reads back as ``files`` with Python's reader, and with Info-ZIP's where it is installed."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert {info.filename: zf.read(info) for info in zf.infolist()} == files
    if shutil.which("unzip"):
        subprocess.run(["unzip", "-tq", str(path)], check=True, capture_output=True)


def cache_files(cache: Path) -> dict[str, int]:
    return {path.name: path.stat().st_ino for path in cache.iterdir()}


def test_an_edit_build_equals_a_cold_build_and_deflates_only_what_changed(
    tmp_path: Path, deflated: list[bytes]
) -> None:
    cache = tmp_path / "cache"
    first = package(site(), tmp_path / "out", cache)
    assert first.read_bytes() == cold(site(), tmp_path)
    before = cache_files(cache)
    deflated.clear()
    edited = site(edit=1)
    edited["added.css"] = b"body { color: black; }\n" * 20
    del edited["page-003.html"]
    second = package(edited, tmp_path / "out", cache)
    done = list(deflated)
    assert second.read_bytes() == cold(edited, tmp_path)
    sound(second, edited)
    whole = [piece for piece in done if piece in edited.values()]
    assert sorted(whole) == sorted([edited["page-017.html"], edited["added.css"]])
    parts = [piece for piece in done if piece not in edited.values()]  # the large file's new segments only
    assert 1 <= len(parts) <= 2 and all(piece in edited[BIG] for piece in parts)
    after = cache_files(cache)
    assert len(after) == 2 and not set(after) & set(before)  # one zip and its index: the older ones dropped


def test_the_cache_holds_one_zip_and_index_per_package_never_rewritten(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = package(site(), tmp_path / "out", cache)
    (zipped,) = cache.glob("*.zip")
    (index,) = cache.glob(f"*{zipindex.SUFFIX}")
    assert zipped.name.startswith("book-scorm12-") and index.stem == zipped.stem
    assert target.stat().st_ino == zipped.stat().st_ino  # the output is a link to the cache file
    again = package(site(edit=2), tmp_path / "out", cache)
    assert zipped.exists() is False and index.exists() is False
    assert [path.name for path in cache.iterdir() if path.name.endswith(".partial")] == []
    assert sorted(path.suffix for path in cache.iterdir()) == [zipindex.SUFFIX, ".zip"]
    assert again.read_bytes() == cold(site(edit=2), tmp_path)


def test_unchanged_members_link_the_cached_zip_without_zip_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = package(site(), tmp_path / "out", cache).read_bytes()
    before = cache_files(cache)

    def no_zip_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("zip work for unchanged members")

    monkeypatch.setattr(archive, "pack_all", no_zip_work)
    monkeypatch.setattr(archive, "write_zip", no_zip_work)
    again = package(site(), tmp_path / "again", cache)
    assert again.read_bytes() == first
    assert cache_files(cache) == before  # the same files, not written again


def test_a_second_package_takes_the_first_ones_members(tmp_path: Path, deflated: list[bytes]) -> None:
    """The 2004 package after the 1.2 one (same site, files of its own): only its own files are deflated."""
    cache = tmp_path / "cache"
    package(site(), tmp_path / "out", cache)
    own = {**site(), "imsmanifest.xml": b"<manifest>2004</manifest>" * 10}
    deflated.clear()
    second = package(own, tmp_path / "out", cache, "book-scorm2004.zip")
    assert deflated == [own["imsmanifest.xml"]]
    deflated.clear()
    assert second.read_bytes() == cold(own, tmp_path, "book-scorm2004.zip")
    assert len(list(cache.glob("*.zip"))) == 2  # one per package


def zip_of(cache: Path) -> Path:
    (found,) = cache.glob("*.zip")
    return found


def index_of(cache: Path) -> Path:
    (found,) = cache.glob(f"*{zipindex.SUFFIX}")
    return found


def member_at(path: Path, name: str) -> tuple[int, int]:
    """(offset of the member's stored bytes, their length) in the zip."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    return info.header_offset + archive.LOCAL + len(name.encode()), info.compress_size


def truncate(cache: Path) -> None:
    path = zip_of(cache)
    os.truncate(path, path.stat().st_size // 2)


def flip_data(cache: Path) -> None:
    path = zip_of(cache)
    offset, length = member_at(path, "page-020.html")
    with path.open("r+b") as handle:  # in place, as a disk error would: the published output shares the file
        handle.seek(offset + length // 2)
        byte = handle.read(1)
        handle.seek(offset + length // 2)
        handle.write(bytes([byte[0] ^ 0x10]))


def wrong_crc(cache: Path) -> None:
    """The CRC of a member wrong in its local header and in the central directory."""
    path = zip_of(cache)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("page-020.html")
    crc = struct.pack("<I", info.CRC ^ 0xFFFF)
    data[info.header_offset + 14 : info.header_offset + 18] = crc
    central = data.rfind(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 14])
    data[central + 16 : central + 20] = crc
    path.write_bytes(data)


def flip_index(cache: Path) -> None:
    path = index_of(cache)
    data = bytearray(path.read_bytes())
    at = data.index(b'"crcs":[') + 9
    data[at] = ord("7") if data[at] != ord("7") else ord("8")  # a CRC in the index changed
    path.write_bytes(data)


def truncate_index(cache: Path) -> None:
    path = index_of(cache)
    path.write_bytes(path.read_bytes()[:-100])


def foreign_index(cache: Path) -> None:
    """An index of another format whose own digest is right."""
    path = index_of(cache)
    body = path.read_bytes().partition(b"\n")[2].replace(zipindex.FORMAT.encode(), b"handbook-zip-index-0")
    path.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def missing_zip(cache: Path) -> None:
    zip_of(cache).unlink()


DAMAGE = {
    "zip truncated": (truncate, "some"),
    "member bit-flipped": (flip_data, ["page-020.html"]),
    "CRC wrong in the zip": (wrong_crc, []),
    "index bit-flipped": (flip_index, "all"),
    "index truncated": (truncate_index, "all"),
    "index of another format": (foreign_index, "all"),
    "zip missing": (missing_zip, "all"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("edit", [0, 3], ids=["same members", "after an edit"])
def test_a_damaged_cache_file_is_not_trusted_and_the_zip_is_still_right(
    tmp_path: Path, deflated: list[bytes], damage: str, edit: int
) -> None:
    cache = tmp_path / "cache"
    package(site(), tmp_path / "out", cache)
    harm, redone = DAMAGE[damage]
    harm(cache)
    deflated.clear()
    files = site(edit)
    rebuilt = package(files, tmp_path / "out", cache)
    done = list(deflated)
    assert rebuilt.read_bytes() == cold(files, tmp_path)
    sound(rebuilt, files)
    again = {name for name, data in files.items() if data in done}
    if any(piece not in files.values() for piece in done):  # segments of the large file
        again.add(BIG)
    changed = {"page-017.html", BIG} if edit else set()
    if redone == "all":  # nothing of that zip is taken: every deflatable member is deflated
        assert again == {name for name, data in files.items() if archive.deflatable(name, len(data))}
    elif redone == "some":
        assert changed < again
    else:
        assert again == changed | set(redone)
    assert rebuilt.read_bytes() == package(files, tmp_path / "out", cache).read_bytes()  # and the cache is sound


def test_index_round_trip_and_what_it_refuses() -> None:
    entries = archive.pack_all(site())
    names = sorted(entries)
    digests = [hashlib.sha256(site()[name]).hexdigest() for name in names]
    data = zipindex.dumps(DATE, names, digests, [entries[name] for name in names])
    index = zipindex.loads(data)
    assert index is not None and index.names == names and index.digests == digests and index.date == DATE
    assert index.deflate == archive.DEFLATE
    big = names.index(BIG)
    assert index.segments[big] == entries[BIG].segments and len(entries[BIG].segments) > 1
    assert index.lengths == [len(entries[name].data) for name in names]
    body = data.partition(b"\n")[2]

    def signed(text: bytes) -> bytes:
        return hashlib.sha256(text).hexdigest().encode() + b"\n" + text

    assert zipindex.loads(data[:-1]) is None
    assert zipindex.loads(data.replace(b'"methods":[', b'"methods":[9,', 1)) is None  # the digest no longer matches
    assert zipindex.loads(signed(body.replace(b'"methods":[', b'"methods":[9,', 1))) is None  # lists of other lengths
    assert zipindex.loads(signed(b"[]")) is None
    assert zipindex.loads(signed(b"not json")) is None
    assert zipindex.loads(b"") is None


def test_segments_are_cut_by_content_and_inflate_to_the_member() -> None:
    raw, edited = site()[BIG], site(edit=5)[BIG]
    ends = segments.cuts(raw)
    assert ends[-1] == len(raw) and all(b - a <= 1 << 20 for a, b in zip([0, *ends], ends, strict=False))
    entry = archive.pack_all({BIG: raw})[BIG]
    assert entry.method == archive.DEFLATED and len(entry.segments) == len(ends) > 3
    assert zlib.decompress(entry.data, -15) == raw
    # primed with the window before, little is lost against one zlib stream of the whole member
    assert len(entry.data) < len(archive.deflate(raw, final=False)) * 1.05
    old = {part.key for part in segments.parts(raw)}
    new = [part.key for part in segments.parts(edited)]
    assert 1 <= len(set(new) - old) <= 2  # the edit's segment, and the next when the edit is in its window
