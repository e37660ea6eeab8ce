"""Provider templates from a seed file (``fixtures/seeds/*.yaml``): os_tpl and resource_tpl."""

from __future__ import annotations

from pathlib import Path

import yaml

from occi_protocol.definitions import crtp_templates
from occi_protocol.definitions.infrastructure import COMPUTE, OS_TPL
from occi_protocol.definitions.templates import resource_template
from occi_protocol.model import Mixin

#: The seed shipped with a source checkout.
DEFAULT_SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seeds" / "dummy.yaml"


class SeedError(ValueError):
    """The seed file is missing or malformed; the message names the file and the field."""


def os_template(scheme: str, term: str, title: str) -> Mixin:
    return Mixin(
        scheme=scheme,
        term=term,
        title=title,
        depends=(OS_TPL,),
        applies=(COMPUTE,),
        location=f"/mixin/os_tpl/{term}/",
    )


def load_templates(path: Path | None) -> list[Mixin]:
    """The templates a seed file declares (see fixtures/seeds/dummy.yaml for the format)."""
    path = path or DEFAULT_SEED
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"seed file {path} is not valid YAML: {exc}") from None
    try:
        templates: list[Mixin] = []
        os_tpl = data.get("os_tpl") or {}
        for item in os_tpl.get("templates", []):
            templates.append(os_template(os_tpl["scheme"], item["term"], item.get("title", "")))
        resource_tpl = data.get("resource_tpl") or {}
        if resource_tpl.get("crtp"):
            templates.extend(crtp_templates())
        for item in resource_tpl.get("templates", []):
            templates.append(
                resource_template(
                    resource_tpl["scheme"],
                    item["term"],
                    item.get("title", ""),
                    int(item["cores"]),
                    float(item["memory"]),
                    float(item["ephemeral"]) if "ephemeral" in item else None,
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SeedError(f"seed file {path}: missing or malformed field {exc}") from None
    return templates
