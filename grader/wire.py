"""Plain data on the wire between the trusted parent and an untrusted child.

Only these values travel: None, bool, int, float, str, bytes, and lists, tuples and dicts of them,
plus dense tensors as a header (dtype from a whitelist, shape) followed by their raw bytes. Nothing
is ever pickled. The decoder runs in the parent on bytes an attacker controls, so it checks every
length against what is left of the message *before* allocating: a tensor can never be larger than
the bytes that were actually sent (no expand/stride-0 bombs, no compressed payloads).

Frames are an 8-byte big-endian length followed by the payload.
"""

from __future__ import annotations

import ctypes
import os
import select
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from grader.text import clean as clean_text

__all__ = [
    "ErrorKind",
    "FrameTooLarge",
    "Limits",
    "PeerClosed",
    "WireError",
    "WireTimeout",
    "decode",
    "encode",
    "recv_frame",
    "send_frame",
]


class ErrorKind(StrEnum):
    """Why a probe's reply is an error: the ``kind`` of ``{"error": {"kind": ..., ...}}``, set by
    the probes (child side) and turned into a GradingFailure by ``transport.unwrap`` (parent side).
    On the wire as its value (a plain str)."""

    STUDENT = "student"
    """The code raised."""
    NOT_ATTEMPTED = "not_attempted"
    """The stub is still there."""
    MISSING = "missing"
    """A name the item needs is not defined."""
    SECTION = "section"
    """The section's file could not be imported."""
    EXIT = "exit"
    """The code called exit()."""
    INVALID = "invalid"
    """What the code returned breaks the item's contract (or cannot travel)."""
    TAMPERED = "tampered"
    """The code replaced something torch or the grader relies on."""
    INSPECT = "inspect"
    """A returned object misbehaved while the probe inspected it."""
    INTERNAL = "internal"
    """The probe itself failed: the grader's problem."""


class WireError(ValueError):
    """A value cannot be encoded, or received bytes are not a valid message."""


class PeerClosed(EOFError):
    """The other end closed the pipe (for a child: it exited or was killed)."""


class WireTimeout(TimeoutError):
    """The deadline passed before a whole frame could be sent or received."""


class FrameTooLarge(WireError):
    """A frame announced more bytes than the receiver accepts."""


@dataclass(frozen=True)
class Limits:
    """Bounds the decoder enforces on untrusted input."""

    max_depth: int = 48
    """Deepest nesting of lists/tuples/dicts."""
    max_items: int = 2_000_000
    """Total number of values in one message."""
    max_ndim: int = 16
    """Most dimensions a tensor may have."""
    max_dim: int = 1 << 40
    """Largest single dimension (a 0-size tensor still needs sane dims)."""
    max_int_digits: int = 400
    """Longest decimal integer outside the int64 range."""


DEFAULT_LIMITS = Limits()

# dtype code <-> torch dtype name. Codes are part of the protocol: append, never renumber.
_DTYPE_NAMES: dict[int, str] = {
    1: "float32",
    2: "float64",
    3: "float16",
    4: "bfloat16",
    5: "complex64",
    6: "complex128",
    7: "int8",
    8: "int16",
    9: "int32",
    10: "int64",
    11: "uint8",
    12: "bool",
}

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")
_HEADER = struct.Struct(">Q")


def _torch():
    # The already imported module, without going through the import machinery (which code in a
    # child may have replaced); imported lazily because framing is used before torch is loaded.
    torch = sys.modules.get("torch")
    if torch is None:
        import torch
    return torch


# ---------------------------------------------------------------------------------------------
# Encoding (both sides; in the child it meets student objects, so it is strict about types)


def encode(obj: Any, *, max_tensor_bytes: int = 1 << 30) -> bytes:
    """Serialise plain data. Raises WireError naming the first value that is not plain data."""
    out: list[bytes] = []
    try:
        _encode_fast(obj, out, 0, max_tensor_bytes)
    except WireError:
        # Say where: the slower walk that keeps the path raises the same error, with it. (Should
        # it not raise, the value changed in between: report the first error as it was.)
        _encode(obj, [], "result", 0, max_tensor_bytes)
        raise
    return b"".join(out)


_PACK_I64, _PACK_U32, _PACK_F64 = _I64.pack, _U32.pack, _F64.pack


