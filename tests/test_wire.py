"""grader/wire.py: plain data and tensors between the trusted parent and an untrusted child."""

from __future__ import annotations

import math
import os
import struct
import threading
import time

import pytest
import torch
from torch import nn

from grader import wire

U32 = struct.Struct(">I")
U64 = struct.Struct(">Q")

DTYPE_CODES = {
    torch.float32: 1,
    torch.float64: 2,
    torch.float16: 3,
    torch.bfloat16: 4,
    torch.complex64: 5,
    torch.complex128: 6,
    torch.int8: 7,
    torch.int16: 8,
    torch.int32: 9,
    torch.int64: 10,
    torch.uint8: 11,
    torch.bool: 12,
}
DTYPES = list(DTYPE_CODES)


def roundtrip(value, **kwargs):
    return wire.decode(wire.encode(value, **kwargs))


def tensor_bytes(code: int, dims: list[int], nbytes: int, raw: bytes = b"") -> bytes:
    """A tensor in the private format: b"X", dtype code, ndim, u64 dims, u64 nbytes, raw bytes."""
    header = b"X" + bytes((code, len(dims))) + b"".join(U64.pack(d) for d in dims)
    return header + U64.pack(nbytes) + raw


def nested_lists(depth: int) -> bytes:
    """``depth`` lists, each holding the next, around a None (built by hand)."""
    return (b"l" + U32.pack(1)) * depth + b"N"


def sample(dtype: torch.dtype, shape: tuple[int, ...]) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1234)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    if dtype.is_floating_point or dtype.is_complex:
        return (torch.randn(shape, generator=generator, dtype=torch.float64) * 10).to(dtype)
    info = torch.iinfo(dtype)
    low, high = max(info.min, -(2**40)), min(info.max, 2**40)
    return torch.randint(low, high, shape, generator=generator, dtype=torch.int64).to(dtype)


def assert_same_tensor(got, expected: torch.Tensor) -> None:
    assert type(got) is torch.Tensor
    assert got.dtype == expected.dtype
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.is_contiguous()
    assert torch.equal(got, expected)


# ---------------------------------------------------------------------------------------------
# Plain data round trips


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -1,
        2**63 - 1,
        -(2**63),
        2**63,
        -(2**63) - 1,
        10**300,
        -(10**300),
        0.0,
        -0.0,
        1.5,
        float("inf"),
        float("-inf"),
        5e-324,
        "",
        "plain ascii",
        "non-ASCII: é ß 漢字 😀",
        b"",
        b"\x00\xff raw bytes",
        [],
        (),
        {},
        [1, [2, [3, (4, 5)]]],
        (1, [2, 3], ("a", b"b")),
        {"a": 1, "b": [1.5, None], 3: "int key", -7: {"nested": (True, False)}},
    ],
    ids=repr,
)
def test_plain_values_round_trip_exactly(value):
    """Does every kind of plain value (and nesting of them) come back equal and of the same type?"""
    got = roundtrip(value)
    assert got == value
    assert type(got) is type(value)
    if isinstance(value, float):
        assert math.copysign(1.0, got) == math.copysign(1.0, value)


def test_trusted_decoding_keeps_every_character():
    """Does what the parent sends a child (a source with a form feed, a NUL) arrive exactly, while
    the same string from a child is normalised?"""
    text = "\x00 inside, \x0c form feed, \x1b escape"
    assert wire.decode(wire.encode(text), trusted=True) == text
    assert wire.decode(wire.encode(text)) == "\ufffd inside, \ufffd form feed, \ufffd escape"


def test_containers_keep_their_types_at_every_depth():
    """Does a tuple stay a tuple and a list a list, however deeply they are nested?"""
    value = {"t": ([1, (2, [3])], (), []), 5: [(), [()]]}
    got = roundtrip(value)
    assert got == value
    assert type(got["t"]) is tuple
    assert type(got["t"][0]) is list
    assert type(got["t"][0][1]) is tuple
    assert type(got["t"][0][1][1]) is list
    assert type(got["t"][1]) is tuple and type(got["t"][2]) is list
    assert type(got[5][0]) is tuple and type(got[5][1]) is list and type(got[5][1][0]) is tuple


