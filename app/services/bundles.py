"""Bundles: folders of definitions that live in git and move between installations.

A bundle is `manifest.json` plus one JSON file per definition, written pretty-printed
with sorted keys and a trailing newline so a change reads as a small diff in review.

Import checks every file before it writes anything, and reports every problem with its
file and JSON pointer; then, per definition, it publishes a new version unless the
newest version already has the same checksum. Importing the same bundle twice therefore
creates nothing the second time. Export writes the newest published version of each key;
export -> import into an empty database -> export gives byte-identical files.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from app.extensions import db
from app.models import Definition, DefinitionStatus, User
from app.services import audit, definitions
from builder.definitions import KEY_PATTERN, KINDS, DefinitionDocument, check_envelope
from runtime.exceptions import Conflict, DefinitionInvalid, ErrorDetail, NotFound

MANIFEST = "manifest.json"
BUNDLE_SCHEMA_VERSION = 1
KIND_FOLDERS = {
    "form": "forms",
    "flow": "flows",
    "decision_table": "decision_tables",
    "dashboard": "dashboards",
    "connector": "connectors",
}
MAX_FILE_BYTES = 8 * 1024 * 1024
_MANIFEST_FIELDS = ("name", "description", "schema_version", "definitions")
_ENTRY_FIELDS = ("kind", "key", "file")


@dataclass(frozen=True)
class BundleProblem(ErrorDetail):
    """An error in one file of a bundle: the file, then the pointer inside it."""

    file: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "pointer": self.pointer, "reason": self.reason}


class BundleInvalid(DefinitionInvalid):
    code = "bundle_invalid"


@dataclass(frozen=True)
class Bundle:
    name: str
    description: str
    documents: tuple[tuple[str, DefinitionDocument], ...]  # (file, document)


@dataclass(frozen=True)
class BundleItem:
    kind: str
    key: str
    version: int
    file: str
    created: bool = False


@dataclass(frozen=True)
class BundleResult:
    name: str
    items: tuple[BundleItem, ...]

    @property
    def created(self) -> list[BundleItem]:
        return [i for i in self.items if i.created]

    @property
    def unchanged(self) -> list[BundleItem]:
        return [i for i in self.items if not i.created]


# --- reading --------------------------------------------------------------------------


def read_bundle(directory: Path) -> Bundle:
    """Parse and check a whole bundle; raises BundleInvalid with every problem found."""
    problems: list[BundleProblem] = []
    manifest = _load_json(directory, MANIFEST, problems)
    if manifest is None:
        raise BundleInvalid(problems)
    entries = _check_manifest(manifest, problems)
    documents = []
    for kind, key, file in entries:
        data = _load_json(directory, file, problems)
        if data is None:
            continue
        found = [BundleProblem(e.pointer, e.reason, file) for e in check_envelope(data)]
        for field, expected in (("kind", kind), ("key", key)):
            if isinstance(data, dict) and data.get(field) != expected:
                found.append(
                    BundleProblem(f"/{field}", f"must be {expected!r} as in {MANIFEST}", file)
                )
        if found:
            problems += found
            continue
        documents.append(
            (
                file,
                DefinitionDocument(
                    data["kind"], data["key"], data["title"], data["body"], data["schema_version"]
                ),
            )
        )
    if problems:
        raise BundleInvalid(problems)
    return Bundle(manifest["name"], manifest.get("description", ""), tuple(documents))


def _check_manifest(manifest: Any, problems: list[BundleProblem]) -> list[tuple[str, str, str]]:
    def problem(pointer: str, reason: str) -> None:
        problems.append(BundleProblem(pointer, reason, MANIFEST))

    if not isinstance(manifest, dict):
        problem("", "must be an object with name, description, schema_version and definitions")
        return []
    for name in manifest:
        if name not in _MANIFEST_FIELDS:
            problem(f"/{name}", "unknown field")
    if not isinstance(manifest.get("name"), str) or not manifest["name"].strip():
        problem("/name", "must be a non-empty string")
    if not isinstance(manifest.get("description", ""), str):
        problem("/description", "must be a string")
    if manifest.get("schema_version") != BUNDLE_SCHEMA_VERSION:
        problem("/schema_version", f"must be {BUNDLE_SCHEMA_VERSION}")
    listed = manifest.get("definitions")
    if not isinstance(listed, list):
        problem("/definitions", "must be a list of {kind, key, file}")
        return []
    entries: list[tuple[str, str, str]] = []
    seen: dict[Any, int] = {}
    for i, entry in enumerate(listed):
        at = f"/definitions/{i}"
        if not isinstance(entry, dict):
            problem(at, "must be an object with kind, key and file")
            continue
        before = len(problems)
        for name in entry:
            if name not in _ENTRY_FIELDS:
                problem(f"{at}/{name}", "unknown field")
        kind, key, file = entry.get("kind"), entry.get("key"), entry.get("file")
        if kind not in KINDS:
            problem(f"{at}/kind", "must be one of: " + ", ".join(KINDS))
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problem(f"{at}/key", "must be a definition key such as returns.request")
        reason = _unsafe_path(file)
        if reason:
            problem(f"{at}/file", reason)
        for ident in ((kind, key), ("file", file)):
            if isinstance(ident[1], str) and ident in seen:
                problem(at, f"repeats definitions/{seen[ident]}")
            seen.setdefault(ident, i)
        if len(problems) == before:
            entries.append((kind, key, file))
    return entries


def _unsafe_path(file: Any) -> str | None:
    """Bundle files stay inside the bundle: no absolute paths, no `..`, no backslashes."""
    if not isinstance(file, str) or not file:
        return "must be a relative path such as forms/returns.request.json"
    path = PurePosixPath(file)
    if path.is_absolute() or ".." in path.parts or "\\" in file or ":" in file:
        return "must be a relative path inside the bundle"
    if path.suffix != ".json":
        return "must name a .json file"
    return None


def _load_json(directory: Path, file: str, problems: list[BundleProblem]) -> Any | None:
    path = directory / file
    try:
        if not path.resolve().is_relative_to(directory.resolve()):
            problems.append(BundleProblem("", "points outside the bundle", file))
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(BundleProblem("", f"is larger than {MAX_FILE_BYTES:,} bytes", file))
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(BundleProblem("", "is missing", file))
        return None
    except (OSError, UnicodeDecodeError) as err:
        problems.append(BundleProblem("", f"cannot be read: {err}", file))
        return None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        problems.append(
            BundleProblem(
                "", f"is not JSON: {err.msg} at line {err.lineno} column {err.colno}", file
            )
        )
    except ValueError as err:
        problems.append(BundleProblem("", f"is not JSON: {err}", file))
    except RecursionError:
        problems.append(BundleProblem("", "nests too deeply", file))
    return None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A repeated key would silently lose one value: refuse it instead."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"the key {name!r} appears twice in one object")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# --- import ---------------------------------------------------------------------------


def import_bundle(
    directory: Path, actor: User | None = None, replace_drafts: bool = False
) -> BundleResult:
    """Publish whatever in the bundle differs from the newest stored version.

    A pending draft that differs from the bundle is someone's unfinished work: it is
    refused (before anything is written) unless `replace_drafts` is given.
    """
    bundle = read_bundle(directory)
    plan: list[tuple[str, DefinitionDocument, Definition | None]] = []
    problems: list[BundleProblem] = []
    for file, doc in bundle.documents:
        newest = definitions.get_newest_version(doc.kind, doc.key)
        if newest is not None and newest.checksum == doc.checksum:
            plan.append((file, doc, newest))
            continue
        draft = _draft_or_none(doc.kind, doc.key)
        differs = draft is not None and definitions.document_of(draft).checksum != doc.checksum
        if differs and not replace_drafts:
            reason = (
                f"{doc.kind} {doc.key} has an unpublished draft (v{draft.version}) that differs "
                "from this file; publish or discard it, or replace drafts"
            )
            problems.append(BundleProblem("", reason, file))
        plan.append((file, doc, None))
    if problems:
        raise BundleInvalid(problems)
    items = []
    for file, doc, unchanged in plan:
        if unchanged is not None:
            items.append(BundleItem(doc.kind, doc.key, unchanged.version, file))
            continue
        definitions.save_draft(doc.kind, doc.key, doc.title, doc.body, actor, doc.schema_version)
        row = definitions.publish(doc.kind, doc.key, actor)
        items.append(BundleItem(doc.kind, doc.key, row.version, file, created=True))
    result = BundleResult(bundle.name, tuple(items))
    audit.record(
        "bundle.imported",
        "bundle",
        bundle.name,
        actor=actor,
        created=[f"{i.kind}:{i.key}:v{i.version}" for i in result.created],
        unchanged=len(result.unchanged),
    )
    return result


def _draft_or_none(kind: str, key: str) -> Definition | None:
    try:
        return definitions.get(kind, key, "draft")
    except NotFound:
        return None


# --- export ---------------------------------------------------------------------------


def document_text(doc: DefinitionDocument) -> str:
    return json.dumps(doc.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def file_for(kind: str, key: str) -> str:
    return f"{KIND_FOLDERS[kind]}/{key}.json"


def export_bundle(
    keys: Iterable[str],
    directory: Path,
    everything: bool = False,
    name: str | None = None,
    description: str | None = None,
) -> BundleResult:
    """Write the newest published version of each key (under every kind that has it).

    The folder must be empty, new, or an earlier bundle; files an earlier manifest
    listed that this export no longer holds are removed, so the folder stays the bundle.
    """
    rows = _published(None if everything else sorted(set(keys)))
    old_manifest = _existing_manifest(directory)
    directory.mkdir(parents=True, exist_ok=True)
    items = []
    for row in rows:
        file = file_for(row.kind, row.key)
        _write(directory / file, document_text(definitions.document_of(row)))
        items.append(BundleItem(row.kind, row.key, row.version, file))
    manifest = {
        "name": name or old_manifest.get("name") or directory.resolve().name,
        "description": description
        if description is not None
        else old_manifest.get("description", ""),
        "schema_version": BUNDLE_SCHEMA_VERSION,
        "definitions": [{"kind": i.kind, "key": i.key, "file": i.file} for i in items],
    }
    _write(
        directory / MANIFEST,
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
    )
    written = {i.file for i in items}
    for entry in old_manifest.get("definitions", []):
        stale = entry.get("file") if isinstance(entry, dict) else None
        if isinstance(stale, str) and stale not in written and not _unsafe_path(stale):
            (directory / stale).unlink(missing_ok=True)
    return BundleResult(manifest["name"], tuple(items))


def _published(keys: list[str] | None) -> list[Definition]:
    query = db.select(Definition).where(Definition.status == DefinitionStatus.PUBLISHED)
    if keys is not None:
        if not keys:
            raise NotFound("name at least one definition key to export")
        query = query.where(Definition.key.in_(keys))
    newest: dict[tuple[str, str], Definition] = {}
    for row in db.session.scalars(query.order_by(Definition.version)):
        newest[(row.kind, row.key)] = row
    missing = sorted(set(keys or ()) - {key for _, key in newest})
    if missing:
        raise NotFound("no published definition has the key " + ", ".join(missing))
    return sorted(newest.values(), key=lambda r: (KINDS.index(r.kind), r.key))


def _existing_manifest(directory: Path) -> dict[str, Any]:
    if not directory.exists():
        return {}
    if not directory.is_dir():
        raise Conflict(f"{directory} is not a folder")
    manifest = directory / MANIFEST
    if not manifest.exists():
        if any(directory.iterdir()):
            raise Conflict(f"{directory} is neither empty nor a bundle (it has no {MANIFEST})")
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise Conflict(f"{manifest} cannot be read: {err}") from err
    return data if isinstance(data, dict) else {}


def _write(path: Path, text: str) -> None:
    """Write through a temporary file, so an interrupted export never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a bundle is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
