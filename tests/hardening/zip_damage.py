"""Damage to zip archives: members damaged, dropped, renamed, lying about their size."""

from __future__ import annotations

import io
import struct
import zipfile

from hypothesis import strategies as st

from tests.hardening.damage import Apply, Mutation, byte_damage

# --- zip archives ----------------------------------------------------------------------


@st.composite
def zip_damage(draw: st.DrawFn) -> Mutation:
    """Damage a member, rename or drop one, lie about sizes, or add hostile members."""
    how = draw(
        st.sampled_from(["member", "member", "rename", "drop", "lie", "add", "bytes", "stored"])
    )
    index = draw(st.integers(0, 20))
    if how == "member":
        damage = draw(byte_damage())
        return Mutation(
            "zip members",
            f"{damage.describe} in member {index}",
            lambda d: _zip_member(d, index, damage.apply),
        )
    if how == "rename":
        name = draw(
            st.sampled_from(
                [
                    "../../evil.shp",
                    "/etc/findings.shp",
                    "C:/x.shp",
                    "a/../../b.csv",
                    "__MACOSX/findings.shp",
                    ".hidden.csv",
                    "FINDINGS.SHP",
                    "findings.csv",
                    "dir/findings.shp",
                    "findings.shp\x00.txt",
                ]
            )
            | st.text(min_size=1, max_size=30)
        )
        return Mutation(
            "zip names", f"member {index} named {name!r}", lambda d: _zip_rename(d, index, name)
        )
    if how == "drop":
        return Mutation("zip members", f"drop member {index}", lambda d: _zip_drop(d, index))
    if how == "lie":
        size = draw(st.integers(0, 2**32 - 1))
        return Mutation(
            "zip sizes", f"member {index} claims {size} bytes", lambda d: _zip_lie(d, index, size)
        )
    if how == "add":
        name = draw(st.sampled_from(["extra.csv", "more.shp", "x.dbf", "findings_fields.csv"]))
        body = draw(
            st.binary(max_size=200)
            | st.sampled_from([b"a,b\n1,2\n", b"short,full\nqty,quantity\n"])
        )
        return Mutation("zip members", f"add {name}", lambda d: _zip_add(d, name, body))
    if how == "stored":
        return Mutation("zip members", "members stored, not deflated", _zip_stored)
    damage = draw(byte_damage())
    return Mutation("zip bytes", damage.describe, damage.apply)


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def _pack(
    members: list[tuple[zipfile.ZipInfo | str, bytes]], method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for info, body in members:
            zf.writestr(info, body, compress_type=method)
    return out.getvalue()


def _zip_member(data: bytes, index: int, apply: Apply) -> bytes:
    members = _members(data)
    i = index % len(members)
    members[i] = (members[i][0], apply(members[i][1]))
    return _pack(list(members))


def _zip_rename(data: bytes, index: int, name: str) -> bytes:
    members: list[tuple[zipfile.ZipInfo | str, bytes]] = [
        (i.filename, b) for i, b in _members(data)
    ]
    i = index % len(members)
    members[i] = (name, members[i][1])
    return _pack(members)


def _zip_drop(data: bytes, index: int) -> bytes:
    members = _members(data)
    del members[index % len(members)]
    return _pack(list(members)) if members else data[:22]


def _zip_add(data: bytes, name: str, body: bytes) -> bytes:
    return _pack([*_members(data), (name, body)])


def _zip_stored(data: bytes) -> bytes:
    return _pack([(i.filename, b) for i, b in _members(data)], zipfile.ZIP_STORED)


def _zip_lie(data: bytes, index: int, size: int) -> bytes:
    """Patch the uncompressed size a member declares, in its local and central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        info = infos[index % len(infos)]
        local = info.header_offset
    struct.pack_into("<I", out, local + 22, size)
    position = -4
    for _ in range(index % len(infos) + 1):
        position = out.find(b"PK\x01\x02", position + 4)
    if position >= 0:
        struct.pack_into("<I", out, position + 24, size)
    return bytes(out)
