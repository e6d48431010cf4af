"""The shape each probe's reply must have, checked in the parent before a check reads it.

A child is untrusted: besides lying about values it can send well-formed data of the wrong shape
(a list where a dict was due, a string for a shape). Checks may then index the reply freely,
because anything that does not match the probe's declared schema was already turned into a failed
check ("the process running your code sent a reply of an unexpected form").

Schemas: a type (int, float, str, bool, NoneType), ``TENSOR``, ``ANY``, ``Optional(s)``,
``ListOf(s)``, ``TupleOf(s1, s2, …)`` (fixed length), ``TupleOfAny(s)`` (any length), and dicts
``{key: s}`` (exactly these keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SchemaError(ValueError):
    """A reply does not have the declared shape."""


class _Tensor:
    def __repr__(self) -> str:
        return "tensor"


class _Any:
    def __repr__(self) -> str:
        return "anything"


TENSOR = _Tensor()
ANY = _Any()


@dataclass(frozen=True)
class Optional:
    inner: Any


@dataclass(frozen=True)
class ListOf:
    inner: Any


@dataclass(frozen=True)
class TupleOfAny:
    inner: Any


class TupleOf:
    def __init__(self, *items: Any) -> None:
        self.items = items


def validate(value: Any, schema: Any, path: str = "reply") -> None:
    """Raise SchemaError naming the first place where ``value`` does not fit ``schema``."""
    if schema is ANY:
        return
    if schema is TENSOR:
        import torch

        if type(value) is not torch.Tensor:
            raise SchemaError(f"{path}: expected a tensor, got {type(value).__name__}")
        return
    if isinstance(schema, Optional):
        if value is not None:
            validate(value, schema.inner, path)
        return
    if isinstance(schema, ListOf):
        if type(value) is not list:
            raise SchemaError(f"{path}: expected a list, got {type(value).__name__}")
        for index, item in enumerate(value):
            validate(item, schema.inner, f"{path}[{index}]")
        return
    if isinstance(schema, TupleOfAny):
        if type(value) is not tuple:
            raise SchemaError(f"{path}: expected a tuple, got {type(value).__name__}")
        for index, item in enumerate(value):
            validate(item, schema.inner, f"{path}[{index}]")
        return
    if isinstance(schema, TupleOf):
        if type(value) is not tuple or len(value) != len(schema.items):
            raise SchemaError(
                f"{path}: expected a tuple of {len(schema.items)}, got {type(value).__name__}"
            )
        for index, (item, inner) in enumerate(zip(value, schema.items)):
            validate(item, inner, f"{path}[{index}]")
        return
    if isinstance(schema, dict):
        if type(value) is not dict:
            raise SchemaError(f"{path}: expected a dict, got {type(value).__name__}")
        if set(value) != set(schema):
            missing = sorted(set(schema) - set(value))
            extra = sorted(map(str, set(value) - set(schema)))
            raise SchemaError(f"{path}: keys differ (missing {missing}, unexpected {extra})")
        for key, inner in schema.items():
            validate(value[key], inner, f"{path}[{key!r}]")
        return
    if isinstance(schema, type):
        # Exact types: bool is an int subclass and must not pass for one.
        if type(value) is not schema and not (schema is float and type(value) is int):
            raise SchemaError(f"{path}: expected {schema.__name__}, got {type(value).__name__}")
        return
    raise TypeError(f"unknown schema {schema!r}")