def test_bools_and_ints_are_not_confused():
    """Do True/False and 1/0 keep their own types (bool is an int subclass)?"""
    got = roundtrip([True, 1, False, 0])
    assert [type(v) for v in got] == [bool, int, bool, int]


def test_nan_round_trips():
    """Does a NaN float come back as a NaN (nested in a container too)?"""
    got = roundtrip({"x": float("nan"), "y": [float("nan")]})
    assert isinstance(got["x"], float) and math.isnan(got["x"])
    assert isinstance(got["y"][0], float) and math.isnan(got["y"][0])


@pytest.mark.parametrize(
    ("value", "tag"),
    [(2**63 - 1, b"i"), (-(2**63), b"i"), (2**63, b"I"), (-(2**63) - 1, b"I")],
)
def test_integers_switch_to_decimal_exactly_outside_int64(value, tag):
    """Does an integer use the fixed int64 form exactly when it fits, and survive either way?"""
    data = wire.encode(value)
    assert data[:1] == tag
    assert wire.decode(data) == value


def test_dict_keys_keep_their_types():
    """Do int keys stay ints and str keys stay strs (1 and "1" are different keys)?"""
    got = roundtrip({1: "int", "1": "str"})
    assert got == {1: "int", "1": "str"}
    assert {type(k) for k in got} == {int, str}


def test_nesting_up_to_the_depth_limit_round_trips():
    """Does a value nested exactly max_depth deep encode and decode (the limits agree)?"""
    value = None
    for _ in range(wire.DEFAULT_LIMITS.max_depth):
        value = [value]
    assert roundtrip(value) == value


# ---------------------------------------------------------------------------------------------
# Tensor round trips


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (1,), (7,), (2, 3, 4), (0, 3), (3, 0), (0,)], ids=str)
def test_tensors_of_every_whitelisted_dtype_round_trip(dtype, shape):
    """Does a tensor of every whitelisted dtype keep its dtype, shape and values exactly?"""
    tensor = sample(dtype, shape)
    assert_same_tensor(roundtrip(tensor), tensor)


@pytest.mark.parametrize(
    "dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64], ids=str
)
def test_special_float_values_keep_their_bits(dtype):
    """Do NaN, ±inf, -0.0 and subnormals arrive bit for bit?"""
    bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}
    tiny = torch.finfo(dtype).tiny / 4
    tensor = torch.tensor([float("nan"), float("inf"), float("-inf"), -0.0, tiny], dtype=dtype)
    got = roundtrip(tensor)
    assert got.dtype == dtype
    as_int = bits[tensor.element_size()]
    assert torch.equal(got.view(as_int), tensor.view(as_int))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_non_contiguous_views_arrive_contiguous_with_the_same_values(dtype):
    """Do a transpose, a stepped slice and an expanded view arrive as contiguous equal tensors?"""
    base = sample(dtype, (4, 6))
    views = [base.t(), base[:, ::2], base[::3, 1::2], base[0:1].expand(5, 6)]
    for view in views:
        assert not view.is_contiguous()
        assert_same_tensor(roundtrip(view), view.contiguous())


def test_conjugate_and_negative_views_are_resolved():
    """Does a lazily conjugated (or negated) view arrive with the values it shows, not its storage?"""
    z = torch.tensor([1 + 2j, -3 - 4j], dtype=torch.complex64)
    conj = z.conj()
    assert conj.is_conj()
    got = roundtrip(conj)
    assert not got.is_conj()
    assert torch.equal(got, torch.tensor([1 - 2j, -3 + 4j], dtype=torch.complex64))
    neg = conj.imag
    assert neg.is_neg()
    assert torch.equal(roundtrip(neg), torch.tensor([-2.0, 4.0]))


def test_a_tensor_that_requires_grad_arrives_detached():
    """Does a tensor in an autograd graph arrive as a plain leaf without grad?"""
    leaf = torch.randn(3, requires_grad=True)
    result = leaf * 2
    for tensor in (leaf, result):
        got = roundtrip(tensor)
        assert type(got) is torch.Tensor
        assert not got.requires_grad
        assert got.grad_fn is None
        assert torch.equal(got, tensor.detach())


def test_a_parameter_encodes_as_its_data():
    """Does an nn.Parameter arrive as a plain tensor holding its data?"""
    param = nn.Parameter(torch.randn(2, 3))
    got = roundtrip({"w": param})["w"]
    assert type(got) is torch.Tensor
    assert not got.requires_grad
    assert torch.equal(got, param.data)


