# Power-safe replacement of a small file (state, configuration): the new contents are
# written and synced under a temporary name, then renamed over the old file, so a power
# cut at any point leaves the old contents or the new. FAT cannot rename over an
# existing file: there the old one is removed first, and a reader that finds no valid
# file must take the complete, synced `path`.tmp instead (nts.state.Store.load,
# nts.ocpp.station.load). Kept apart from nts.state so that writing a configuration
# does not load the state codec. Files are owner-only (0600) where the port has
# os.chmod (CPython, the unix port): the state file holds session keys and cookies.
import os

PRIVATE = 0o600


def sync_file(f):
    """Flush `f` to the medium (as far as the port allows)."""
    f.flush()
    try:
        os.fsync(f.fileno())
    except (AttributeError, OSError):
        pass    # MicroPython: no fsync; sync_dir (os.sync) covers boards


def sync_dir(path):
    """Make a rename of `path` durable (os.sync on boards, the folder on CPython)."""
    sync = getattr(os, "sync", None)
    if sync:
        sync()
        return
    # CPython: make the rename itself durable by syncing the directory.
    try:
        fd = os.open(path.rpartition("/")[0] or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except (AttributeError, OSError):
        pass


def write_atomic(path, data):
    """Replace file `path` by `data` (bytes, or a list of chunks: no one large block
    needed) so that a power cut leaves the old contents or the new: written and synced
    under `path`.tmp, then renamed. A reader that finds no valid `path` must try
    `path`.tmp (FAT cannot rename over a file: removed first)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        private(tmp)    # before any byte: the rename keeps the mode
        for chunk in data if isinstance(data, list) else (data,):
            f.write(chunk)
        sync_file(f)
    try:
        os.rename(tmp, path)
    except OSError:
        os.remove(path)
        os.rename(tmp, path)
    sync_dir(path)


def private(path):
    """Make `path` readable and writable by its owner only, where the port can."""
    chmod = getattr(os, "chmod", None)
    if chmod is not None:
        chmod(path, PRIVATE)


def exists(path):
    """Whether a file (or folder) is at path; MicroPython's os has no path.exists."""
    try:
        os.stat(path)
        return True
    except OSError:
        return False

