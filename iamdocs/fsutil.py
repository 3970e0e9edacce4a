"""How iamdocs reads and writes files: only regular files are read; a write is checked first, written beside
the target and renamed into place.

Every command that writes (validate --fix, template -o, deploy --report, sync)
goes through here, so that none of them replaces a symlink, a FIFO or a device
with a regular file, leaves half a file behind, or writes with permissions that
ignore the user's umask.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from iamdocs.errors import UserError

# What every command that writes a file says in its --help: a hard link is refused, never written through
# (writing through would change the other names too; replacing breaks the link silently).
REFUSED_TARGETS = ("a file that is a symbolic link, has other hard links or is read-only (even for root) is refused, "
                   "not written")


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
    if not st.st_mode & 0o222:  # root may write anyway; a read-only file says the user does not want it changed
        raise UserError(f"{path}: is read-only (mode {st.st_mode & 0o777:04o}); iamdocs does not write over it, "
                        "even as root", hint="make it writable first if it should change")
    if st.st_nlink > 1:
        raise UserError(f"{path}: has {st.st_nlink} hard links; replacing it would leave the other names with the "
                        "old text, so iamdocs refuses", hint="write to a copy, or remove the other links first")


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None,
                 unchanged_since: bytes | None = None) -> None:
    """Replace `path` with `data`, all or nothing.

    An existing file keeps its permission bits; a new one gets 0o666 less the umask,
    as any editor's file would. Text is written as UTF-8 with its line endings kept.
    With `unchanged_since` (the bytes the new text was made from), a file that was saved
    by someone else meanwhile is refused rather than overwritten: their edit is not lost.
    Raises UserError (one line naming the path) for a target that must not be replaced.
    """
    check_target(path)
    if unchanged_since is not None:
        try:
            now = read_regular(path, limit=max(len(unchanged_since), 1) * 2 + 1024, what="the file")
        except Unreadable as exc:
            raise UserError(f"{path}: {exc}; nothing written") from None
        if now != unchanged_since:
            raise UserError(f"{path}: changed since iamdocs read it; nothing written",
                            hint="run the command again on the saved file")
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


class Unreadable(Exception):
    """A file that must not or cannot be read; the message says why, in a few words."""


def read_regular(path: Path, within: Path | None = None, limit: int = 1024 * 1024,
                 what: str = "a policy document") -> bytes:
    """The bytes of a regular file, or Unreadable: the one way iamdocs opens a file it is given.

    A FIFO would block the reader forever and a device would never end, so only regular
    files are opened, and without waiting (O_NONBLOCK) in case one is swapped in after the
    check. A symbolic link is followed only when it ends inside `within` (the project), so
    that policies/ cannot publish a file from elsewhere on the machine; a loop is refused.
    """
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            try:
                target = Path(os.path.realpath(path, strict=True))
            except RuntimeError:  # Python 3.11 reports a loop this way
                raise Unreadable("is a symbolic link that loops back on itself") from None
            except FileNotFoundError:
                raise Unreadable(f"is a symbolic link to {os.readlink(path)}, which does not exist") from None
            if within is not None and not target.is_relative_to(Path(os.path.realpath(within))):
                raise Unreadable(f"is a symbolic link to {target}, outside the project; iamdocs does not follow "
                                 "links out of the project")
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise Unreadable("is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("is not a regular file (a FIFO, device or socket); iamdocs reads only regular files")
        if st.st_size > limit:
            raise Unreadable(f"file is {st.st_size:,} bytes; {what} is at most {limit:,} bytes here")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced between the check and the open
                raise Unreadable("is not a regular file (a FIFO, device or socket); iamdocs reads only regular files")
            raw = fh.read(limit + 1)  # bounded: the size seen by stat() may be wrong (growing files)
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("is a symbolic link that loops back on itself") from None
        raise Unreadable(f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise Unreadable(f"file is over {limit:,} bytes; {what} is at most that here")
    return raw