def test_decoded_tensors_own_their_memory():
    """Is a decoded tensor independent of the message bytes it came from (writable, not aliased)?"""
    data = bytearray(wire.encode(torch.zeros(4)))
    got = wire.decode(data)
    data[-4:] = b"\xff\xff\xff\xff"
    assert torch.equal(got, torch.zeros(4))
    got += 1  # a read-only buffer would refuse this
    assert torch.equal(got, torch.ones(4))


# ---------------------------------------------------------------------------------------------
# Encoding refuses what is not plain data


class Sub(torch.Tensor):
    pass


class LyingInt(int):
    pass


class LyingStr(str):
    pass


class LyingList(list):
    pass


class LyingDict(dict):
    pass


def quantized():
    return torch.quantize_per_tensor(torch.zeros(3), 0.1, 0, torch.qint8)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: torch.zeros(3).as_subclass(Sub), "subclass"),
        (lambda: torch.zeros(3).to_sparse(), "sparse"),
        (quantized, "quantized"),
        (lambda: torch.zeros(3, device="meta"), "meta"),
        (lambda: torch.zeros(3, dtype=torch.uint16), "dtype"),
        (lambda: object(), "object is not plain data"),
        (lambda: {1, 2}, "set is not plain data"),
        (lambda: LyingInt(3), "LyingInt is not plain data"),
        (lambda: LyingStr("x"), "LyingStr is not plain data"),
        (lambda: LyingList([1]), "LyingList is not plain data"),
        (lambda: LyingDict(a=1), "LyingDict is not plain data"),
        (lambda: 1 + 2j, "complex is not plain data"),
        (lambda: bytearray(b"x"), "bytearray is not plain data"),
    ],
    ids=[
        "subclass",
        "sparse",
        "quantized",
        "meta",
        "uint16",
        "object",
        "set",
        "int-subclass",
        "str-subclass",
        "list-subclass",
        "dict-subclass",
        "complex",
        "bytearray",
    ],
)
def test_encode_refuses_values_that_are_not_plain_data_and_names_the_path(make, words):
    """Does encode refuse a non-plain value with a WireError naming where it sits?"""
    with pytest.raises(wire.WireError) as info:
        wire.encode({"outputs": [0, make()]})
    message = str(info.value)
    assert message.startswith("result['outputs'][1]:")
    assert words in message


def test_encode_refuses_a_dict_with_a_tuple_key_naming_the_dict():
    """Does encode refuse a dict keyed by a tuple, naming the dict that holds it?"""
    with pytest.raises(wire.WireError) as info:
        wire.encode({"state": {(1, 2): 3}})
    assert "result['state']" in str(info.value)
    assert "tuple" in str(info.value)


def test_encode_refuses_bool_dict_keys():
    """Does encode refuse a bool dict key (it would otherwise alias the int key 1)?"""
    with pytest.raises(wire.WireError, match="dict key of type bool"):
        wire.encode({"m": {True: 1}})


def test_encode_refuses_a_tensor_over_the_byte_limit_without_materialising_it():
    """Does an expanded (stride-0) tensor over max_tensor_bytes fail before it is copied?"""
    bomb = torch.zeros(1).expand(10**6)
    start = time.monotonic()
    with pytest.raises(wire.WireError) as info:
        wire.encode([bomb], max_tensor_bytes=1000)
    assert "result[0]" in str(info.value)
    assert "4000000 bytes" in str(info.value)
    # 4 TiB under the default limit: copying it would fail with a RuntimeError, not a WireError.
    with pytest.raises(wire.WireError):
        wire.encode(torch.zeros(1).expand(1 << 40))
    assert time.monotonic() - start < 1.0


def test_encode_accepts_a_tensor_exactly_at_the_byte_limit():
    """Is max_tensor_bytes an inclusive bound (1000 bytes pass, 1004 do not)?"""
    assert torch.equal(roundtrip(torch.ones(250), max_tensor_bytes=1000), torch.ones(250))
    with pytest.raises(wire.WireError):
        wire.encode(torch.ones(251), max_tensor_bytes=1000)


def test_encode_refuses_nesting_deeper_than_the_limit():
    """Does encode refuse a value nested one level deeper than max_depth?"""
    value = None
    for _ in range(wire.DEFAULT_LIMITS.max_depth + 1):
        value = [value]
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.encode(value)


