"""The backend interface: what the HTTP layer needs from a cloud stack.

The HTTP layer (``reference_server.occi_http``) parses, validates and renders; a backend only
stores and acts. Everything it receives is already valid against its own model, and every
entity it returns carries its location. A new cloud stack is one module implementing
:class:`Backend`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from occi_protocol.model import Entity, Mixin, Model


@dataclass(frozen=True, slots=True)
class User:
    """An authenticated caller. ``secret`` travels only to backends that act as the user."""

    name: str
    secret: str | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"User({self.name!r})"


class BackendError(Exception):
    """A failure a client should see, with the HTTP status that says what kind it is."""

    status = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class Invalid(BackendError):
    status = 400


class Unauthorized(BackendError):
    status = 401


class Forbidden(BackendError):
    status = 403


class NotFound(BackendError):
    status = 404


class Conflict(BackendError):
    """The request is valid but not now: an action the current state does not allow."""

    status = 409


class Unavailable(BackendError):
    """The cloud stack behind the backend cannot be reached."""

    status = 503


class Timeout(BackendError):
    """The cloud stack did not answer in time."""

    status = 504


class Backend(Protocol):
    """A cloud stack behind the OCCI server. All methods act as ``user`` and see only
    what that user owns; another user's location raises :class:`NotFound`."""

    name: str

    async def model(self, user: User) -> Model:
        """Core, infrastructure, the provider's templates and the user's own mixins."""

    async def list_entities(
        self, user: User, kinds: Collection[str] | None = None, mixin: str | None = None
    ) -> list[Entity]:
        """The user's entities of these kinds (None: all), optionally carrying ``mixin``,
        in a stable order (creation order)."""

    async def get_entity(self, user: User, location: str) -> Entity:
        """One entity; a resource comes with its outgoing links."""

    async def create_entity(self, user: User, entity: Entity) -> Entity:
        """Create a validated entity; its location is chosen by the backend unless set
        (PUT-create), in which case a taken location raises :class:`Conflict`."""

    async def update_entity(
        self,
        user: User,
        location: str,
        attributes: Mapping[str, object],
        add_mixins: Sequence[str] = (),
        remove_mixins: Sequence[str] = (),
    ) -> Entity:
        """Change some attributes and mixins; what is not named stays."""

    async def replace_entity(self, user: User, location: str, entity: Entity) -> Entity:
        """Replace the attributes and mixins; the links stay (H12 §3.4.3)."""

    async def delete_entity(self, user: User, location: str) -> None:
        """Delete an entity; deleting a resource deletes its links."""

    async def trigger_action(
        self, user: User, location: str, action: str, parameters: Mapping[str, object]
    ) -> Entity | Mixin:
        """Run an action; returns the entity after it, or a new category (compute save)."""

    async def create_user_mixin(self, user: User, mixin: Mixin) -> None:
        """Define a user mixin (a tag); a taken id or location raises :class:`Conflict`."""

    async def delete_user_mixin(self, user: User, mixin_id: str) -> None:
        """Remove a user mixin and untag every entity that carried it."""

    async def close(self) -> None:
        """Release connections."""
