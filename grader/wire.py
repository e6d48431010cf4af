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
from dataclasses import dataclass
from typing import Any

__all__ = [
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
_CODE_BY_NAME = {name: code for code, name in _DTYPE_NAMES.items()}

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
    _encode(obj, out, "result", 0, max_tensor_bytes)
    return b"".join(out)


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
    name = str(t.dtype).removeprefix("torch.")
    code = _CODE_BY_NAME.get(name)
    if code is None:
        raise WireError(f"{path}: dtype {t.dtype} is not supported here")
    nbytes = t.numel() * t.element_size()
    if nbytes > max_tensor_bytes:
        raise WireError(f"{path}: tensor of {nbytes} bytes is larger than {max_tensor_bytes}")
    with torch.no_grad():
        flat = t.detach().resolve_conj().resolve_neg().to("cpu").contiguous()
    header = bytearray(b"X")
    header += bytes((code, flat.dim()))
    for size in flat.shape:
        header += _U64.pack(size)
    header += _U64.pack(nbytes)
    raw = ctypes.string_at(flat.data_ptr(), nbytes) if nbytes else b""
    return bytes(header) + raw


# ---------------------------------------------------------------------------------------------
# Decoding (the parent's side: input is untrusted)


class _Reader:
    __slots__ = ("buf", "items", "limits", "pos")

    def __init__(self, buf: memoryview, limits: Limits) -> None:
        self.buf = buf
        self.pos = 0
        self.items = 0
        self.limits = limits

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise WireError("message is truncated")
        view = self.buf[self.pos : self.pos + n]
        self.pos += n
        return view

    def u32(self) -> int:
        return _U32.unpack(self.take(4))[0]

    def u64(self) -> int:
        return _U64.unpack(self.take(8))[0]

    def count(self) -> int:
        n = self.u32()
        # Each element needs at least one byte: a count larger than what is left is a lie.
        if n > len(self.buf) - self.pos:
            raise WireError("container claims more elements than the message holds")
        return n


def decode(data: bytes | bytearray | memoryview, *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Rebuild plain data from bytes an untrusted peer sent. Raises WireError on anything off."""
    reader = _Reader(memoryview(data), limits)
    try:
        value = _decode(reader, 0)
    except WireError:
        raise
    except (ValueError, RuntimeError, OverflowError, MemoryError, struct.error) as exc:
        # Whatever else hostile bytes provoke (torch refusing a shape, int() refusing digits) is
        # still a malformed message, never a crash of the grader.
        raise WireError(f"malformed message ({type(exc).__name__}: {str(exc)[:200]})") from None
    if reader.pos != len(reader.buf):
        raise WireError("trailing bytes after the message")
    return value


def _decode(r: _Reader, depth: int) -> Any:
    if depth > r.limits.max_depth:
        raise WireError("nested too deeply")
    r.items += 1
    if r.items > r.limits.max_items:
        raise WireError("too many values in one message")
    tag = bytes(r.take(1))
    if tag == b"N":
        return None
    if tag == b"T":
        return True
    if tag == b"F":
        return False
    if tag == b"i":
        return _I64.unpack(r.take(8))[0]
    if tag == b"I":
        n = r.u32()
        if n > r.limits.max_int_digits:
            raise WireError("integer too long")
        text = bytes(r.take(n))
        if not (text.isdigit() or (text[:1] == b"-" and text[1:].isdigit())):
            raise WireError("malformed integer")
        return int(text)
    if tag == b"d":
        return _F64.unpack(r.take(8))[0]
    if tag == b"s":
        raw = r.take(r.u32())
        try:
            return str(raw, "utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise WireError("string is not UTF-8") from exc
    if tag == b"b":
        return bytes(r.take(r.u32()))
    if tag in (b"l", b"t"):
        n = r.count()
        values = [_decode(r, depth + 1) for _ in range(n)]
        return values if tag == b"l" else tuple(values)
    if tag == b"m":
        n = r.count()
        result: dict[Any, Any] = {}
        for _ in range(n):
            key = _decode(r, depth + 1)
            if type(key) not in (str, int):
                raise WireError("dict key is not a str or int")
            result[key] = _decode(r, depth + 1)
        return result
    if tag == b"X":
        return _decode_tensor(r)
    raise WireError(f"unknown tag {tag!r}")


def _decode_tensor(r: _Reader) -> Any:
    code = r.take(1)[0]
    name = _DTYPE_NAMES.get(code)
    if name is None:
        raise WireError(f"unknown dtype code {code}")
    ndim = r.take(1)[0]
    if ndim > r.limits.max_ndim:
        raise WireError(f"tensor with {ndim} dimensions")
    shape = [r.u64() for _ in range(ndim)]
    if any(size > r.limits.max_dim for size in shape):
        raise WireError("tensor dimension out of range")
    numel = 1
    for size in shape:
        numel *= size
    torch = _torch()
    dtype = getattr(torch, name)
    itemsize = torch.empty((), dtype=dtype).element_size()
    nbytes = r.u64()
    if nbytes != numel * itemsize:
        raise WireError(f"tensor header says {numel} x {itemsize} bytes but carries {nbytes}")
    raw = r.take(nbytes)  # raises if fewer bytes were sent: memory is bounded by the message
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    if dtype == torch.bool and bool((flat > 1).any()):
        raise WireError("bool tensor holds bytes other than 0 and 1")
    return flat.view(dtype).reshape(shape)


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
