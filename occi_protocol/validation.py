"""Checking entities and action invocations against the model (C12 §5.2–5.5, J12 §3.5.1).

Status codes follow the H11 table that H12 kept in spirit: 403 for an immutable attribute
or a mixin that does not apply to the kind, 400 for everything else a client got wrong
(unknown categories and attributes included, as HTTP-ENT-16 asks for actions).

Each function returns a new, normalised value (types coerced, defaults applied) or raises
:class:`~occi_protocol.errors.ValidationError` naming the attribute or category at fault.
What the server itself manages (ids, states, derived values) is passed in as
``server_managed`` so that a client may leave it out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from occi_protocol.errors import ValidationError
from occi_protocol.model import ENTITY, ActionInvocation, Attribute, Entity, Kind, Model

#: Attributes a client gives once, at creation, and never changes (I12 §3.5.2.2: the
#: contextualisation data is handed to the compute when it boots).
WRITE_ONCE = frozenset({"occi.compute.userdata"})

#: Link attributes the text and JSON renderings derive from the wire (a Link's rel, J12's
#: source.kind): a model without them (OCCI 1.1, D12) leaves them out instead of refusing.
RENDERING_DERIVED = frozenset({"occi.core.target.kind", "occi.core.source.kind"})

#: Immutable attributes a client may still propose on create: the id (pOCCI and OCCIware
#: clients send one; the server may honour or replace it) and a link's source/target kind.
CLIENT_PROPOSABLE = frozenset({"occi.core.id"}) | RENDERING_DERIVED


def _kind(model: Model, kind_id: str) -> Kind:
    kind = model.kind(kind_id)
    if kind is None:
        raise ValidationError(f"unknown kind {kind_id}", rule="C12 §5.4.2 Kind")
    if kind_id == ENTITY or kind.location is None:
        raise ValidationError(f"kind {kind_id} cannot be instantiated", rule="C12 §5.4.2 Kind")
    return kind


def check_mixins(model: Model, kind_id: str, mixin_ids: Collection[str]) -> None:
    """Every mixin exists and applies to the kind or one of its ancestors (C12 §5.4.3)."""
    lineage = {k.id for k in model.lineage(kind_id)}
    for mixin_id in mixin_ids:
        mixin = model.mixin(mixin_id)
        if mixin is None:
            raise ValidationError(f"unknown mixin {mixin_id}", rule="C12 §5.4.3 Mixin")
        applies = set(mixin.applies)
        for dependency in model.mixin_closure([mixin_id]):
            applies.update(dependency.applies)
        if applies and not applies & lineage:
            raise ValidationError(
                f"mixin {mixin_id} does not apply to kind {kind_id}",
                status=403,
                rule="C12 §5.4.3 Mixin; H12 status codes (403)",
            )


def _coerce(definition: Attribute, value: object) -> object:
    try:
        return definition.coerce(value)
    except ValueError as exc:
        raise ValidationError(
            f"attribute {definition.name}: {exc}",
            attribute=definition.name,
            rule="C12 §5.3.2 Attribute",
        ) from None


def _definition(definitions: Mapping[str, Attribute], name: str, where: str) -> Attribute:
    definition = definitions.get(name)
    if definition is None:
        raise ValidationError(
            f"attribute {name} is not defined for {where}",
            attribute=name,
            rule="C12 §5.3.2 Attribute",
        )
    return definition


def _complete(
    attributes: dict[str, object],
    definitions: Mapping[str, Attribute],
    server_managed: Collection[str],
) -> dict[str, object]:
    for name, definition in definitions.items():
        if name in attributes:
            continue
        if definition.default is not None:
            attributes[name] = definition.default
        elif definition.required and definition.mutable and name not in server_managed:
            raise ValidationError(
                f"attribute {name} is required", attribute=name, rule="C12 §5.3.2 Attribute"
            )
    return attributes


def validate_new(entity: Entity, model: Model, *, server_managed: Collection[str] = ()) -> Entity:
    """A client's new entity, checked, with defaults applied (J12 §3.5.1: defaults on create)."""
    _kind(model, entity.kind)
    check_mixins(model, entity.kind, entity.mixins)
    definitions = model.attribute_definitions(entity.kind, entity.mixins)
    attributes: dict[str, object] = {}
    for name, value in entity.attributes.items():
        if name in RENDERING_DERIVED and name not in definitions:
            continue
        definition = _definition(definitions, name, entity.kind)
        if not definition.mutable and name not in CLIENT_PROPOSABLE:
            raise ValidationError(
                f"attribute {name} is immutable and set by the server",
                attribute=name,
                status=403,
                rule="C12 §5.2 immutable attributes",
            )
        attributes[name] = _coerce(definition, value)
    _complete(attributes, definitions, server_managed)
    return replace(entity, attributes=attributes)