def _encode_fast(obj: Any, out: list[bytes], depth: int, max_tensor_bytes: int) -> None:
    """``_encode`` without the path (built for every value, it cost more than the encoding)."""
    if depth > DEFAULT_LIMITS.max_depth:
        raise WireError("nested too deeply")
    t = type(obj)
    if t is float:
        out.append(b"d" + _PACK_F64(obj))
    elif t is int and -(1 << 63) <= obj < (1 << 63):
        out.append(b"i" + _PACK_I64(obj))
    elif t is str:
        raw = obj.encode("utf-8", "surrogatepass")
        out.append(b"s" + _PACK_U32(len(raw)) + raw)
    elif t is list or t is tuple:
        out.append((b"l" if t is list else b"t") + _PACK_U32(len(obj)))
        for value in obj:
            _encode_fast(value, out, depth + 1, max_tensor_bytes)
    elif t is dict:
        out.append(b"m" + _PACK_U32(len(obj)))
        for key, value in obj.items():
            if type(key) not in (str, int):
                raise WireError("dict key")
            _encode_fast(key, out, depth + 1, max_tensor_bytes)
            _encode_fast(value, out, depth + 1, max_tensor_bytes)
    else:
        _encode(obj, out, "result", depth, max_tensor_bytes)  # the rarer kinds, and errors


def _encode(obj: Any, out: list[bytes], path: str, depth: int, max_tensor_bytes: int) -> None:
    if depth > DEFAULT_LIMITS.max_depth:
        raise WireError(f"{path}: nested too deeply")
    t = type(obj)
    if obj is None:
        out.append(b"N")
    elif t is bool:
        out.append(b"T" if obj else b"F")
    elif t is int:
        if -(1 << 63) <= obj < (1 << 63):
            out.append(b"i" + _I64.pack(obj))
        else:
            # Bound the size before str(): Python refuses to print ints beyond 4300 digits
            # (a decimal digit is about 3.32 bits; the exact digit count is checked below).
            if obj.bit_length() > DEFAULT_LIMITS.max_int_digits * 4:
                raise WireError(f"{path}: integer too large")
            digits = str(obj).encode()
            if len(digits) > DEFAULT_LIMITS.max_int_digits:
                raise WireError(f"{path}: integer too large")
            out.append(b"I" + _U32.pack(len(digits)) + digits)
    elif t is float:
        out.append(b"d" + _F64.pack(obj))
    elif t is str:
        raw = obj.encode("utf-8", "surrogatepass")
        out.append(b"s" + _U32.pack(len(raw)) + raw)
    elif t is bytes:
        out.append(b"b" + _U32.pack(len(obj)) + obj)
    elif t is list or t is tuple:
        out.append((b"l" if t is list else b"t") + _U32.pack(len(obj)))
        for i, value in enumerate(obj):
            _encode(value, out, f"{path}[{i}]", depth + 1, max_tensor_bytes)
    elif t is dict:
        out.append(b"m" + _U32.pack(len(obj)))
        for key, value in obj.items():
            if type(key) not in (str, int):
                raise WireError(f"{path}: dict key of type {type(key).__name__}")
            _encode(key, out, path, depth + 1, max_tensor_bytes)
            _encode(value, out, f"{path}[{key!r}]", depth + 1, max_tensor_bytes)
    else:
        torch = _torch()
        if isinstance(obj, torch.Tensor):
            out.append(_encode_tensor(obj, path, max_tensor_bytes))
        else:
            raise WireError(f"{path}: {t.__name__} is not plain data")


def _encode_tensor(t: Any, path: str, max_tensor_bytes: int) -> bytes:
    torch = _torch()
    # Exact types only: a subclass can override every method we would call on it.
    if type(t) not in (torch.Tensor, torch.nn.Parameter):
        raise WireError(
            f"{path}: an object of type {type(t).__name__} posing as a tensor (a tensor "
            "subclass?); return a plain torch.Tensor"
        )
    if t.layout != torch.strided:
        raise WireError(f"{path}: a {t.layout} tensor; return a dense (strided) tensor")
    if t.is_quantized:
        raise WireError(f"{path}: a quantized tensor; return a dense float tensor")
    if t.is_meta:
        raise WireError(f"{path}: a tensor on the meta device has no values")
    if getattr(t, "is_nested", False):
        raise WireError(f"{path}: a nested tensor; return a dense tensor")
    code = _dtype_codes().get(t.dtype)
    if code is None:
        raise WireError(f"{path}: dtype {t.dtype} is not supported here")
    nbytes = t.numel() * t.element_size()
    if nbytes > max_tensor_bytes:
        raise WireError(f"{path}: tensor of {nbytes} bytes is larger than {max_tensor_bytes}")
    flat = t.detach()
    if flat.is_conj() or flat.is_neg():
        flat = flat.resolve_conj().resolve_neg()
    if flat.device.type != "cpu":
        flat = flat.to("cpu")
    flat = flat.contiguous()
    shape = tuple(flat.shape)
    header = b"X" + bytes((code, len(shape))) + struct.pack(f">{len(shape)}QQ", *shape, nbytes)
    return header + (_raw_bytes(flat, torch) if nbytes else b"")


