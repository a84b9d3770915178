"""Bounded uploads and archives: too large, zip bombs, climbing paths, XML entities.

Elvin, the IM officer, uploads through the API of a server whose limit is
lowered to 64 KB; the archive limits are lowered the same way through
``ZipLimits`` so that a bomb can be small.  Every refusal is a sentence in the
one error shape, and nothing is written.
"""

from __future__ import annotations

import io
import json
import select as sockets
import socket
import struct
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mineaction.config import Settings
from mineaction.errors import ValidationError
from mineaction.intake.pipeline import import_file
from mineaction.intake.readers import ZipLimits, open_table
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Finding
from tests.api.conftest import served
from tests.factories import operator
from tests.hardening.mutations import ENTITY_BOMB, EXTERNAL_ENTITY
from tests.hardening.officers import elvin_client
from tests.hardening.seeds import FINDINGS, csv_bytes, header, table, xlsx_bytes

LIMIT_MB = 1 / 16  # 64 KB
SMALL = ZipLimits(max_total_bytes=1024**3, max_ratio=50, ratio_floor_bytes=1024**2)


@pytest.fixture
def elvin(db: Database) -> Iterator[TestClient]:
    """A client signed in with Elvin's (IM officer) API token, on a server taking 64 KB."""
    with db.session(actor="test-setup") as session:
        operator(session, "ANAMA")
    with elvin_client(db, Settings(max_upload_mb=LIMIT_MB)) as client:
        yield client


def counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        findings = s.scalar(select(func.count()).select_from(Finding))
        audit = s.scalar(select(func.count()).select_from(AuditEntry))
    return int(findings or 0), int(audit or 0)


def big_findings_csv(rows: int) -> bytes:
    names, seed_rows = table("findings")
    many = [[f"F-{n}", *seed_rows[n % len(seed_rows)][1:]] for n in range(rows)]
    return csv_bytes(names, many)


def assert_too_large(answer) -> None:
    assert answer.status_code == 413, answer.text
    error = answer.json()["error"]
    assert error["code"] == "upload_too_large"
    assert "0.1 MB" in error["message"] and "nothing was written" in error["message"]
    assert "MINEACTION_MAX_UPLOAD_MB" in error["hint"]
    assert error["problems"] == []


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    elvin: TestClient, db: Database
) -> None:
    before = counts(db)
    data = big_findings_csv(2000)
    assert len(data) > LIMIT_MB * 1024**2
    answer = elvin.post("/api/import/findings", files={"file": ("findings.csv", data)})
    assert_too_large(answer)
    assert answer.headers["X-Frame-Options"] == "DENY"  # still the app's own response
    assert counts(db) == before


