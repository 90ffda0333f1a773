from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder

__all__ = ["TokenUserEncoder"]


class TokenUserEncoder(DjangoJSONEncoder):
    """Writes user attributes that JSON cannot hold: datetimes as ISO 8601, UUIDs as strings, and so on.

    Subclass it and name the subclass in `TOKEN_USER_ENCODER_CLS` to serialize other types; the core
    calls `default()` for each value JSON cannot hold.
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, UUID):
            return str(o)
        return super().default(o)
