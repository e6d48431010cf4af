"""grader/compare.py: structured differences between the submission's result and PyTorch's."""

from __future__ import annotations

import pytest
import torch

from grader.compare import TOLERANCES, Difference, Expect, Mismatch, scaled_tolerance, tolerance
from grader.errors import GradingFailure


def differences(expected, got, **kwargs) -> list[Difference]:
    expect = Expect("MySequential output")
    ok = expect.close("output", expected, got, **kwargs)
    assert ok is (not expect.differences)
    return expect.differences


def torch_accepts(expected: torch.Tensor, got: torch.Tensor) -> bool:
    try:
        torch.testing.assert_close(got, expected)
    except AssertionError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Tolerances


@pytest.mark.parametrize("relative", [0.0, 1e-7, 1e-6])
def test_float32_values_within_the_default_tolerance_pass(relative):
    """Does a float32 result within assert_close's default tolerance pass?"""
    expected = torch.tensor([100.0, -3.0, 0.25, 1e4])
    got = expected * (1 + relative)
    assert torch_accepts(expected, got)
    assert differences(expected, got) == []


@pytest.mark.parametrize("relative", [1e-3, 1e-4])
def test_float32_values_beyond_the_default_tolerance_fail(relative):
    """Does a float32 result off by a relative 1e-3 (or 1e-4) fail, as in assert_close?"""
    expected = torch.tensor([100.0, -3.0, 0.25, 1e4])
    got = expected * (1 + relative)
    assert not torch_accepts(expected, got)
    (difference,) = differences(expected, got)
    assert difference.attribute == "values"


def test_the_absolute_tolerance_applies_near_zero():
    """Does a difference of 5e-6 around 0 pass for float32 (atol 1e-5) and 5e-5 fail?"""
    assert differences(torch.zeros(3), torch.full((3,), 5e-6)) == []
    assert len(differences(torch.zeros(3), torch.full((3,), 5e-5))) == 1


@pytest.mark.parametrize("dtype", list(TOLERANCES), ids=str)
def test_the_tolerance_table_agrees_with_assert_close(dtype):
    """Across a sweep of sizes of error, does close give the same verdict as assert_close?"""
    verdicts = []
    for base in [1.0, -5.0, 100.0, 1e-3, 0.0]:
        for step in [0, 1e-8, 1e-7, 5e-7, 1e-6, 2e-6, 5e-6, 1e-5, 3e-5, 1e-4, 1e-3, 5e-3]:
            for offset in [base * step, step, base * step * 10]:
                expected = torch.tensor([base], dtype=torch.float64).to(dtype)
                got = expected.to(torch.complex128 if dtype.is_complex else torch.float64)
                got = (got + offset * (1 + 1j if dtype.is_complex else 1)).to(dtype)
                mine = not differences(expected, got)
                theirs = torch_accepts(expected, got)
                assert mine == theirs, (dtype, base, offset)
                verdicts.append(mine)
    # The sweep must cover both verdicts, or it proves nothing.
    assert any(verdicts) and not all(verdicts)


def test_tolerance_is_exact_for_integers_and_bools():
    """Are integer and bool dtypes compared with (0, 0), as assert_close does?"""
    for dtype in (torch.int8, torch.int32, torch.int64, torch.uint8, torch.bool):
        assert tolerance(dtype) == (0.0, 0.0)
    assert tolerance(torch.float32) == (1.3e-6, 1e-5)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8], ids=str)
def test_integer_tensors_must_match_exactly(dtype):
    """Is an integer tensor that is off by 1 anywhere a values difference saying exact match?"""
    expected = torch.arange(6, dtype=dtype).reshape(2, 3)
    assert differences(expected, expected.clone()) == []
    got = expected.clone()
    got[1, 1] += 1
    (difference,) = differences(expected, got)
    assert difference.attribute == "values"
    assert "1 of 6 values differ" in difference.detail
    assert "at [1, 1]" in difference.detail
    assert "exact match required" in difference.detail


def test_bool_tensors_must_match_exactly():
    """Does one flipped bool count as a difference?"""
    expected = torch.tensor([True, False, True])
    assert differences(expected, expected.clone()) == []
    (difference,) = differences(expected, torch.tensor([True, True, True]))
    assert "1 of 3 values differ" in difference.detail