def validate_update(
    existing: Entity, changes: Mapping[str, object], model: Model
) -> dict[str, object]:
    """The coerced changes of a partial update (H12 §3.4.2): defined and mutable only.

    An immutable attribute is accepted only where its value does not change, since clients
    commonly echo back what they read (occi.core.id among them).
    """
    definitions = model.attribute_definitions(existing.kind, existing.mixins)
    coerced: dict[str, object] = {}
    for name, value in changes.items():
        definition = _definition(definitions, name, existing.kind)
        value = _coerce(definition, value)
        if name in WRITE_ONCE and name in existing.attributes:
            if existing.attributes[name] == value:
                continue
            raise ValidationError(
                f"attribute {name} is given once, when the entity is created",
                attribute=name,
                status=403,
                rule="I12 §3.5.2.2 user_data",
            )
        if not definition.mutable:
            if existing.attributes.get(name) == value:
                continue
            raise ValidationError(
                f"attribute {name} is immutable",
                attribute=name,
                status=403,
                rule="C12 §5.2 immutable attributes",
            )
        coerced[name] = value
    return coerced


def validate_replace(
    existing: Entity, new: Entity, model: Model, *, server_managed: Collection[str] = ()
) -> Entity:
    """A full replacement (H12 §3.4.3): same kind; immutable values unchanged; mutable
    attributes not given are dropped (or reset to their default)."""
    if new.kind != existing.kind:
        raise ValidationError(
            f"the kind of an entity cannot change (is {existing.kind}, got {new.kind})",
            rule="C12 §5.4.2 Kind",
        )
    check_mixins(model, new.kind, new.mixins)
    definitions = model.attribute_definitions(new.kind, new.mixins)
    attributes = {
        name: value
        for name, value in existing.attributes.items()
        if name in definitions and not definitions[name].mutable
    }
    for name, value in new.attributes.items():
        definition = _definition(definitions, name, new.kind)
        value = _coerce(definition, value)
        if not definition.mutable:
            if name in attributes and attributes[name] != value:
                raise ValidationError(
                    f"attribute {name} is immutable",
                    attribute=name,
                    status=403,
                    rule="C12 §5.2 immutable attributes",
                )
            continue
        attributes[name] = value
    _complete(attributes, definitions, server_managed)
    return replace(new, attributes=attributes, location=existing.location)


def validate_action(
    invocation: ActionInvocation, model: Model, applicable: Collection[str]
) -> dict[str, object]:
    """The coerced parameters of an action invocation (C12 §5.4.4, H12 §3.4.5).

    ``applicable`` lists the action ids the target defines (its kind's and mixins'); an
    action outside it is a client error.
    """
    action = model.action(invocation.action)
    if action is None:
        raise ValidationError(f"unknown action {invocation.action}", rule="C12 §5.4.4 Action")
    if invocation.action not in applicable:
        raise ValidationError(
            f"action {invocation.action} is not defined for this entity or collection",
            rule="C12 §5.4.4 Action",
        )
    definitions = {a.name: a for a in action.attributes}
    parameters: dict[str, object] = {}
    for name, value in invocation.attributes.items():
        definition = _definition(definitions, name, invocation.action)
        parameters[name] = _coerce(definition, value)
    for name, definition in definitions.items():
        if definition.required and name not in parameters:
            raise ValidationError(
                f"action parameter {name} is required", attribute=name, rule="C12 §5.4.4"
            )
    return parameters
