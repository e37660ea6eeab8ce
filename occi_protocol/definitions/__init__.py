"""The categories the OCCI specifications define, as :mod:`occi_protocol.model` values."""

from occi_protocol.definitions.core import CORE_CATEGORIES, CORE_MODEL
from occi_protocol.definitions.infrastructure import INFRASTRUCTURE_CATEGORIES, INFRASTRUCTURE_MODEL
from occi_protocol.definitions.templates import CRTP_SCHEME, crtp_templates

__all__ = [
    "CORE_CATEGORIES",
    "CORE_MODEL",
    "CRTP_SCHEME",
    "INFRASTRUCTURE_CATEGORIES",
    "INFRASTRUCTURE_MODEL",
    "crtp_templates",
]
