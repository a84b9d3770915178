"""The audit chain's hashes for a bulk import, made in a process of their own.

Every audit entry is sealed with the SHA-256 of the entry before it and of
its own content (``store/audit_chain.py``): a loop in Python, one entry
after the other, that no thread can share.  A bulk import of a million
findings writes a million entries; in the importing process that loop held
Python's lock for about a second, which the thread writing the chunks to
the store then waited for.  Here it runs in a second Python process, on
another core: the import sends each chunk's entries as bytes and goes on
with the next chunk; the thread that writes the chunk reads the hashes
back before it stores the entries.

The worker is this file run as a script (``python -I chain_worker.py``): it
imports only the standard library and knows nothing of the database.  It
answers the requests in the order they come, and keeps the last hash it
made, so a chain goes on across requests unless a request names the entry
to follow (after another writer, the per-row code, has extended it).

A request, integers in the machine's own order (both ends are this machine):
the header (``HEADER``: rows, bytes of the tail, of the template and of the
texts), the tail (the hash to follow, 64 hex digits, or nothing), the
template (one entry's content with ``%d`` for its id, ``%d`` for its
record's id and ``%s`` for its ``after`` text, ``%`` doubled elsewhere),
the entries' ids and their records' ids (8 bytes each), the offsets of the
``after`` texts (4 bytes each, one more than the rows) and the texts.  The
answer: the hash followed, then each entry's hash, 64 hex digits each.
When the import's process ends, killed or not, the worker's input ends
and so does the worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import struct
import subprocess
import sys
from array import array
from collections.abc import Sequence
from typing import BinaryIO

#: rows, tail bytes, template bytes, text bytes.
HEADER = struct.Struct("=qqqq")
#: Hex digits of a hash.
HASH_CHARS = 64
#: Seconds the worker has to end once told to (its input closed) before it is killed.
STOP_SECONDS = 5.0


def link(prev_hash: str, content: str) -> str:
    """Return the hash of an entry whose content is ``content``, following ``prev_hash``."""
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


class ChainWorker:
    """The importing side: a worker process, requests sent, answers read in the same order."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    @classmethod
    def start(cls) -> ChainWorker | None:
        """Start a worker; None where no second Python can be started (a frozen program).

        Also None when this file is not a file Python can run (a package imported
        from a zip archive).
        """
        if getattr(sys, "frozen", False) or not sys.executable or not os.path.isfile(__file__):
            return None
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", __file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError:
            return None
        return cls(process)

    def send(
        self,
        tail: str | None,
        template: str,
        ids: Sequence[int],
        record_ids: Sequence[int],
        offsets: memoryview,
        texts: memoryview,
    ) -> None:
        """Ask for the hashes of ``len(ids)`` entries (see the module's docstring)."""
        stdin = self.process.stdin
        assert stdin is not None
        head = tail.encode("ascii") if tail is not None else b""
        pattern = template.encode("ascii")
        try:
            stdin.write(HEADER.pack(len(ids), len(head), len(pattern), texts.nbytes))
            for part in (head, pattern, array("q", ids), array("q", record_ids), offsets, texts):
                stdin.write(part)
            stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self._stopped() from exc

    def receive(self, rows: int) -> list[str]:
        """Return the answer to the oldest request not read yet: rows + 1 hashes."""
        stdout = self.process.stdout
        assert stdout is not None
        size = HASH_CHARS * (rows + 1)
        answer = stdout.read(size)
        if len(answer) != size:
            raise self._stopped()
        text = answer.decode("ascii")
        return [text[i : i + HASH_CHARS] for i in range(0, size, HASH_CHARS)]

    def close(self) -> None:
        """End the worker: its input closed, then killed if it has not ended in time."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe: the worker is gone already
                    stream.close()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _stopped(self) -> Exception:
        # Imported here: the worker itself runs without the package, the standard library only.
        from mineaction.errors import WorkerStopped

        code = self.process.poll()
        return WorkerStopped(
            "The process that seals the import's audit entries stopped"
            + (f" (exit code {code})" if code is not None else "")
            + "; nothing was written.",
            hint="Run the import again.",
        )


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer requests until the input ends (the worker's loop)."""
    prev = b""
    while head := requests.read(HEADER.size):
        rows, tail_size, template_size, text_size = HEADER.unpack(_exactly(head, HEADER.size))
        if tail_size:
            prev = _read(requests, tail_size)
        template = _read(requests, template_size)
        ids = array("q", _read(requests, 8 * rows))
        record_ids = array("q", _read(requests, 8 * rows))
        offsets = array("i", _read(requests, 4 * (rows + 1)))
        texts = _read(requests, text_size)
        if not prev:
            raise SystemExit("chain_worker: the first request names no entry to follow")
        base = offsets[0]
        hashes = [prev]
        for k in range(rows):
            after = texts[offsets[k] - base : offsets[k + 1] - base]
            content = template % (ids[k], record_ids[k], after)
            prev = hashlib.sha256(prev + b"\n" + content).hexdigest().encode("ascii")
            hashes.append(prev)
        answers.write(b"".join(hashes))
        answers.flush()


def _read(stream: BinaryIO, size: int) -> bytes:
    return _exactly(stream.read(size), size)


def _exactly(data: bytes, size: int) -> bytes:
    if len(data) != size:
        raise SystemExit("chain_worker: the request ended early")
    return data


def main() -> None:
    """Run as the worker: answer until the import closes the input or its process ends.

    Ctrl-C reaches every process of the terminal's job; it is the import's to
    handle (it ends the worker), so the worker ignores it rather than print a
    traceback.  An import killed while an answer was on its way leaves a
    broken pipe: the worker then ends quietly.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:
        os._exit(0)  # nothing left to flush to: skip the exit's flush of stdout


if __name__ == "__main__":
    main()
