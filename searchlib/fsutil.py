"""File-system helpers: fsync, atomic replacement, sha256, sizes, removal of leftovers.

A leaf module (standard library only): the index writer, the shards, the engines and the loaders
use it, so none of them needs to import another for these.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import IO, Callable

from .settings import READ_CHUNK


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: str) -> None:
    """fsync every file directly in ``path``, then the folder itself."""
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isfile(full):
            with open(full, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(path)


def replace_atomically(path: str, write: Callable[[IO], None], binary: bool = False) -> None:
    """Write ``path`` through ``write(fh)`` into ``.NAME.PID`` beside it, fsync, then rename it
    over ``path``: readers see the old file or the new one, never a part (a run killed meanwhile
    leaves the temporary file, which the next run's reclaim removes)."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}")
    with open(tmp, "wb") if binary else open(tmp, "w", encoding="utf-8") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_json(folder: str, name: str, data) -> None:
    """``folder/name`` holds ``data`` as compact JSON, replaced atomically."""
    replace_atomically(os.path.join(folder, name),
                       lambda fh: json.dump(data, fh, ensure_ascii=False, separators=(",", ":")))


def file_sha256(path: str) -> str:
    """sha256 of a file, read in 1 MB steps (WARC files can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(READ_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def folder_size(path: str) -> int:
    """Bytes under ``path`` (a file or a folder)."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total


def remove(path: str) -> int:
    """Remove a leftover file or folder; the bytes freed (0 when it cannot be removed, e.g. on a
    read-only file system: a leftover is harmless, and the run itself then reports the I/O error)."""
    size = folder_size(path)
    try:
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
    except FileNotFoundError:
        return 0
    except OSError:
        return 0 if os.path.lexists(path) else size
    return size
