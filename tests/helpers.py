"""Things tests name by import string."""

import atexit
import shutil
import tempfile
from datetime import datetime
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.files.storage import FileSystemStorage, InMemoryStorage

from ninja_simple_jwt.jwt.json_encode import TokenUserEncoder


class EpochEncoder(TokenUserEncoder):
    """Writes datetimes as epoch seconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return int(o.timestamp())
        return super().default(o)


def _directory(prefix: str) -> str:
    """A new temporary directory, removed with what it holds when the process exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


memory_storage = InMemoryStorage()
private_storage = FileSystemStorage(location=_directory("jwt-private-"))
public_storage = FileSystemStorage(location=_directory("jwt-public-"))


class UnreachableCache(LocMemCache):
    """A cache whose server is down: every read and write raises, as redis-py's do."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache server is down")

    add = get = set = incr = delete = get_many = set_many = delete_many = has_key = _fail
