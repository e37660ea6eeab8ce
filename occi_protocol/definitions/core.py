"""OCCI 1.2 Core categories (C12 §5.4–5.5, tables of the Entity, Resource and Link types)."""

from __future__ import annotations

from occi_protocol.model import CORE, ENTITY, LINK, RESOURCE, Attribute, Kind, Model

ENTITY_KIND = Kind(
    scheme=CORE,
    term="entity",
    title="Entity",
    attributes=(
        # Assigned by the provider, so not required of clients (AMB-CORE-01).
        Attribute(name="occi.core.id", mutable=False, description="Unique id"),
        Attribute(name="occi.core.title", description="Display name of the entity"),
    ),
    # core#entity cannot be instantiated, so it has no location (H12 §3.1).
    location=None,
)

RESOURCE_KIND = Kind(
    scheme=CORE,
    term="resource",
    title="Resource",
    parent=ENTITY,
    attributes=(Attribute(name="occi.core.summary", description="Summary of the resource"),),
    location="/resource/",
)

LINK_KIND = Kind(
    scheme=CORE,
    term="link",
    title="Link",
    parent=ENTITY,
    attributes=(
        Attribute(name="occi.core.source", type="uri", required=True, description="Source"),
        Attribute(name="occi.core.target", type="uri", required=True, description="Target"),
        Attribute(
            name="occi.core.target.kind",
            type="uri",
            mutable=False,
            description="Kind of the target resource",
        ),
    ),
    location="/link/",
)

CORE_CATEGORIES = (ENTITY_KIND, RESOURCE_KIND, LINK_KIND)
CORE_MODEL = Model(CORE_CATEGORIES)

__all__ = [
    "CORE_CATEGORIES",
    "CORE_MODEL",
    "ENTITY",
    "ENTITY_KIND",
    "LINK",
    "LINK_KIND",
    "RESOURCE",
    "RESOURCE_KIND",
]
