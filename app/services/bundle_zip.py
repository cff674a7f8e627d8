"""Bundles as zip files, for the browser: the folder format of `bundles`, zipped.

Export writes the folder with `bundles.export_bundle` and zips its files, so a zip holds
exactly the bytes `formloom export` would write. Import treats the upload as hostile:
the archive is checked (size, member count, declared and real uncompressed sizes, names,
file types) before one byte is extracted, only the checked members are written into a
fresh temporary folder, and that folder goes through `bundles.import_bundle`, the same
checks and idempotence as `formloom import`. The caller commits or rolls back, so an
error leaves nothing imported.
"""

from __future__ import annotations

import io
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from app.models import User
from app.services import bundles
from app.services.bundles import MANIFEST, BundleInvalid, BundleProblem, BundleResult

MAX_ZIP_BYTES = 16 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = bundles.MAX_FILE_BYTES
UPLOAD = "(upload)"


def export_zip(keys: Iterable[str], name: str = "formloom-export") -> bytes:
    """Zip the newest published version of each key, in the folder export's layout."""
    with tempfile.TemporaryDirectory(prefix="formloom-export-") as tmp:
        folder = Path(tmp) / "bundle"
        bundles.export_bundle(keys, folder, name=name)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def import_zip(
    data: bytes, actor: User | None = None, replace_drafts: bool = False
) -> BundleResult:
    """Check the archive, extract it into a temporary folder and import that folder."""
    members = _checked_members(data)
    with tempfile.TemporaryDirectory(prefix="formloom-import-") as tmp:
        folder = Path(tmp)
        _extract(data, members, folder)
        return bundles.import_bundle(_root(members, folder), actor, replace_drafts)


def _root(members: list[zipfile.ZipInfo], folder: Path) -> Path:
    """A zip made by zipping the bundle folder itself holds `bundle/manifest.json`: accept it."""
    names = [PurePosixPath(i.filename) for i in members]
    if PurePosixPath(MANIFEST) in names or not names:
        return folder
    tops = {n.parts[0] for n in names}
    if len(tops) == 1 and all(len(n.parts) > 1 for n in names):
        return folder / tops.pop()
    return folder


def _refuse(reason: str, file: str = UPLOAD) -> BundleInvalid:
    return BundleInvalid([BundleProblem("", reason, file)])


def _checked_members(data: bytes) -> list[zipfile.ZipInfo]:
    """Every file member, once all of them passed; raises BundleInvalid listing each problem."""
    if len(data) > MAX_ZIP_BYTES:
        raise _refuse(f"is larger than {MAX_ZIP_BYTES:,} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise _refuse(f"is not a zip file: {err}") from err
    if len(infos) > MAX_MEMBERS:
        raise _refuse(f"holds {len(infos):,} members; at most {MAX_MEMBERS:,} are accepted")
    problems: list[BundleProblem] = []
    files: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        reason = _unsafe_member(info)
        if reason is None and name in seen:
            reason = "appears twice in the zip"
        if reason:
            problems.append(BundleProblem("", reason, name))
            continue
        seen.add(name)
        if not info.is_dir():
            files.append(info)
    declared = sum(i.file_size for i in files)
    if declared > MAX_TOTAL_BYTES:
        problems.append(
            BundleProblem("", f"unpacks to {declared:,} bytes; at most {MAX_TOTAL_BYTES:,}", UPLOAD)
        )
    if problems:
        raise BundleInvalid(problems)
    return files


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    path = PurePosixPath(name)
    if (
        not name
        or path.is_absolute()
        or ".." in path.parts
        or "\\" in name
        or ":" in name
        or "\x00" in name
    ):
        return "is not a relative path inside the bundle"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link; a bundle holds only JSON files"
    if info.is_dir():
        return None
    if info.flag_bits & 0x1:
        return "is encrypted"
    if path.suffix != ".json":
        return f"is not a .json file; a bundle holds only {MANIFEST} and JSON definitions"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"unpacks to {info.file_size:,} bytes; at most {MAX_MEMBER_BYTES:,} per file"
    return None


def _extract(data: bytes, members: list[zipfile.ZipInfo], folder: Path) -> None:
    """Write each member, never trusting its declared size: reading stops past the limits."""
    problems: list[BundleProblem] = []
    budget = MAX_TOTAL_BYTES
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in members:
            limit = min(MAX_MEMBER_BYTES, budget)
            try:
                with archive.open(info) as source:
                    content = source.read(limit + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as err:
                problems.append(BundleProblem("", f"cannot be unpacked: {err}", info.filename))
                continue
            if len(content) > limit:
                problems.append(
                    BundleProblem("", f"unpacks to more than {limit:,} bytes", info.filename)
                )
                break
            budget -= len(content)
            target = folder / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    if problems:
        raise BundleInvalid(problems)
