"""The condition language: when a question is shown, written as data and never run as code.

    condition := {"all": [condition, ...]}
               | {"any": [condition, ...]}
               | {"not": condition}
               | {"question": CODE, OPERATOR: OPERAND}

Operators: "equals", "not_equals", "in" (one of a list), "includes" (a multiple-choice answer
includes a value), "answered" (true or false), "gt", "gte", "lt", "lte" (numbers and dates).
A condition may only use questions that come before its own question, and a question that is
hidden counts as unanswered. Every operator except `"answered": false` is false for an
unanswered question, so a question that depends on another stays hidden until that one is
answered. For example, LS/CMI questions show only where supervision was imposed:

    {"question": "requirements", "includes": "supervision"}
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

GROUPS = ("all", "any")
OPERATORS = ("equals", "not_equals", "in", "includes", "answered", "gt", "gte", "lt", "lte")
ORDERING = ("gt", "gte", "lt", "lte")

OPERATOR_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "in": "is one of",
    "includes": "includes",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
}


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set):
        return not value
    return False


def structure_problems(condition: Any) -> list[str]:
    """Return what is wrong with the shape of a condition (not whether its questions exist)."""
    if not isinstance(condition, dict) or not condition:
        return ['a condition must be an object such as {"question": …, "equals": …}']
    keys = set(condition)
    if keys & set(GROUPS):
        if len(keys) != 1:
            return ['"all" and "any" must stand alone in their object']
        (group,) = keys
        parts = condition[group]
        if not isinstance(parts, list) or not parts:
            return [f'"{group}" needs a list of one or more conditions']
        return [p for part in parts for p in structure_problems(part)]
    if "not" in keys:
        if len(keys) != 1:
            return ['"not" must stand alone in its object']
        return structure_problems(condition["not"])
    if "question" not in keys:
        unknown = ", ".join(f'"{k}"' for k in sorted(keys))
        return [f"unknown operator {unknown}; use all, any, not or question"]
    operators = keys - {"question"}
    if len(operators) != 1:
        return ['a question test needs exactly one operator, e.g. "equals"']
    (operator,) = operators
    if operator not in OPERATORS:
        return [f'unknown operator "{operator}"; use one of {", ".join(OPERATORS)}']
    operand = condition[operator]
    if operator == "answered" and not isinstance(operand, bool):
        return ['"answered" takes true or false']
    if operator == "in" and not (isinstance(operand, list) and operand):
        return ['"in" takes a list of values']
    if operator in ORDERING and not isinstance(operand, int | float | str):
        return [f'"{operator}" takes a number or a date']
    return []


def leaves(condition: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Yield (question code, operator, operand) for every question test in a condition."""
    for group in GROUPS:
        if group in condition:
            for part in condition[group]:
                yield from leaves(part)
            return
    if "not" in condition:
        yield from leaves(condition["not"])
        return
    code = condition["question"]
    for operator in OPERATORS:
        if operator in condition:
            yield code, operator, condition[operator]
            return


def _comparable(value: Any, operand: Any) -> tuple[Any, Any]:
    """Bring an answer and an operand to the same type (dates and numbers arrive as text)."""
    if isinstance(value, dt.date) and isinstance(operand, str):
        try:
            return value, dt.date.fromisoformat(operand)
        except ValueError:
            return value, operand
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            return Decimal(str(value)), Decimal(str(operand))
        except InvalidOperation:
            return value, operand
    return value, operand


def _same(value: Any, operand: Any) -> bool:
    if isinstance(value, list):
        return isinstance(operand, list) and set(value) == set(operand)
    value, operand = _comparable(value, operand)
    return value == operand


def evaluate(condition: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Return whether a (well-formed) condition holds for the answers in `values`."""
    if "all" in condition:
        return all(evaluate(part, values) for part in condition["all"])
    if "any" in condition:
        return any(evaluate(part, values) for part in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], values)
    ((_, operator, operand),) = leaves(condition)
    value = values.get(condition["question"])
    if operator == "answered":
        return is_empty(value) != operand
    if is_empty(value):
        return False
    if operator == "equals":
        return _same(value, operand)
    if operator == "not_equals":
        return not _same(value, operand)
    if operator == "in":
        return any(_same(value, item) for item in operand)
    if operator == "includes":
        return operand in value if isinstance(value, list) else _same(value, operand)
    value, operand = _comparable(value, operand)
    try:
        return {
            "gt": value > operand,
            "gte": value >= operand,
            "lt": value < operand,
            "lte": value <= operand,
        }[operator]
    except TypeError:
        return False


def _shorten(text: str, limit: int = 80) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:(") + "…"


def describe(condition: Mapping[str, Any], questions: Mapping[str, Any], *, nested=False) -> str:
    """Return a condition in words, e.g. 'the answer to “Requirements” includes “Supervision”'.

    `questions` maps codes to Question objects (for their text and option labels).
    """
    for group, joiner in (("all", " and "), ("any", " or ")):
        if group in condition:
            text = joiner.join(describe(p, questions, nested=True) for p in condition[group])
            return f"({text})" if nested and len(condition[group]) > 1 else text
    if "not" in condition:
        return f"not {describe(condition['not'], questions, nested=True)}"
    ((code, operator, operand),) = leaves(condition)
    question = questions.get(code)
    name = f"“{_shorten(question.text)}”" if question is not None else f"“{code}”"

    def label(value: Any) -> str:
        if question is not None and hasattr(question, "option_label") and isinstance(value, str):
            shown = question.option_label(value)
            if question.kind == "yes_no_na":
                shown = {"yes": "Yes", "no": "No", "na": "Not applicable"}.get(value, shown)
            return f"“{shown}”"
        return f"“{value}”"

    if operator == "answered":
        return f"{name} {'has been answered' if operand else 'has not been answered'}"
    if operator == "in":
        return f"{name} is one of {', '.join(label(v) for v in operand)}"
    if isinstance(operand, list):
        return f"{name} {OPERATOR_WORDS[operator]} {' and '.join(label(v) for v in operand)}"
    return f"{name} {OPERATOR_WORDS[operator]} {label(operand)}"
