"""The registry of assignment kinds.

Each app registers the kinds of assignment its work needs (in its AppConfig.ready), naming the
model an assignment of that kind points at, the standing roles that may hold it, and an optional
check that refuses an unsuitable person with a message they can act on.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.exceptions import ApplicationError


@dataclass(frozen=True)
class AssignmentKind:
    code: str
    label: str
    target_model: str  # "app_label.modelname"
    roles: frozenset[str] = field(default_factory=frozenset)
    check: Callable[[Any, Any], None] | None = None  # (user, target) -> None or ApplicationError


_REGISTRY: dict[str, AssignmentKind] = {}


def register_assignment_kind(kind: AssignmentKind) -> AssignmentKind:
    """Add a kind to the registry (idempotent for the same definition)."""
    existing = _REGISTRY.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"Assignment kind {kind.code!r} is already registered differently.")
    _REGISTRY[kind.code] = kind
    return kind


def get_assignment_kind(code: str) -> AssignmentKind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise ApplicationError(f"“{code}” is not a kind of assignment.") from None


def assignment_kinds_for(target_model: str) -> list[AssignmentKind]:
    """Return the kinds that can point at the given model ("app_label.modelname")."""
    return [k for k in _REGISTRY.values() if k.target_model == target_model.lower()]


def assignment_kind_label(code: str) -> str:
    kind = _REGISTRY.get(code)
    return kind.label if kind else code
