"""Demo data: a living system for newcomers. Refuses to run when DEBUG is off.

Each app adds its own demo data through a function registered here, so `load_demo` grows with
the product. Logins are printed with what a newcomer needs to sign in.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

DEMO_PASSWORD = "scrutiny-demo-2026"


@dataclass
class DemoLogin:
    role: str
    name: str
    email: str
    organisation: str
    notes: list[str] = field(default_factory=list)


@dataclass
class DemoContext:
    logins: list[DemoLogin] = field(default_factory=list)
    people: dict = field(default_factory=dict)  # key -> User


DemoStep = Callable[[DemoContext], None]
DEMO_STEPS: list[tuple[int, DemoStep]] = []


def register_demo_step(order: int):
    def decorator(step: DemoStep) -> DemoStep:
        DEMO_STEPS.append((order, step))
        return step

    return decorator