def test_explicit_tolerances_override_the_table():
    """Do rtol/atol given by a check replace the dtype's defaults?"""
    expected = torch.ones(3)
    got = expected + 0.01
    assert len(differences(expected, got)) == 1
    assert differences(expected, got, rtol=0.0, atol=0.02) == []
    assert len(differences(expected, expected + 1e-7, rtol=0.0, atol=0.0)) == 1


def test_empty_tensors_of_the_same_shape_are_equal():
    """Do two 0-size tensors of the same shape and dtype compare equal?"""
    assert differences(torch.zeros(0, 3), torch.ones(0, 3)) == []


# ---------------------------------------------------------------------------------------------
# Attributes before values


def test_a_shape_mismatch_is_exactly_one_shape_difference():
    """Does a wrong shape give one Difference (shape), without also comparing dtype or values?"""
    (difference,) = differences(torch.zeros(3, 5), torch.ones(5, 3, dtype=torch.float64))
    assert difference.attribute == "shape"
    assert difference.expected == "(3, 5)"
    assert difference.got == "(5, 3)"
    assert difference.path == "output"


def test_a_dtype_mismatch_is_reported_before_values():
    """Does a wrong dtype give one dtype Difference, even when the values also differ?"""
    (difference,) = differences(torch.zeros(3), torch.ones(3, dtype=torch.float64))
    assert difference.attribute == "dtype"
    assert difference.expected == "torch.float32"
    assert difference.got == "torch.float64"


def test_check_dtype_false_compares_values_across_dtypes():
    """With check_dtype=False, is a float64 result with the right values accepted?"""
    assert differences(torch.ones(3), torch.ones(3, dtype=torch.float64), check_dtype=False) == []


def test_check_dtype_false_does_not_truncate_fractional_values():
    """With check_dtype=False, does a float 1.5 still differ from an expected integer 1?"""
    assert len(differences(torch.tensor([1]), torch.tensor([1.5]), check_dtype=False)) == 1


def test_a_device_mismatch_is_reported():
    """Does a tensor on another device give a device Difference (not a crash comparing values)?"""
    (difference,) = differences(torch.zeros(3), torch.zeros(3, device="meta"))
    assert difference.attribute == "device"
    assert (difference.expected, difference.got) == ("cpu", "meta")


@pytest.mark.parametrize("got", [[0.0, 0.0], None, 0.0, (torch.zeros(2),)], ids=repr)
def test_a_non_tensor_result_is_a_type_difference(got):
    """Does a result that is not a tensor give one Difference with attribute "type"?"""
    (difference,) = differences(torch.zeros(2), got)
    assert difference.attribute == "type"
    assert difference.expected == "a tensor"
    assert difference.got == f"a {type(got).__name__}"


# ---------------------------------------------------------------------------------------------
# Values


def test_a_value_mismatch_message_says_how_many_where_and_by_how_much():
    """Does the message give the count, the index of the largest error, both values, the tolerance?"""
    expected = torch.zeros(3, 5)
    got = expected.clone()
    got[1, 2] = 0.5
    got[0, 0] = 0.1
    got[2, 4] = -0.25
    expect = Expect("MySequential output")
    assert not expect.close("output", expected, got)
    with pytest.raises(Mismatch) as info:
        expect.verify()
    text = str(info.value)
    assert text.splitlines()[0] == (
        "MySequential output differs from PyTorch in output: 3 of 15 values differ"
    )
    assert "output: 3 of 15 values differ" in text
    assert "largest difference is 0.5 at [1, 2]" in text
    assert "PyTorch 0, yours 0.5" in text
    assert "allowed: 1e-05 + 1.3e-06·|PyTorch|" in text


def test_the_largest_difference_is_located_in_a_3d_tensor():
    """Is the index of the largest difference given per dimension ([i, j, k])?"""
    expected = torch.zeros(2, 3, 4)
    got = expected.clone()
    got[1, 0, 3] = 7.0
    got[0, 2, 1] = 2.0
    (difference,) = differences(expected, got)
    assert "at [1, 0, 3]" in difference.detail
    assert "2 of 24 values differ" in difference.detail


def test_nan_never_matches_unless_a_check_asks():
    """Is a NaN a difference even where PyTorch's reference has NaN too (equal_nan off, as in
    torch.testing), so that a reference poisoned with NaN cannot pass a NaN output?"""
    nan = float("nan")
    expected = torch.tensor([nan, 1.0, 2.0])
    (difference,) = differences(expected, torch.tensor([nan, 1.0, 2.0]))
    assert "1 of 3 values differ" in difference.detail and "at [0]" in difference.detail
    assert torch_accepts(expected, torch.tensor([nan, 1.0, 2.0])) is False


