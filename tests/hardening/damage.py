"""What a mutation is, and the damage that fits any file: bytes flipped, cut, added."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

Apply = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Mutation:
    """One way of damaging a file: a family name (for the tally) and what it does."""

    family: str
    describe: str
    apply: Apply = field(repr=False)


# --- bytes: any format -------------------------------------------------------------------


@st.composite
def byte_damage(draw: st.DrawFn) -> Mutation:
    """Flip, cut, insert, delete or repeat bytes somewhere in the file."""
    how = draw(st.sampled_from(["flip", "truncate", "insert", "nul", "delete", "repeat"]))
    where = draw(st.floats(0, 1, allow_nan=False))
    if how == "flip":
        count = draw(st.integers(1, 16))
        masks = draw(st.lists(st.integers(1, 255), min_size=count, max_size=count))
        spread = draw(st.integers(1, 4096))

        def flip(data: bytes) -> bytes:
            out = bytearray(data)
            start = int(where * (len(out) - 1))
            for i, mask in enumerate(masks):
                out[(start + i * spread) % len(out)] ^= mask
            return bytes(out)

        return Mutation("bytes", f"flip {count} bytes from {where:.2%}", flip)
    if how == "truncate":
        return Mutation("bytes", f"cut at {where:.2%}", lambda d: d[: int(where * len(d))])
    if how in ("insert", "nul"):
        extra = (
            draw(st.binary(min_size=1, max_size=64))
            if how == "insert"
            else b"\x00" * draw(st.integers(1, 32))
        )
        return Mutation(
            "bytes",
            f"insert {extra[:16]!r} at {where:.2%}",
            lambda d: d[: int(where * len(d))] + extra + d[int(where * len(d)) :],
        )
    length = draw(st.integers(1, 512))
    if how == "delete":
        return Mutation(
            "bytes",
            f"delete {length} bytes at {where:.2%}",
            lambda d: d[: int(where * len(d))] + d[int(where * len(d)) + length :],
        )
    return Mutation(
        "bytes",
        f"repeat {length} bytes at {where:.2%}",
        lambda d: d[: int(where * len(d)) + length] + d[int(where * len(d)) :],
    )
