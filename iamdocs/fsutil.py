"""The one way iamdocs writes a file: checked first, written beside the target, renamed into place.

Every command that writes (validate --fix, template -o, deploy --report, sync)
goes through here, so that none of them replaces a symlink, a FIFO or a device
with a regular file, leaves half a file behind, or writes with permissions that
ignore the user's umask.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from iamdocs.errors import UserError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_target(path: Path) -> None:
    """Refuse, before any work is done, a target that is not a regular file or cannot be written.

    Commands call this as soon as they know the path, so that a bad --report or -o
    is reported before a deploy runs, not after.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            if parent.exists():
                raise UserError(f"{path}: {parent} is not a folder") from None
            return  # created on write
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UserError(f"{path}: cannot write in {parent}: permission denied") from None
        return
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise UserError(f"{path}: is a symbolic link; iamdocs writes only regular files",
                        hint="name the file the link points to, or another path")
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, pipe or socket)"
        raise UserError(f"{path}: is {kind}; iamdocs writes only regular files")
    if not os.access(path, os.W_OK):
        raise UserError(f"{path}: cannot write: permission denied")


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data`, all or nothing.

    An existing file keeps its permission bits; a new one gets 0o666 less the umask,
    as any editor's file would. Text is written as UTF-8 with its line endings kept.
    Raises UserError (one line naming the path) for a target that must not be replaced.
    """
    check_target(path)
    try:
        keep = os.lstat(path).st_mode & 0o7777
    except FileNotFoundError:
        keep = None
    final_mode = mode if mode is not None else keep if keep is not None else 0o666 & ~_umask()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, final_mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
