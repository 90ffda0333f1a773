"""The default key storage: files relative to the working directory, as the original package."""

import contextlib
import os
import tempfile
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import Storage

__all__ = ["LocalDiskKeyStorage", "local_disk_key_storage"]


class LocalDiskKeyStorage(Storage):
    """Keeps key files on local disk, readable and writable by their owner only.

    Names are paths, relative to the working directory (where `manage.py` runs) unless absolute.
    A save replaces the file atomically: a reader sees the old key or the new one, never half of one.
    """

    # `save` replaces an existing file in one step (see `_save`): make_jwt_key need not delete it first.
    replaces_atomically = True

    def path(self, name: str) -> str:
        return os.path.abspath(name)

    def exists(self, name: str) -> bool:
        return os.path.exists(self.path(name))

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path(name))

    def _open(self, name: str, mode: str = "rb") -> "File[Any]":
        return File(open(self.path(name), mode))

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        # Storage.save refuses absolute paths (it guards media uploads) and renames on a clash; key paths
        # may well be absolute, and saving replaces: refusing to overwrite is make_and_save_key_pair's call.
        if name is None:
            raise ValueError("A key file needs a name.")
        if not hasattr(content, "chunks"):
            content = File(content, name)
        return self._save(name, content)

    def _save(self, name: str, content: IO[Any]) -> str:
        target = self.path(name)
        directory = os.path.dirname(target)
        os.makedirs(directory, exist_ok=True)
        # mkstemp creates the file with mode 0600 before anything is written to it.
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".key")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():  # type: ignore[attr-defined]
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        return name


local_disk_key_storage = LocalDiskKeyStorage()
