"""Compute Resource Templates Profile 1.1 (CRTP): the standard resource_tpl sizes.

The profile defines small, medium and large (1/2/4 cores, 1/2/4 GiB, 10/20/40 GiB of
ephemeral disk) and optionally mem_small, mem_medium and mem_large; the latter's figures are
not in our digest, so this project uses the memory-heavy variants of the same core counts.
"""

from __future__ import annotations

from occi_protocol.definitions.infrastructure import COMPUTE, RESOURCE_TPL
from occi_protocol.model import Attribute, Mixin

CRTP_SCHEME = "http://schemas.ogf.org/occi/infrastructure/compute/template/1.1#"
EPHEMERAL_SIZE = "occi.compute.ephemeral_storage.size"
EPHEMERAL_DEVICE = "occi.compute.ephemeral_storage.deviceid"

#: term: (title, cores, memory GiB, ephemeral GiB)
CRTP_SIZES: dict[str, tuple[str, int, float, float]] = {
    "small": ("Small instance", 1, 1.0, 10.0),
    "medium": ("Medium instance", 2, 2.0, 20.0),
    "large": ("Large instance", 4, 4.0, 40.0),
    "mem_small": ("Small memory-heavy instance", 1, 4.0, 10.0),
    "mem_medium": ("Medium memory-heavy instance", 2, 8.0, 20.0),
    "mem_large": ("Large memory-heavy instance", 4, 16.0, 40.0),
}


def resource_template(
    scheme: str, term: str, title: str, cores: int, memory: float, ephemeral: float | None
) -> Mixin:
    """A resource_tpl mixin whose attributes carry its sizes as defaults (I12 §3.5.2)."""
    attributes = [
        Attribute(name="occi.compute.cores", type="integer", default=cores),
        Attribute(name="occi.compute.memory", type="float", default=memory),
    ]
    if ephemeral is not None:
        # CRTP adds the ephemeral disk's size and, once attached, its device id.
        attributes.append(Attribute(name=EPHEMERAL_SIZE, type="float", default=ephemeral))
        attributes.append(
            Attribute(name=EPHEMERAL_DEVICE, description="Device id of the ephemeral disk")
        )
    return Mixin(
        scheme=scheme,
        term=term,
        title=title,
        depends=(RESOURCE_TPL,),
        applies=(COMPUTE,),
        attributes=tuple(attributes),
        location=f"/mixin/resource_tpl/{term}/",
    )


def crtp_templates() -> tuple[Mixin, ...]:
    """The six CRTP 1.1 resource templates."""
    return tuple(
        resource_template(CRTP_SCHEME, term, title, cores, memory, ephemeral)
        for term, (title, cores, memory, ephemeral) in CRTP_SIZES.items()
    )
