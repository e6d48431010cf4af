"""grader.text: is every string a child sends safe to show and to export?"""

from __future__ import annotations

import pytest

from grader import text, wire

HOSTILE = [
    "lone \ud800 surrogate",
    "low \udfff surrogate",
    "noncharacter \ufffe and \uffff",
    "plane-16 noncharacter \U0010ffff",
    "\ufdd0 in the middle",
    "escape \x1b[31mred\x1b[0m",
    "nul \x00 byte",
    "bell \x07 and backspace \x08",
    "c1 \x9b control",
    "bidi \u202eoverride\u202c",
    "isolate \u2066x\u2069",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_string_arrives_clean_and_encodable(hostile: str) -> None:
    """Does the decoder replace lone surrogates, noncharacters, controls and bidi overrides, so
    that the text encodes as strict UTF-8 and shows no escape sequence?"""
    received = wire.decode(wire.encode({"error": {"message": hostile}}))["error"]["message"]
    assert text.is_clean(received)
    received.encode("utf-8")  # strict: would raise on a lone surrogate
    assert "\x1b" not in received
    assert text.REPLACEMENT in received


def test_unsafe_characters_are_replaced_not_removed() -> None:
    """Does a name with a control character inside stay different from the clean name (so it
    cannot pass for it)?"""
    received = wire.decode(wire.encode(["hid\x01den.weight"]))[0]
    assert received != "hidden.weight"
    assert received == "hid\ufffdden.weight"


@pytest.mark.parametrize(
    "ordinary", ["plain ascii", "tab\tand\nnewline", "accents: éàü, maths: ∑ ≤ π, emoji 🙂", ""]
)
def test_ordinary_text_is_left_alone(ordinary: str) -> None:
    """Do tabs, newlines and ordinary non-ASCII text pass through unchanged?"""
    assert wire.decode(wire.encode(ordinary)) == ordinary
    assert text.clean(ordinary) == ordinary


def test_dict_keys_are_cleaned_too() -> None:
    """Is a dict key from a child normalised like any other string?"""
    assert list(wire.decode(wire.encode({"a\x1bb": 1}))) == ["a\ufffdb"]
