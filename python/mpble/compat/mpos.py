"""The os module as a MicroPython program sees it (`import os` or `uos` in the
program's own code, mpble.compat.transform): CPython's os plus MicroPython's
ilistdir and dupterm. The real os module is not changed."""
import os as _os
import stat as _stat

__all__ = [*_os.__all__, "ilistdir", "dupterm"]

_terminals = [None, None]  # the streams dupterm attached, by index


def ilistdir(dir=""):  # noqa: A002 - MicroPython's parameter name
    """An iterator of (name, type, inode) for each entry of dir but . and .., as
    MicroPython's unix port gives them: type is 0x4000 for a directory, 0x8000 for
    a file (the S_IFMT bits of the entry); names are bytes if dir is."""
    return _entries(_os.scandir(dir or "."))


def _entries(scandir):
    with scandir:
        for entry in scandir:
            yield entry.name, _entry_type(entry), entry.inode()


def _entry_type(entry):
    """The S_IFMT bits of a directory entry, without a stat where the entry knows."""
    if entry.is_dir(follow_symlinks=False):
        return _stat.S_IFDIR
    if entry.is_file(follow_symlinks=False):
        return _stat.S_IFREG
    if entry.is_symlink():
        return _stat.S_IFLNK
    return _stat.S_IFMT(entry.stat(follow_symlinks=False).st_mode)


def dupterm(stream, index=0):
    """Attaches stream (None: detaches) as terminal number index and returns the
    one attached there before, as MicroPython's os.dupterm. The REPL is not
    duplicated onto it: mpble runs programs, not a REPL."""
    if not 0 <= index < len(_terminals):
        raise ValueError("invalid dupterm index")
    previous, _terminals[index] = _terminals[index], stream
    return previous


def __getattr__(name):
    return getattr(_os, name)


def __dir__():
    return sorted(set(globals()) | set(dir(_os)))
