"""Builder list: duplicate a definition, export ticked definitions as a zip, import a zip.

Only the round trip runs on both databases (it commits a whole import in one
transaction); the rest checks pages, archive parsing and permissions, not SQL.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from app.extensions import db
from app.models import AuditEntry, Definition
from app.services import bundle_zip, bundles, definitions
from builder.definitions import starter_body
from tests.factories import csrf_token, login, make_user

SAMPLE = Path(__file__).parents[1] / "data" / "bundles" / "sample"
KEYS = ["erp.orders", "returns.overview", "returns.policy", "returns.process", "returns.request"]
XSS = "<script>alert(1)</script>"
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def builder(client):
    user = make_user("builder")
    login(client, user)
    return user


def sample_files() -> dict[str, bytes]:
    return {
        p.relative_to(SAMPLE).as_posix(): p.read_bytes() for p in SAMPLE.rglob("*") if p.is_file()
    }


def zipped(files: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def upload(client, data: bytes, token: str | None = None):
    token = token or csrf_token(client, "/builder/import")
    form = {"csrf_token": token, "bundle": (io.BytesIO(data), "bundle.zip")}
    return client.post("/builder/import", data=form, content_type="multipart/form-data")


def stored() -> dict[tuple[str, str], str]:
    db.session.expire_all()
    return {(r.kind, r.key): r.checksum for r in db.session.scalars(db.select(Definition))}


def duplicate(client, new_key: str, title: str = "Copy"):
    token = csrf_token(client, "/builder/flow/returns.process")
    form = {"csrf_token": token, "new_key": new_key, "title": title}
    return client.post("/builder/flow/returns.process/duplicate", data=form, follow_redirects=True)


def published_with_draft(actor) -> dict:
    definitions.save_draft("flow", "returns.process", "Process", starter_body("flow"), actor)
    definitions.publish("flow", "returns.process", actor)
    body = starter_body("flow")
    body["nodes"][0]["name"] = "changed in the draft"
    definitions.save_draft("flow", "returns.process", "Process", body, actor)
    db.session.commit()
    return body


@sqlite_only
def test_duplicate_copies_the_newest_body_into_a_new_draft(client, builder):
    body = published_with_draft(builder)
    html = duplicate(client, "returns.process_copy", XSS).get_data(as_text=True)
    assert "copied from returns.process v2" in html
    assert XSS not in html and "&lt;script&gt;" in html
    row = definitions.get("flow", "returns.process_copy")
    assert (row.status, row.version, row.title, row.body) == ("draft", 1, XSS, body)
    entry = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.action == "definition.duplicated")
    )
    assert entry.target_id == "flow:returns.process_copy" and entry.actor_id == builder.id
    assert "returns.process:v2" in json.dumps(entry.details)


@sqlite_only
def test_duplicate_refuses_an_existing_or_invalid_key(client, builder):
    published_with_draft(builder)
    response = duplicate(client, "returns.process")
    assert response.status_code == 200 and "already exists" in response.get_data(as_text=True)
    response = duplicate(client, "../Bad Key")
    assert response.status_code == 200 and "is not a key" in response.get_data(as_text=True)
    assert "../Bad Key" not in stored() and len(definitions.list_definitions()) == 1


@sqlite_only
def test_staff_and_missing_csrf_are_refused(client):
    builder = make_user("builder")
    published_with_draft(builder)
    login(client, make_user("staff"))
    staff_token = csrf_token(client, "/login")
    for path in ("/builder/flow/returns.process/duplicate", "/builder/export", "/builder/import"):
        assert client.post(path, data={"csrf_token": staff_token}).status_code == 403
    assert client.get("/builder/import").status_code == 403
    client.get("/logout")
    login(client, builder)
    form = {"new_key": "returns.other", "key": "returns.process"}
    for path in ("/builder/flow/returns.process/duplicate", "/builder/export", "/builder/import"):
        assert client.post(path, data=form).status_code == 400
    assert len(definitions.list_definitions()) == 1


def test_export_zip_round_trips_into_an_empty_app(client, builder, tmp_path):
    bundles.import_bundle(SAMPLE, builder)
    db.session.commit()
    before = stored()
    html = client.get("/builder/").get_data(as_text=True)
    assert html.count('form="export-form"') == 5
    form = {"csrf_token": csrf_token(client, "/builder/"), "key": KEYS}
    response = client.post("/builder/export", data=form)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    bundles.export_bundle(KEYS, tmp_path / "folder", name="formloom-export")
    folder = {
        p.relative_to(tmp_path / "folder").as_posix(): p.read_bytes()
        for p in (tmp_path / "folder").rglob("*")
        if p.is_file()
    }
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == folder

    db.session.execute(db.delete(Definition))
    db.session.commit()
    page = upload(client, response.data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:1000]
    assert "5 new version(s), 0 unchanged" in html
    assert stored() == before
    again = upload(client, response.data).get_data(as_text=True)
    assert "0 new version(s), 5 unchanged" in again
    nested = zipped({f"my-bundle/{name}": data for name, data in folder.items()})
    assert "0 new version(s), 5 unchanged" in upload(client, nested).get_data(as_text=True)


@sqlite_only
def test_export_without_a_published_selection_says_why(client, builder):
    token = csrf_token(client, "/builder/")
    response = client.post("/builder/export", data={"csrf_token": token}, follow_redirects=True)
    assert "Tick at least one definition" in response.get_data(as_text=True)
    form = {"csrf_token": token, "key": "no.such"}
    response = client.post("/builder/export", data=form, follow_redirects=True)
    assert "no published definition has the key no.such" in response.get_data(as_text=True)


def claim(data: bytes, name: str, size: int = 0xFFFFFFF0) -> bytes:
    """Rewrite the central directory so `name` claims `size` bytes uncompressed."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    return data[: at + 24] + size.to_bytes(4, "little") + data[at + 28 :]