def test_nan_in_the_same_place_counts_as_equal_with_equal_nan():
    """With equal_nan, are NaNs where PyTorch also has NaN equal, and a NaN elsewhere a difference?"""
    nan = float("nan")
    expected = torch.tensor([nan, 1.0, 2.0])
    assert differences(expected, torch.tensor([nan, 1.0, 2.0]), equal_nan=True) == []
    (difference,) = differences(expected, torch.tensor([nan, nan, 2.0]), equal_nan=True)
    assert "1 of 3 values differ" in difference.detail
    assert "at [1]" in difference.detail
    (difference,) = differences(expected, torch.tensor([0.0, 1.0, 2.0]), equal_nan=True)
    assert "at [0]" in difference.detail


def test_usable_refuses_nan_infinite_and_huge_parameters():
    """Are child-reported weights that a reference would be built from refused when NaN,
    infinite, huge or not floating point, and accepted at initialisation scale?"""
    for bad in (
        torch.tensor([1.0, float("nan")]),
        torch.tensor([float("inf")]),
        torch.tensor([1e6]),
        torch.tensor([1, 2]),
    ):
        expect = Expect("MLP")
        assert expect.usable("hidden.weight", bad) is False
        assert expect.differences
    expect = Expect("MLP")
    assert expect.usable("hidden.weight", torch.randn(5, 3)) is True
    assert expect.usable("hidden.weight", torch.empty(0, 3)) is True
    assert not expect.differences


def test_computing_turns_a_refused_reference_into_the_submissions_failure():
    """Does a reference that PyTorch cannot compute from the submission's data (shapes that do
    not fit) end the check as a mismatch, not as a grader error?"""
    expect = Expect("MLP output")
    with pytest.raises(Mismatch, match="PyTorch refused"), expect.computing("hidden.weight"):
        torch.nn.functional.linear(torch.zeros(2, 3), torch.zeros(4, 5))


def test_infinities_compare_by_sign():
    """Is +inf equal to +inf and different from -inf?"""
    inf = float("inf")
    assert differences(torch.tensor([inf, -inf]), torch.tensor([inf, -inf])) == []
    (difference,) = differences(torch.tensor([inf, 1.0]), torch.tensor([-inf, 1.0]))
    assert "at [0]" in difference.detail


def test_a_scalar_mismatch_is_reported():
    """Does a 0-dim tensor that differs produce a values Difference with its two values?"""
    (difference,) = differences(torch.tensor(1.0), torch.tensor(2.0))
    assert "1 of 1 values differ" in difference.detail
    assert "PyTorch 1, yours 2" in difference.detail


# ---------------------------------------------------------------------------------------------
# equal / true


@pytest.mark.parametrize(
    ("expected", "got"),
    [(1, True), (True, 1), (0, 0.0), ("a", b"a"), ((1, 2), [1, 2]), (None, 0), ("x", "y")],
)
def test_equal_requires_the_same_type_and_value(expected, got):
    """Does Expect.equal treat 1 and True (or a tuple and a list) as different?"""
    expect = Expect("names")
    assert expect.equal("names", expected, got) is False
    (difference,) = expect.differences
    assert difference.attribute == "value"
    # Values are shown by repr, strings quoted, so "1" and 1 read differently.
    assert difference.expected == repr(expected)
    assert difference.got == repr(got)


def test_equal_accepts_equal_values_of_the_same_type():
    """Does Expect.equal record nothing for equal values of one type?"""
    expect = Expect("names")
    assert expect.equal("names", ["0.weight", "0.bias"], ["0.weight", "0.bias"])
    assert expect.equal("shape", (3, 5), (3, 5), attribute="shape")
    assert expect.ok
    expect.verify()


def test_true_records_its_words_only_when_the_condition_fails():
    """Does Expect.true record the given expected/got words exactly when the condition is false?"""
    expect = Expect("tied")
    assert expect.true("weights", True, attribute="identity", expected="same", got="copy")
    assert expect.ok
    assert not expect.true("weights", False, attribute="identity", expected="same", got="copy")
    assert expect.differences == [Difference("weights", "identity", "same", "copy")]
    with pytest.raises(Mismatch) as info:
        expect.verify()
    assert "weights (identity): PyTorch gives same, yours gives copy" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Mismatch


