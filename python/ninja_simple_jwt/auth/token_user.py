"""Who a verified token is: a stateless `TokenUser`, or the user loaded from the database (`load_user`,
kept here under the original's module path)."""

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.options import Options
from django.utils.module_loading import import_string

from ninja_simple_jwt.settings import ninja_simple_jwt_settings, on_reload
from ninja_simple_jwt.users import claim_attributes, id_claim, load_user

__all__ = ["TokenUser", "id_claim", "load_user", "token_user_class"]

# Attributes of TokenUser that claims never overwrite.
_RESERVED = frozenset({"pk", "claims", "is_authenticated", "is_anonymous", "is_active"})


class TokenUser:
    """An authenticated user built from a verified access token's claims, without a database query.

    Each claim of TOKEN_CLAIM_USER_ATTRIBUTE_MAP becomes the attribute it was read from (so `user_id`
    becomes `.id`; a callable's claim keeps the claim's name). `.claims` holds all verified claims.
    """

    is_active = True
    is_staff = False
    is_superuser = False
    # Like AnonymousUser's: `request.user.username` never raises, whatever the claim map holds.
    username = ""
    email: str | None = None

    def __init__(self, claims: Mapping[str, Any]) -> None:
        self.claims = dict(claims)
        self.id: Any = None
        self.roles = self.claims.get("roles", [])
        for attribute, claim in _attribute_plan(type(self)):
            setattr(self, attribute, self.claims.get(claim))

    @property
    def _meta(self) -> "Options[Any]":
        # The user model's: Django then accepts this user in a query in place of a user
        # (`LogEntry.objects.filter(user=request.user)`), reading its key through `int()`.
        return get_user_model()._meta

    @property
    def pk(self) -> Any:
        """The user's primary key, from the id claim."""
        return self.id

    @property
    def is_authenticated(self) -> bool:
        """Always True: the token was verified."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Always False."""
        return False

    def get_username(self) -> str:
        """The username claim, or the id."""
        return str(getattr(self, get_user_model().USERNAME_FIELD, None) or self.id)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Permissions live in the database; load the user (AUTH_LOAD_USER) to check them."""
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        """See `has_perm`."""
        return False

    def has_module_perms(self, app_label: str) -> bool:
        """See `has_perm`."""
        return False

    def __int__(self) -> int:
        """The user id as an integer, for a query on an integer key; `TypeError` if it is none or not one."""
        if isinstance(self.id, bool) or not isinstance(self.id, int | str):
            raise TypeError(f"This TokenUser's id is {type(self.id).__name__}, not an integer.")
        try:
            return int(self.id)
        except ValueError:
            raise TypeError("This TokenUser's id is not an integer.") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __str__(self) -> str:
        return self.get_username()

    def __repr__(self) -> str:
        return f"<TokenUser id={self.id!r}>"


def _attribute_plan(cls: type[TokenUser]) -> tuple[tuple[str, str], ...]:
    """(attribute, claim) in the order a `cls` sets them, worked out once per class and settings load.

    Each claim of the map under its own name too (`user_id` beside `id`), as the original's TokenUser
    has; then each claim under the attribute it was read from, which wins over another claim's name.
    Reserved attributes and methods are never shadowed.
    """
    plan = _attribute_plans.get(cls)
    if plan is not None:
        return plan
    mapped = [(claim, "id" if attribute == "pk" else attribute) for claim, attribute in claim_attributes()]
    steps = [
        (claim, claim)
        for claim, _ in mapped
        if claim not in _RESERVED and not claim.startswith("_") and not callable(getattr(cls, claim, None))
    ]
    steps += [(attribute, claim) for claim, attribute in mapped if attribute not in _RESERVED]
    plan = _attribute_plans[cls] = tuple(steps)
    return plan


_attribute_plans: dict[type[TokenUser], tuple[tuple[str, str], ...]] = {}
on_reload(_attribute_plans.clear)


def token_user_class() -> Callable[[Mapping[str, Any]], Any]:
    """TOKEN_USER_CLS: the class of stateless users, called with the verified claims."""
    path = ninja_simple_jwt_settings.TOKEN_USER_CLS
    cls = _token_user_classes.get(path)
    if cls is None:
        cls = _token_user_classes[path] = import_string(path)
    return cls


_token_user_classes: dict[str, Callable[[Mapping[str, Any]], Any]] = {}
on_reload(_token_user_classes.clear)