def test_encode_refuses_an_integer_with_more_than_max_int_digits():
    """Does encode refuse an integer longer than max_int_digits, and accept one at the limit?"""
    at_limit = 10 ** (wire.DEFAULT_LIMITS.max_int_digits - 1)
    assert roundtrip(at_limit) == at_limit
    with pytest.raises(wire.WireError, match=r"result\[0\]: integer too large"):
        wire.encode([at_limit * 10])


def test_encode_refuses_an_integer_beyond_pythons_str_limit_with_a_wire_error():
    """Does encode refuse an integer of 5000 digits with WireError (like one of 401 digits)?"""
    with pytest.raises(wire.WireError):
        wire.encode([10**5000])


# ---------------------------------------------------------------------------------------------
# Decoding refuses malformed (untrusted) input


def rich_message() -> bytes:
    return wire.encode(
        {
            "a": [1, 2**70, -1.5, "é", b"\x00", None, True],
            "t": (torch.arange(6, dtype=torch.int32).reshape(2, 3), torch.ones(())),
        }
    )


def test_every_truncation_of_a_message_is_refused():
    """Is every proper prefix of a valid message refused with WireError?"""
    data = rich_message()
    for end in range(len(data)):
        with pytest.raises(wire.WireError):
            wire.decode(data[:end])


def test_trailing_bytes_are_refused():
    """Does decode refuse a valid message followed by extra bytes?"""
    with pytest.raises(wire.WireError, match="trailing"):
        wire.decode(wire.encode([1, 2]) + b"N")


@pytest.mark.parametrize("tag", [b"Z", b"n", b"\x00", b"x", b"L"])
def test_an_unknown_tag_is_refused(tag):
    """Does decode refuse a tag that is not part of the format?"""
    with pytest.raises(wire.WireError, match="unknown tag"):
        wire.decode(b"l" + U32.pack(1) + tag)


@pytest.mark.parametrize("nbytes", [11, 13, 0, 24])
def test_a_tensor_header_whose_byte_count_is_not_numel_times_itemsize_is_refused(nbytes):
    """Does decode refuse a float32 (3,) header that carries other than 12 bytes?"""
    with pytest.raises(wire.WireError, match="header says"):
        wire.decode(tensor_bytes(1, [3], nbytes, b"\x00" * nbytes))


@pytest.mark.parametrize("nbytes", [4, 4 * 10**10])
def test_a_huge_tensor_header_with_few_bytes_is_refused_quickly(nbytes):
    """Does a header claiming 10**10 elements with only 4 bytes sent fail at once, unallocated?"""
    data = tensor_bytes(1, [10**10], nbytes, b"\x00" * 4)
    start = time.monotonic()
    with pytest.raises(wire.WireError):
        wire.decode(data)
    assert time.monotonic() - start < 0.5


def test_a_bool_tensor_with_a_byte_other_than_0_or_1_is_refused():
    """Does decode refuse a bool tensor whose raw bytes hold a 2?"""
    assert torch.equal(
        wire.decode(tensor_bytes(12, [3], 3, b"\x00\x01\x01")), torch.tensor([False, True, True])
    )
    with pytest.raises(wire.WireError, match="bool"):
        wire.decode(tensor_bytes(12, [3], 3, b"\x00\x02\x01"))


@pytest.mark.parametrize("tag", [b"l", b"t", b"m"])
def test_a_container_count_larger_than_the_bytes_left_is_refused(tag):
    """Does decode refuse a list/tuple/dict claiming more elements than bytes remain?"""
    with pytest.raises(wire.WireError, match="more elements"):
        wire.decode(tag + U32.pack(1000) + b"NN")
    with pytest.raises(wire.WireError, match="more elements"):
        wire.decode(tag + U32.pack(0xFFFFFFFF))


def test_nesting_deeper_than_max_depth_is_refused():
    """Does decode refuse lists nested one deeper than Limits.max_depth, and accept max_depth?"""
    depth = wire.DEFAULT_LIMITS.max_depth
    assert wire.decode(nested_lists(depth)) is not None
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(nested_lists(depth + 1))
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(nested_lists(10_000))
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(nested_lists(4), limits=wire.Limits(max_depth=3))