def test_verify_raises_only_when_something_differs():
    """Does verify() return quietly with no differences and raise a Mismatch otherwise?"""
    expect = Expect("output")
    assert expect.close("o", torch.ones(2), torch.ones(2))
    assert expect.verify() is None
    expect.equal("n", 1, 2)
    with pytest.raises(Mismatch) as info:
        expect.verify()
    assert isinstance(info.value, GradingFailure)
    assert info.value.kind == "mismatch"
    assert info.value.subject == "output"
    assert len(info.value.differences) == 1


def test_mismatch_shows_at_most_four_differences():
    """Does a Mismatch with 7 differences name two in its headline, show the first 4 and then
    '… and 3 more'?"""
    expect = Expect("state_dict")
    for i in range(7):
        expect.equal(f"key{i}", i, -i - 1)
    with pytest.raises(Mismatch) as info:
        expect.verify()
    lines = str(info.value).splitlines()
    assert lines[0] == "state_dict differs from PyTorch in key0 (value), key1 (value) and 5 more"
    shown = [line for line in lines if line.startswith("  - key")]
    assert [line.split(" ")[3] for line in shown] == ["key0", "key1", "key2", "key3"]
    assert lines[5] == "  - … and 3 more differences"
    assert len(lines) == 6


def test_mismatch_with_exactly_four_differences_has_no_more_line():
    """Does a Mismatch with 4 differences show all four and no '… more' line?"""
    mismatch = Mismatch("x", [Difference(f"p{i}", "value", "1", "2") for i in range(4)])
    assert "more differences" not in str(mismatch)
    assert str(mismatch).count("  - p") == 4


def test_hints_are_appended_once():
    """Is a hint repeated by several differences shown once, after the differences?"""
    expect = Expect("output")
    expect.equal("a", 1, 2, hint="register children with add_module")
    expect.equal("b", 1, 2, hint="register children with add_module")
    expect.close("c", torch.zeros(2), torch.ones(2), hint="call the modules in order")
    with pytest.raises(Mismatch) as info:
        expect.verify()
    text = str(info.value)
    assert text.count("register children with add_module") == 1
    assert text.splitlines()[-1] == (
        "Hint: register children with add_module call the modules in order"
    )


def test_only_the_hints_of_the_differences_shown_are_given():
    """Does a difference beyond the four shown keep its hint out of the feedback?"""
    expect = Expect("output")
    for i in range(4):
        expect.equal(f"k{i}", 1, 2, hint="first four")
    expect.equal("k4", 1, 2, hint="the fifth")
    with pytest.raises(Mismatch) as info:
        expect.verify()
    assert "first four" in str(info.value)
    assert "the fifth" not in str(info.value)


@pytest.mark.parametrize(
    ("got", "attribute", "words"),
    [
        (torch.zeros(3, dtype=torch.float32), "dtype", "keep the input's dtype"),
        (torch.zeros(2, dtype=torch.float64), "shape", "check which dimensions"),
        (torch.zeros(3, dtype=torch.float64, device="meta"), "device", "input's device"),
        ([0.0, 0.0, 0.0], "type", "return what PyTorch returns"),
    ],
)
def test_an_attribute_difference_gets_its_own_words_not_the_checks_hint(got, attribute, words):
    """Is a float32 result for a float64 input told about the dtype (and a shape, device or type
    difference about that), not given the hint meant for wrong values?"""
    expect = Expect("CenteredLayer output")
    expect.close("output", torch.zeros(3, dtype=torch.float64), got, hint="subtract X.mean()")
    with pytest.raises(Mismatch) as info:
        expect.verify()
    (difference,) = info.value.differences
    assert difference.attribute == attribute
    assert words in str(info.value)
    assert "subtract X.mean()" not in str(info.value)


def test_an_attribute_hint_can_be_given_per_comparison():
    """Does hints={attribute: ...} replace the attribute's own words for that comparison?"""
    expect = Expect("FourierHalf output")
    expect.close(
        "output",
        torch.zeros(3),
        torch.zeros(4),
        hint="values",
        hints={"shape": "keep (n + 1) // 2 coefficients"},
    )
    with pytest.raises(Mismatch) as info:
        expect.verify()
    assert str(info.value).splitlines()[-1] == "Hint: keep (n + 1) // 2 coefficients"