@sqlite_only
def test_hostile_zips_are_refused_and_nothing_is_imported(client, builder):
    good = sample_files()
    token = csrf_token(client, "/builder/import")
    cases = {
        "../evil.json": zipped({**good, "../evil.json": b"{}"}),
        "/etc/evil.json": zipped({**good, "/etc/evil.json": b"{}"}),
        "forms/link.json": zipped(
            {**good, "forms/link.json": b"/etc/passwd"}, ("forms/link.json",)
        ),
        "notes.txt": zipped({**good, "notes.txt": b"hello"}),
        "bomb.json": zipped({**good, "bomb.json": b" " * (bundle_zip.MAX_MEMBER_BYTES + 1)}),
        "claims.json": claim(zipped({**good, "claims.json": b"{}"}), "claims.json"),
        "small.json": claim(zipped({**good, "small.json": b" " * 5000}), "small.json", 10),
        "(upload)": b"PK\x03\x04 this is not a zip",
    }
    for name, data in cases.items():
        response = upload(client, data, token)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (name, html[:500])
        assert "Nothing was imported" in html and f"<code>{name}</code>" in html, name
    assert len(cases["bomb.json"]) < 100_000
    assert stored() == {}


@sqlite_only
def test_total_unpacked_size_is_limited(app, monkeypatch):
    monkeypatch.setattr(bundle_zip, "MAX_TOTAL_BYTES", 1000)
    files = {**sample_files(), "pad.json": b" " * 600}
    with pytest.raises(bundles.BundleInvalid) as err:
        bundle_zip.import_zip(zipped(files))
    assert "at most 1,000" in err.value.errors[0].reason
    assert stored() == {}


@sqlite_only
def test_invalid_json_and_schema_errors_name_file_and_pointer(client, builder):
    files = sample_files()
    files["forms/returns.request.json"] = b'{"kind": "form",'
    flow = json.loads(files["flows/returns.process.json"])
    flow["title"] = 42
    files["flows/returns.process.json"] = json.dumps(flow).encode()
    response = upload(client, zipped(files))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>forms/returns.request.json</code> <code>/</code> is not JSON" in html
    assert "<code>flows/returns.process.json</code> <code>/title</code>" in html
    assert stored() == {}


@sqlite_only
def test_import_page_escapes_names_from_the_bundle(client, builder):
    files = sample_files()
    manifest = json.loads(files["manifest.json"])
    manifest["name"] = XSS
    files["manifest.json"] = json.dumps(manifest).encode()
    files[f"{XSS}.txt"] = b"{}"
    html = upload(client, zipped(files)).get_data(as_text=True)
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in html
    del files[f"{XSS}.txt"]
    html = upload(client, zipped(files)).get_data(as_text=True)
    assert XSS not in html and "Imported bundle &lt;script&gt;" in html