def _raw_bytes(flat: Any, torch: Any) -> bytes:
    """A contiguous CPU tensor's bytes. Through numpy, not ``ctypes.string_at``: in the sandbox
    child every ctypes call is an audit event the guard decides by walking the stack, and replies
    carry thousands of tensors (tens of microseconds each, a tenth of a child's CPU). numpy has no
    bfloat16: those go as the int16 of the same bits. ``ctypes`` only where numpy is missing."""
    if flat.dtype is torch.bfloat16:
        flat = flat.view(torch.int16)
    try:
        return flat.numpy().tobytes()
    except (RuntimeError, TypeError):  # torch built or installed without numpy
        return ctypes.string_at(flat.data_ptr(), flat.numel() * flat.element_size())


_CODE_BY_DTYPE: dict[Any, int] = {}


def _dtype_codes() -> dict[Any, int]:
    """torch dtype -> code (built on first use: framing runs before torch is imported)."""
    if not _CODE_BY_DTYPE:
        torch = _torch()
        _CODE_BY_DTYPE.update({getattr(torch, n): c for c, n in _DTYPE_NAMES.items()})
    return _CODE_BY_DTYPE


# ---------------------------------------------------------------------------------------------
# Decoding (the parent's side: input is untrusted)
#
# One recursive function over an immutable ``bytes`` and an integer position: every node is a
# handful of local operations (about 3x faster than a reader object with a method per field).
# Every length is checked against what is left before anything is read or allocated.

_TRUNCATED = "message is truncated"


def decode(
    data: bytes | bytearray | memoryview, *, limits: Limits = DEFAULT_LIMITS, trusted: bool = False
) -> Any:
    """Rebuild plain data from bytes an untrusted peer sent. Raises WireError on anything off.

    Every string is normalised by ``grader.text.clean`` (no lone surrogates, controls or escape
    sequences reach feedback or exports), except with ``trusted``: what the parent sends a child
    (a section's source text may hold a form feed) is kept exactly.
    """
    buf = data if type(data) is bytes else bytes(data)
    counter = [0]
    text_of = _keep if trusted else clean_text
    try:
        value, pos = _decode(buf, 0, 0, limits, counter, text_of)
    except WireError:
        raise
    except (ValueError, RuntimeError, OverflowError, MemoryError, struct.error) as exc:
        # Whatever else hostile bytes provoke (torch refusing a shape, int() refusing digits) is
        # still a malformed message, never a crash of the grader.
        raise WireError(f"malformed message ({type(exc).__name__}: {str(exc)[:200]})") from None
    if pos != len(buf):
        raise WireError("trailing bytes after the message")
    return value


# Tags as byte values (buf[pos] is an int).
_N, _T, _F, _i, _I, _d, _s, _b, _l, _t, _m, _X = b"NTFiIdsbltmX"


def _count(buf: bytes, pos: int) -> tuple[int, int]:
    """A container's element count; each element needs at least one byte, so a count larger
    than what is left is a lie."""
    end = pos + 4
    if end > len(buf):
        raise WireError(_TRUNCATED)
    (n,) = _U32.unpack_from(buf, pos)
    if n > len(buf) - end:
        raise WireError("container claims more elements than the message holds")
    return n, end


def _keep(text: str) -> str:
    return text