@pytest.mark.parametrize(
    ("record", "words"),
    [
        (lambda e: e.missing("self.hidden", owner="MLP"), "store it under exactly that name"),
        (lambda e: e.returned("to_device(net, device)", False, what="net"), "the very object"),
        (lambda e: e.in_place("kaiming_normal_(t)", False), "change t itself"),
        (
            lambda e: e.same_object("net[4]", False, expected="net[2]", got="a copy"),
            "keeps the very object",
        ),
    ],
)
def test_missing_copies_identity_and_in_place_have_their_own_words(record, words):
    """Do a missing attribute, a returned copy, an identity and a not-in-place difference each say
    what went wrong in their own words?"""
    expect = Expect("x")
    record(expect)
    with pytest.raises(Mismatch) as info:
        expect.verify()
    assert words in str(info.value)


def test_text_from_the_submission_is_shown_in_public_feedback_only():
    """Is an exception message that came from the submission's process shown for a public check
    and left out of a hidden check's feedback?"""
    expect = Expect("get_parameter")
    expect.raised(
        "get_parameter(net, 'x')",
        False,
        expected="KeyError",
        got="AttributeError",
        message="LEAK 'x'",
        trace="  parameters.py, line 3, in get_parameter: return net.get_parameter(name)",
    )
    with pytest.raises(Mismatch) as info:
        expect.verify()
    public = info.value.feedback(public=True)
    hidden = info.value.feedback(public=False)
    assert "LEAK" in public and "line 3" in public
    assert "LEAK" not in hidden and "line 3" not in hidden
    assert "AttributeError" in hidden


def test_no_hint_line_without_hints():
    """Does a Mismatch without hints end with its last difference?"""
    mismatch = Mismatch("x", [Difference("p", "value", "1", "2")])
    assert "Hint" not in str(mismatch)
    assert str(mismatch).splitlines()[-1] == "  - p (value): PyTorch gives 1, yours gives 2"


def test_feedback_carries_the_rendered_text():
    """Is a Mismatch's student feedback the rendered text (public and hidden alike)?"""
    mismatch = Mismatch("out", [Difference("p", "shape", "(1,)", "(2,)")], hint="h")
    assert mismatch.feedback(public=True) == mismatch.render()
    assert mismatch.feedback(public=False) == mismatch.render(public=False)


def test_feedback_puts_the_input_tried_on_the_second_line():
    """Does the feedback of a failure found on a described input keep the problem's headline
    first (what the table shows) and the input on its own line after it?"""
    from grader.errors import describe

    with describe("MLP(3, 2) on an input of shape (2, 5)"):
        mismatch = Mismatch("MLP output", [Difference("output", "shape", "(2, 2)", "(2, 3)")])
    lines = mismatch.feedback(public=True).splitlines()
    assert lines[0] == "MLP output differs from PyTorch in output (shape)"
    assert lines[1] == "  tried: MLP(3, 2) on an input of shape (2, 5)"


# ---------------------------------------------------------------------------------------------
# torch.testing's rules for rtol and atol


@pytest.mark.parametrize("given", [{"rtol": 0.0}, {"atol": 1e-3}])
def test_one_of_rtol_and_atol_alone_is_refused(given: dict) -> None:
    """Is a check that sets rtol without atol (or the reverse) stopped, as assert_close stops it,
    instead of quietly inheriting the other from the dtype?"""
    with pytest.raises(ValueError, match="both rtol and atol or neither"):
        Expect("x").close("output", torch.zeros(2), torch.zeros(2), **given)


def test_default_tolerance_is_the_larger_of_both_dtypes() -> None:
    """Like assert_close: the defaults come from both dtypes, the larger of each."""
    assert tolerance(torch.float64, torch.float32) == TOLERANCES[torch.float32]
    assert tolerance(torch.float16, torch.float64) == TOLERANCES[torch.float16]
    assert tolerance(torch.int64) == (0.0, 0.0)


def test_scaled_tolerance_sets_both() -> None:
    reference = torch.tensor([3.0, -200.0])
    assert scaled_tolerance(reference, factor=1e-4) == {
        "rtol": TOLERANCES[torch.float32][0],
        "atol": pytest.approx(0.02),
    }
    assert scaled_tolerance(torch.zeros(0), factor=1e-5)["atol"] == 1e-5


def test_no_check_sets_only_one_of_rtol_and_atol() -> None:
    """Read from the source: does any call in grader/ pass rtol without atol or the reverse (a
    branch the catalogue might not reach would fail as a grader error at a student's)?"""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "grader"
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                named = {k.arg for k in node.keywords}
                if ("rtol" in named) != ("atol" in named):
                    found.append(f"{path.name}:{node.lineno}")
    assert found == []
