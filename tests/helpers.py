"""Things tests name by import string."""

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


memory_storage = InMemoryStorage()
private_storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="jwt-private-"))
public_storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="jwt-public-"))


class UnreachableCache(LocMemCache):
    """A cache whose server is down: every read and write raises, as redis-py's do."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache server is down")

    add = get = set = incr = delete = get_many = set_many = delete_many = has_key = _fail
