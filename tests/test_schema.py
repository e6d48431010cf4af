"""grader/schema.py: the declared shape of a probe's reply, checked before a check reads it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grader.schema import ANY, TENSOR, ListOf, Optional, SchemaError, TupleOf, TupleOfAny, validate

REPLY = {
    "a": ListOf(int),
    "shape": TupleOfAny(int),
    "pair": TupleOf(str, TENSOR),
    "maybe": Optional(float),
    "flag": bool,
    "anything": ANY,
}


def good_reply():
    return {
        "a": [1, 2, 3],
        "shape": (3, 5),
        "pair": ("weight", torch.zeros(2)),
        "maybe": 0.5,
        "flag": True,
        "anything": object(),
    }


def refusal(value, schema) -> str:
    with pytest.raises(SchemaError) as info:
        validate(value, schema)
    return str(info.value)


def test_a_matching_reply_is_accepted():
    """Does a reply that fits every part of the schema pass (and return None)?"""
    assert validate(good_reply(), REPLY) is None


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"a": [1, 2, "3"]}, "reply['a'][2]"),
        ({"a": [1, 2, True]}, "reply['a'][2]"),
        ({"a": (1, 2, 3)}, "reply['a']"),
        ({"shape": [3, 5]}, "reply['shape']"),
        ({"shape": (3, 5.0)}, "reply['shape'][1]"),
        ({"pair": ("weight",)}, "reply['pair']"),
        ({"pair": ("weight", torch.zeros(2), 1)}, "reply['pair']"),
        ({"pair": ["weight", torch.zeros(2)]}, "reply['pair']"),
        ({"pair": ("weight", [0.0, 0.0])}, "reply['pair'][1]"),
        ({"pair": (b"weight", torch.zeros(2))}, "reply['pair'][0]"),
        ({"maybe": "0.5"}, "reply['maybe']"),
        ({"flag": 1}, "reply['flag']"),
    ],
    ids=[
        "str-in-int-list",
        "bool-in-int-list",
        "tuple-for-list",
        "list-for-tuple",
        "float-in-int-tuple",
        "tuple-too-short",
        "tuple-too-long",
        "list-for-fixed-tuple",
        "list-for-tensor",
        "bytes-for-str",
        "str-for-optional-float",
        "int-for-bool",
    ],
)
def test_each_mismatch_is_refused_naming_its_path(change, path):
    """Is each kind of mismatch refused with a SchemaError that starts with its exact path?"""
    reply = {**good_reply(), **change}
    assert refusal(reply, REPLY).startswith(path + ":")


@pytest.mark.parametrize(
    ("value", "schema"),
    [(True, int), (False, int), (True, float), (1, str), (1.0, int), ("1", int), (None, int)],
)
def test_scalar_types_are_exact(value, schema):
    """Is a scalar of another type refused (bool is not an int, 1.0 not an int, None not an int)?"""
    message = refusal(value, schema)
    assert message == f"reply: expected {schema.__name__}, got {type(value).__name__}"


def test_an_int_passes_for_a_float():
    """Is an int accepted where a float is declared (2 for 2.0)?"""
    validate(2, float)
    validate([1, 2.5], ListOf(float))


def test_none_passes_its_own_type():
    """Does type(None) accept None and refuse 0?"""
    validate(None, type(None))
    assert "expected NoneType" in refusal(0, type(None))


def test_missing_and_extra_keys_are_named():
    """Does a dict with a key missing or one too many name the keys?"""
    reply = good_reply()
    del reply["flag"]
    message = refusal(reply, REPLY)
    assert message.startswith("reply:")
    assert "missing ['flag']" in message
    reply = {**good_reply(), "secret": 1}
    message = refusal(reply, REPLY)
    assert "unexpected ['secret']" in message
    assert "missing []" in message


def test_a_nested_dict_names_the_full_path():
    """Is a mismatch deep inside nested dicts and lists reported as reply['a'][2]['b']?"""
    schema = {"a": ListOf({"b": int})}
    validate({"a": [{"b": 1}, {"b": 2}]}, schema)
    message = refusal({"a": [{"b": 1}, {"b": 2}, {"b": "x"}]}, schema)
    assert message.startswith("reply['a'][2]['b']: expected int, got str")


def test_a_non_dict_for_a_dict_schema_is_refused():
    """Is a list where a dict was due refused (not indexed)?"""
    assert refusal([("a", 1)], {"a": int}) == "reply: expected a dict, got list"


def test_int_keys_are_named_with_repr():
    """Is an int dict key shown as reply[3] and a str key as reply['3']?"""
    assert refusal({3: "x"}, {3: int}).startswith("reply[3]:")
    assert refusal({"3": "x"}, {"3": int}).startswith("reply['3']:")


def test_optional_accepts_none_and_checks_anything_else():
    """Does Optional(s) accept None and hold any other value to s?"""
    validate(None, Optional(TENSOR))
    validate(torch.ones(1), Optional(TENSOR))
    assert refusal(1, Optional(TENSOR)).startswith("reply: expected a tensor")


def test_tensor_accepts_only_a_plain_tensor():
    """Does TENSOR accept a torch.Tensor but refuse a Parameter, a subclass and non-tensors?"""

    class Sub(torch.Tensor):
        pass

    validate(torch.zeros(2, 3), TENSOR)
    validate(torch.zeros((), dtype=torch.int64), TENSOR)
    assert refusal(nn.Parameter(torch.zeros(2)), TENSOR) == (
        "reply: expected a tensor, got Parameter"
    )
    assert "got Sub" in refusal(torch.zeros(2).as_subclass(Sub), TENSOR)
    assert refusal([0.0, 0.0], TENSOR) == "reply: expected a tensor, got list"
    assert refusal(None, TENSOR) == "reply: expected a tensor, got NoneType"


def test_list_of_checks_every_element():
    """Does ListOf check each element and name the first bad index?"""
    validate([], ListOf(TENSOR))
    validate([torch.zeros(1), torch.ones(2)], ListOf(TENSOR))
    assert refusal([torch.zeros(1), 3, "x"], ListOf(TENSOR)).startswith("reply[1]:")


def test_tuple_of_checks_length_and_each_position():
    """Does TupleOf require the exact length and check each position with its own schema?"""
    schema = TupleOf(str, int)
    validate(("a", 1), schema)
    assert refusal(("a",), schema) == "reply: expected a tuple of 2, got tuple"
    assert refusal(("a", 1, 2), schema) == "reply: expected a tuple of 2, got tuple"
    assert refusal((1, "a"), schema).startswith("reply[0]: expected str, got int")
    validate((), TupleOf())


def test_tuple_of_any_accepts_any_length():
    """Does TupleOfAny accept tuples of any length (0 too) and refuse a list?"""
    for value in [(), (1,), (1, 2, 3, 4)]:
        validate(value, TupleOfAny(int))
    assert refusal([1, 2], TupleOfAny(int)) == "reply: expected a tuple, got list"


def test_any_accepts_everything():
    """Does ANY accept values of every kind, including ones no other schema would?"""
    for value in [None, object(), {1, 2}, nn.Linear(1, 1)]:
        validate(value, ANY)


def test_the_path_argument_prefixes_messages():
    """Does a caller-given path replace "reply" in the message?"""
    with pytest.raises(SchemaError, match=r"^state\[0\]: expected int"):
        validate(["x"], ListOf(int), path="state")


def test_an_unknown_schema_is_an_instructor_error():
    """Is a schema that is none of the known forms a TypeError (a grader bug), not a SchemaError?"""
    with pytest.raises(TypeError, match="unknown schema"):
        validate(1, 42)
    assert not issubclass(TypeError, SchemaError)
