"""Files written safely when many processes share a folder.

Lambda Managed Instances run up to 16 worker processes per vCPU in one execution
environment, all sharing ``/tmp``; a CI machine builds in parallel. A file written in
place (``open(path, "w")``) is truncated first: a process reading it meanwhile sees it
empty or half written, two writers interleave, and a writer that fails halfway leaves a
broken file where a good one was. A fixed scratch name (``out.zip.partial``) is no better:
two writers share it, and one's clean-up deletes the other's work.

So every file the package writes goes through here: the data goes to a scratch file of
its own next to the target (a name unique to the process and the call, created with
``O_EXCL`` so no other writer can be using it), then ``os.replace`` puts it in place in
one step (atomic on POSIX within a file system). A reader sees the old file or the new
one, whole; of concurrent writers, one writer's file wins whole; a failed write leaves the
old file as it was and no scratch file behind.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["atomic_path", "write_atomic"]

_SCRATCH_SUFFIX = ".partial"


def _scratch_for(target: Path) -> Path:
    """A new, empty scratch file next to ``target``, created here (no other process has it)."""
    for _ in range(100):
        # The pid keeps processes apart; the random part keeps the calls (threads) of one apart.
        scratch = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_SCRATCH_SUFFIX}")
        try:
            # 0o666 as open() would: the process umask decides the final file's mode.
            descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return scratch
    raise FileExistsError(f"no free scratch name next to {str(target)!r}")


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A scratch path to write the new content of ``path`` to; when the block ends without
    an exception, the scratch file replaces ``path`` in one step. On an exception the
    scratch file is removed and ``path`` is left as it was.

    For writers that want a path of their own (``zipfile.ZipFile(scratch, "w")``)."""
    target = Path(path)
    scratch = _scratch_for(target)
    try:
        yield scratch
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write ``data`` (text in ``encoding``, or bytes) as the whole new content of ``path``,
    atomically: readers and concurrent writers never see a part of it (see the module)."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(path) as scratch, open(scratch, "wb") as file:
        file.write(raw)