def test_too_many_values_are_refused():
    """Does decode count values across the whole message against Limits.max_items?"""
    data = wire.encode([None] * 9)  # 10 values with the list itself
    assert wire.decode(data, limits=wire.Limits(max_items=10)) == [None] * 9
    with pytest.raises(wire.WireError, match="too many values"):
        wire.decode(data, limits=wire.Limits(max_items=9))


@pytest.mark.parametrize("code", [0, 13, 255])
def test_an_unknown_dtype_code_is_refused(code):
    """Does decode refuse a tensor whose dtype code is not in the whitelist?"""
    with pytest.raises(wire.WireError, match="unknown dtype code"):
        wire.decode(tensor_bytes(code, [1], 4, b"\x00" * 4))


def test_too_many_dimensions_are_refused():
    """Does decode refuse a tensor with more than max_ndim dimensions (and accept max_ndim)?"""
    ndim = wire.DEFAULT_LIMITS.max_ndim
    got = wire.decode(tensor_bytes(7, [1] * ndim, 1, b"\x05"))
    assert got.shape == (1,) * ndim and got.dtype == torch.int8
    with pytest.raises(wire.WireError, match="dimensions"):
        wire.decode(tensor_bytes(7, [1] * (ndim + 1), 1, b"\x05"))


def test_a_dimension_above_max_dim_is_refused():
    """Does decode refuse a dimension above max_dim, even when another dimension is 0?"""
    big = wire.DEFAULT_LIMITS.max_dim + 1
    with pytest.raises(wire.WireError, match="dimension out of range"):
        wire.decode(tensor_bytes(1, [0, big], 0))
    with pytest.raises(wire.WireError, match="dimension out of range"):
        wire.decode(tensor_bytes(1, [2**64 - 1], 0))


@pytest.mark.parametrize(
    "dims",
    [[0, 1 << 40, 1 << 40], [1 << 40, 1 << 40, 0]],
    ids=["zero-first", "zero-last"],
)
def test_a_zero_size_tensor_whose_other_dims_overflow_is_refused_with_a_wire_error(dims):
    """Does decode refuse a 0-element header whose other dims (each <= max_dim) overflow int64?"""
    with pytest.raises(wire.WireError):
        wire.decode(tensor_bytes(1, dims, 0))


@pytest.mark.parametrize("raw", [b"\xff", b"\xc3", b"a\x80b", b"\xc0\xaf"])
def test_a_string_that_is_not_utf8_is_refused(raw):
    """Does decode refuse a string whose bytes are not UTF-8?"""
    with pytest.raises(wire.WireError, match="UTF-8"):
        wire.decode(b"s" + U32.pack(len(raw)) + raw)


def test_a_dict_with_a_tensor_key_is_refused():
    """Does decode refuse a dict whose key is a tensor (or any non-str, non-int value)?"""
    key = tensor_bytes(1, [1], 4, b"\x00" * 4)
    with pytest.raises(wire.WireError, match="dict key"):
        wire.decode(b"m" + U32.pack(1) + key + b"N")
    for bad_key in (b"T", b"N", b"l" + U32.pack(0), b"d" + b"\x00" * 8):
        with pytest.raises(wire.WireError, match="dict key"):
            wire.decode(b"m" + U32.pack(1) + bad_key + b"N")


@pytest.mark.parametrize("text", [b"", b"-", b"12a", b" 12", b"1_0", b"+5", b"1e5"])
def test_a_malformed_decimal_integer_is_refused(text):
    """Does decode refuse a big-integer text that is not an optional '-' and digits?"""
    with pytest.raises(wire.WireError, match="malformed integer"):
        wire.decode(b"I" + U32.pack(len(text)) + text)


def test_a_decimal_integer_with_two_minus_signs_is_refused_with_a_wire_error():
    """Does decode refuse the big-integer text "--5" with WireError?"""
    with pytest.raises(wire.WireError):
        wire.decode(b"I" + U32.pack(3) + b"--5")


def test_a_decimal_integer_longer_than_the_limit_is_refused():
    """Does decode refuse a big-integer text longer than max_int_digits before reading it?"""
    n = wire.DEFAULT_LIMITS.max_int_digits + 1
    with pytest.raises(wire.WireError, match="too long"):
        wire.decode(b"I" + U32.pack(n) + b"1" * n)


