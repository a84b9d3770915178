"""Uploads waiting for their confirmation: random ids, the uploader's only, gone after an hour."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from mineaction.errors import NotFoundError, ValidationError
from mineaction.services import staged_uploads
from mineaction.services.policy import Principal

LEYLA = Principal("leyla", "operator_officer", 2)
KAMRAN = Principal("kamran", "operator_officer", 3)


def _stage(
    root: Path, name: str = "week 18.csv", data: bytes = b"id\n1\n"
) -> staged_uploads.StagedUpload:
    return staged_uploads.stage(
        root=root, kind="findings", who=LEYLA, filename=name, data=io.BytesIO(data)
    )


def test_an_upload_is_kept_under_a_random_id_with_a_safe_name(tmp_path: Path) -> None:
    upload = _stage(tmp_path, name="../../etc/cron.d/evil.csv")
    assert upload.path == tmp_path / upload.id / "evil.csv"
    assert upload.path.read_bytes() == b"id\n1\n"
    again = staged_uploads.load(root=tmp_path, staged_id=upload.id, who=LEYLA)
    assert again == upload
    assert _stage(tmp_path).id != upload.id


def test_only_the_uploader_may_load_it_and_ids_are_never_paths(tmp_path: Path) -> None:
    upload = _stage(tmp_path)
    for who, staged_id in ((KAMRAN, upload.id), (LEYLA, ".."), (LEYLA, "../" + upload.id)):
        with pytest.raises(NotFoundError):
            staged_uploads.load(root=tmp_path, staged_id=staged_id, who=who)


def test_an_upload_older_than_an_hour_is_deleted(tmp_path: Path) -> None:
    old, fresh = _stage(tmp_path), _stage(tmp_path)
    hours_ago = time.time() - 2 * 3600
    os.utime(old.directory, (hours_ago, hours_ago))
    with pytest.raises(NotFoundError):
        staged_uploads.load(root=tmp_path, staged_id=old.id, who=LEYLA)
    assert not old.directory.exists()
    os.utime(fresh.directory, (hours_ago, hours_ago))
    _stage(tmp_path)  # the next upload sweeps the old ones
    assert not fresh.directory.exists()


def test_an_empty_file_is_refused_and_not_kept(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is empty"):
        _stage(tmp_path, data=b"")
    assert list(tmp_path.iterdir()) == []


def test_discard_deletes_the_file_and_its_mapping(tmp_path: Path) -> None:
    upload = staged_uploads.stage(
        root=tmp_path,
        kind="findings",
        who=LEYLA,
        filename="register.csv",
        data=io.BytesIO(b"a\n1\n"),
        mapping_name="map.yaml",
        mapping_data=io.BytesIO(b"kind: findings\n"),
    )
    assert upload.mapping_path is not None and upload.mapping_path.read_bytes()
    staged_uploads.discard(upload)
    assert not upload.directory.exists()