def test_a_streamed_upload_is_cut_off_when_it_passes_the_limit(
    elvin: TestClient, db: Database
) -> None:
    """Sent chunked to a live server (no Content-Length), the body is refused as it comes."""
    before = counts(db)
    token = elvin.headers["Authorization"]
    boundary = "fuzzboundary"
    head = (
        f"POST /api/import/findings HTTP/1.1\r\nHost: localhost\r\nAuthorization: {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + big_findings_csv(20)
    sent, answer = 0, b""
    with served(elvin.app) as url:  # type: ignore[arg-type]
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(head)
            try:
                while sent < 64 * 1024**2:
                    chunk = part if not sent else big_findings_csv(20)
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                    # Wait a moment for an answer, so that it is read before the server,
                    # closing on the bytes it did not read, resets the connection.
                    if sockets.select([conn], [], [], 0.05)[0]:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server hung up once it had answered
            while sockets.select([conn], [], [], 5)[0]:
                try:
                    data = conn.recv(65536)
                except ConnectionResetError:
                    break  # closed by the server after its answer
                if not data:
                    break
                answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 413 " in status_line, answer[:300]
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "upload_too_large"
    assert sent < 4 * 1024**2, f"{sent} bytes were read before the upload was refused"
    assert counts(db) == before


def test_an_upload_under_the_limit_is_imported(elvin: TestClient, db: Database) -> None:
    findings, _audit = counts(db)
    data = csv_bytes(*table("findings"))
    answer = elvin.post("/api/import/findings", files={"file": ("findings.csv", data)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == len(FINDINGS)
    assert counts(db)[0] == findings + len(FINDINGS)


def test_the_limit_is_a_setting_refused_when_not_positive() -> None:
    with pytest.raises(ValueError, match="max_upload_mb"):
        Settings(max_upload_mb=0)
    assert Settings().max_upload_bytes == 256 * 1024**2


# --- archives -----------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return path


def _xlsx_with(path: Path, extra: dict[str, bytes], change: dict[str, bytes] | None = None) -> Path:
    seed = xlsx_bytes(*table("findings"))
    with zipfile.ZipFile(io.BytesIO(seed)) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            body = (change or {}).get(info.filename, src.read(info))
            out.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        for name, body in extra.items():
            out.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_a_zip_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    members = {f"part{n}.txt": b"x" for n in range(12)}
    members["findings.csv"] = csv_bytes(*table("findings"))
    path = _zip(tmp_path / "many.zip", members)
    with pytest.raises(ValidationError) as refused:
        open_table(path, zip_limits=ZipLimits(max_entries=10))
    assert "many.zip holds 13 entries, more than the 10 accepted" in refused.value.message


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    bomb = _xlsx_with(tmp_path / "bomb.xlsx", {"xl/media/padding.bin": b"\x00" * 8 * 1024**2})
    with pytest.raises(ValidationError) as refused:
        open_table(bomb, zip_limits=SMALL)
    assert "bomb.xlsx" in refused.value.message and "zip bomb" in refused.value.message


def test_an_xlsx_larger_than_the_total_is_refused(tmp_path: Path) -> None:
    bomb = _xlsx_with(tmp_path / "big.xlsx", {"xl/media/padding.bin": b"\x00" * 3 * 1024**2})
    with pytest.raises(ValidationError) as refused:
        open_table(bomb, zip_limits=ZipLimits(max_total_bytes=2 * 1024**2))
    assert "big.xlsx unpacks to 3 MB, more than the 2 MB accepted" in refused.value.message


@pytest.mark.parametrize("name", ["../../evil.xml", "/etc/evil.xml", "C:/evil.xml"])
def test_an_xlsx_with_a_member_climbing_out_is_refused(tmp_path: Path, name: str) -> None:
    path = _xlsx_with(tmp_path / "climb.xlsx", {name: b"<x/>"})
    with pytest.raises(ValidationError) as refused:
        open_table(path)
    assert "climb.xlsx" in refused.value.message
    assert "outside the archive" in refused.value.message


def _sheet_with(prolog: bytes, entity: bytes) -> bytes:
    seed = xlsx_bytes(*table("findings"))
    with zipfile.ZipFile(io.BytesIO(seed)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    body = sheet.split(b"?>", 1)[-1]
    return prolog + body.replace(b"<v>2</v>", b"<v>" + entity + b"</v>", 1)


def test_entity_expansion_in_an_xlsx_is_refused_at_once(
    sqlite_db: Database, tmp_path: Path
) -> None:
    bomb = _sheet_with(ENTITY_BOMB, b"&lol9;")  # a billion "lol"s if expanded
    path = _xlsx_with(tmp_path / "laughs.xlsx", {}, {"xl/worksheets/sheet1.xml": bomb})
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        import_file(sqlite_db, "findings", path)
    assert time.perf_counter() - started < 5
    assert "laughs.xlsx" in refused.value.message and "damaged" in refused.value.message


def test_an_external_entity_in_an_xlsx_is_never_read(sqlite_db: Database, tmp_path: Path) -> None:
    xxe = _sheet_with(EXTERNAL_ENTITY, b"&xxe;")
    path = _xlsx_with(tmp_path / "xxe.xlsx", {}, {"xl/worksheets/sheet1.xml": xxe})
    with pytest.raises(ValidationError) as refused:
        import_file(sqlite_db, "findings", path)
    assert "root:" not in str(refused.value.as_dict())
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Finding)) == 0


def test_a_member_that_unpacks_to_more_than_it_declares_is_refused(tmp_path: Path) -> None:
    data = big_findings_csv(400)
    path = _zip(tmp_path / "liar.zip", {"findings.csv": data})
    raw = bytearray(path.read_bytes())
    declared = 100  # the member says 100 bytes; it holds ~20 KB
    struct.pack_into("<I", raw, 22, declared)  # local header
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, declared)  # central directory
    path.write_bytes(bytes(raw))
    with pytest.raises(ValidationError) as refused:
        table_ = open_table(path)
        for _row in table_.rows():
            pass
    assert "liar.zip (findings.csv)" in refused.value.message
    assert "damaged" in refused.value.message


def test_the_header_of_a_template_is_what_the_fuzzers_start_from() -> None:
    assert header("findings")[:3] == ["id", "date", "date_precision"]


def test_a_hot_read_declaring_a_body_over_the_limit_is_refused_as_any_request(
    elvin: TestClient,
) -> None:
    # The list, record and map reads are answered ahead of the framework, but not ahead
    # of the upload limit.
    for path in ("/api/records/findings?limit=2", "/api/map/findings?bbox=46,39,47,40"):
        assert elvin.get(path).status_code == 200
        assert_too_large(elvin.request("GET", path, content=b"x" * 70_000))