def _decode(
    buf: bytes,
    pos: int,
    depth: int,
    limits: Limits,
    counter: list[int],
    text_of: Callable[[str], str],
) -> Any:
    if depth > limits.max_depth:
        raise WireError("nested too deeply")
    counter[0] += 1
    if counter[0] > limits.max_items:
        raise WireError("too many values in one message")
    size = len(buf)
    if pos >= size:
        raise WireError(_TRUNCATED)
    tag = buf[pos]
    pos += 1
    if tag == _i or tag == _d:
        end = pos + 8
        if end > size:
            raise WireError(_TRUNCATED)
        return (_I64 if tag == _i else _F64).unpack_from(buf, pos)[0], end
    if tag == _s or tag == _b or tag == _I:
        if pos + 4 > size:
            raise WireError(_TRUNCATED)
        (n,) = _U32.unpack_from(buf, pos)
        pos += 4
        if tag == _I and n > limits.max_int_digits:
            raise WireError("integer too long")
        end = pos + n
        if end > size:
            raise WireError(_TRUNCATED)
        raw = buf[pos:end]
        if tag == _s:
            try:
                text = str(raw, "utf-8", "surrogatepass")
            except UnicodeDecodeError as exc:
                raise WireError("string is not UTF-8") from exc
            # Normalised here, once, for everything downstream (feedback, exports, terminals).
            return text_of(text), end
        if tag == _b:
            return raw, end
        if not (raw.isdigit() or (raw[:1] == b"-" and raw[1:].isdigit())):
            raise WireError("malformed integer")
        return int(raw), end
    if tag == _l or tag == _t:
        n, pos = _count(buf, pos)
        values = []
        for _ in range(n):
            value, pos = _decode(buf, pos, depth + 1, limits, counter, text_of)
            values.append(value)
        return (values if tag == _l else tuple(values)), pos
    if tag == _m:
        n, pos = _count(buf, pos)
        result: dict[Any, Any] = {}
        for _ in range(n):
            key, pos = _decode(buf, pos, depth + 1, limits, counter, text_of)
            if type(key) not in (str, int):
                raise WireError("dict key is not a str or int")
            result[key], pos = _decode(buf, pos, depth + 1, limits, counter, text_of)
        return result, pos
    if tag == _N:
        return None, pos
    if tag == _T:
        return True, pos
    if tag == _F:
        return False, pos
    if tag == _X:
        return _decode_tensor(buf, pos, limits)
    raise WireError(f"unknown tag {bytes((tag,))!r}")


def _decode_tensor(buf: bytes, pos: int, limits: Limits) -> tuple[Any, int]:
    size = len(buf)
    if pos + 2 > size:
        raise WireError(_TRUNCATED)
    code, ndim = buf[pos], buf[pos + 1]
    pos += 2
    name = _DTYPE_NAMES.get(code)
    if name is None:
        raise WireError(f"unknown dtype code {code}")
    if ndim > limits.max_ndim:
        raise WireError(f"tensor with {ndim} dimensions")
    if pos + 8 * ndim + 8 > size:
        raise WireError(_TRUNCATED)
    shape = list(struct.unpack_from(f">{ndim}Q", buf, pos))
    pos += 8 * ndim
    if any(dim > limits.max_dim for dim in shape):
        raise WireError("tensor dimension out of range")
    numel = 1
    for dim in shape:
        numel *= dim
    torch = _torch()
    dtype = getattr(torch, name)
    itemsize = dtype.itemsize
    (nbytes,) = _U64.unpack_from(buf, pos)
    pos += 8
    if nbytes != numel * itemsize:
        raise WireError(f"tensor header says {numel} x {itemsize} bytes but carries {nbytes}")
    end = pos + nbytes
    if end > size:  # fewer bytes were sent than announced: memory is bounded by the message
        raise WireError(_TRUNCATED)
    if numel == 0:
        return torch.empty(shape, dtype=dtype), end
    if dtype == torch.bool:
        flat = torch.frombuffer(bytearray(buf[pos:end]), dtype=torch.uint8)
        if bool((flat > 1).any()):
            raise WireError("bool tensor holds bytes other than 0 and 1")
        return flat.view(dtype).reshape(shape), end
    # A fresh bytearray is the tensor's own memory (malloc-aligned for every dtype here).
    return torch.frombuffer(bytearray(buf[pos:end]), dtype=dtype).reshape(shape), end


# ---------------------------------------------------------------------------------------------
# Framing over pipes


def send_frame(fd: int, payload: bytes, deadline: float | None = None) -> None:
    """Write one frame. With a deadline the fd must be non-blocking; raises WireTimeout."""
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        if deadline is not None:
            _wait(fd, select.POLLOUT, deadline)
        try:
            n = os.write(fd, data)
        except BlockingIOError:
            continue
        except BrokenPipeError as exc:
            raise PeerClosed("the other end closed the pipe") from exc
        data = data[n:]


def recv_frame(fd: int, deadline: float | None = None, max_bytes: int = 1 << 28) -> bytes:
    """Read one frame. Raises PeerClosed, WireTimeout or FrameTooLarge (without reading it)."""
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if length > max_bytes:
        raise FrameTooLarge(f"a reply of {length} bytes exceeds the limit of {max_bytes}")
    return _read_exactly(fd, length, deadline)


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        if deadline is not None:
            _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.read(fd, min(n - len(chunks), 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise PeerClosed("the other end closed the pipe")
        chunks += chunk
    return bytes(chunks)


def _wait(fd: int, event: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(fd, event)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WireTimeout("deadline passed")
        ready = poller.poll(remaining * 1000)
        if ready:
            # POLLHUP/POLLERR are handled by the read/write that follows (EOF or EPIPE).
            return