# ---------------------------------------------------------------------------------------------
# Framing over pipes


@pytest.fixture
def pipe():
    read_fd, write_fd = os.pipe()
    fds = {"r": read_fd, "w": write_fd}
    yield fds
    for fd in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass


def close(fds, end):
    os.close(fds[end])
    fds[end] = os.open(os.devnull, os.O_RDONLY)  # keep the fixture's cleanup simple


def test_frames_round_trip_over_a_pipe(pipe):
    """Do consecutive frames (empty ones too) arrive whole and in order?"""
    payloads = [wire.encode({"x": torch.arange(5)}), b"", b"second"]
    for payload in payloads:
        wire.send_frame(pipe["w"], payload)
    got = [wire.recv_frame(pipe["r"]) for _ in payloads]
    assert got == payloads
    assert torch.equal(wire.decode(got[0])["x"], torch.arange(5))


def test_a_frame_larger_than_the_pipe_buffer_arrives_whole_with_deadlines(pipe):
    """Does a 1 MiB frame cross non-blocking fds in pieces and arrive intact?"""
    os.set_blocking(pipe["r"], False)
    os.set_blocking(pipe["w"], False)
    payload = os.urandom(1 << 20)
    errors = []

    def writer():
        try:
            wire.send_frame(pipe["w"], payload, time.monotonic() + 10)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    got = wire.recv_frame(pipe["r"], time.monotonic() + 10)
    thread.join(10)
    assert errors == []
    assert got == payload


def test_recv_frame_refuses_an_oversized_frame_without_reading_it(pipe):
    """Does a header announcing more than max_bytes raise FrameTooLarge at once, body unread?"""
    os.set_blocking(pipe["r"], False)
    os.write(pipe["w"], U64.pack(10**9))
    start = time.monotonic()
    # Trying to read the (absent) body would end in WireTimeout after 2 s instead.
    with pytest.raises(wire.FrameTooLarge) as info:
        wire.recv_frame(pipe["r"], time.monotonic() + 2, max_bytes=1000)
    assert time.monotonic() - start < 1.0
    assert "1000000000" in str(info.value) and "1000" in str(info.value)
    assert isinstance(info.value, wire.WireError)


def test_recv_frame_accepts_a_frame_of_exactly_max_bytes(pipe):
    """Is max_bytes inclusive?"""
    wire.send_frame(pipe["w"], b"x" * 100)
    assert wire.recv_frame(pipe["r"], max_bytes=100) == b"x" * 100


def test_recv_frame_times_out_when_nothing_arrives(pipe):
    """Does recv_frame raise WireTimeout at the deadline when nothing is sent?"""
    os.set_blocking(pipe["r"], False)
    start = time.monotonic()
    with pytest.raises(wire.WireTimeout):
        wire.recv_frame(pipe["r"], start + 0.2)
    elapsed = time.monotonic() - start
    assert 0.15 <= elapsed < 2.0


def test_recv_frame_times_out_on_a_partial_frame(pipe):
    """Does a frame whose body stops half way end in WireTimeout, not a hang?"""
    os.set_blocking(pipe["r"], False)
    os.write(pipe["w"], U64.pack(10) + b"12345")
    with pytest.raises(wire.WireTimeout):
        wire.recv_frame(pipe["r"], time.monotonic() + 0.2)


def test_recv_frame_reports_a_closed_peer(pipe):
    """Does recv_frame raise PeerClosed when the write end is closed (before or mid frame)?"""
    close(pipe, "w")
    with pytest.raises(wire.PeerClosed):
        wire.recv_frame(pipe["r"])


def test_recv_frame_reports_a_peer_that_closed_mid_frame(pipe):
    """Does a frame cut short by the writer closing raise PeerClosed (with a deadline too)?"""
    os.set_blocking(pipe["r"], False)
    os.write(pipe["w"], U64.pack(10) + b"123")
    close(pipe, "w")
    with pytest.raises(wire.PeerClosed):
        wire.recv_frame(pipe["r"], time.monotonic() + 2)


def test_send_frame_reports_a_closed_reader(pipe):
    """Does send_frame raise PeerClosed when nobody will read the pipe any more?"""
    close(pipe, "r")
    with pytest.raises(wire.PeerClosed):
        wire.send_frame(pipe["w"], b"hello")
