"""The parent's own reader of torch.save files (grader/torchfile.py): where it reads a file, it
must say exactly what the verifier child (torch.load(weights_only=True), then describe_object)
says; everything else it must leave to the verifier (NotRead), hostile files first."""

from __future__ import annotations

import collections
import io
import math
import pickle
import re
import struct
import time
import warnings
import zipfile
import zlib
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import objects, torchfile, wire
from grader.probes import PROBES, import_all

import_all()
VERIFIER = PROBES["serialization.describe_files"]


def saved(obj: Any, **options: Any) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(obj, buffer, **options)
    return buffer.getvalue()


def as_sent(reports: list[dict[str, Any]]) -> Any:
    """A reply as the parent gets it (through the wire, strings normalised)."""
    return wire.decode(wire.encode({"ok": reports}))["ok"]


def by_verifier(files: list[bytes]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return as_sent(VERIFIER(None, files))


def same(a: Any, b: Any) -> bool:
    """Equal replies, tensors bit for bit."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (
            isinstance(a, torch.Tensor)
            and isinstance(b, torch.Tensor)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and torch.equal(a, b)
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


# -- what it reads, it reads as the verifier does -------------------------------------------------


@st.composite
def tensors(draw: Any) -> torch.Tensor:
    dtype = draw(st.sampled_from(objects.SAVABLE_DTYPES))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    itemsize = getattr(torch, dtype).itemsize
    seed = draw(st.integers(0, 2**31))
    raw = torch.randint(
        0,
        256,
        (math.prod(shape) * itemsize,),
        generator=torch.Generator().manual_seed(seed),
        dtype=torch.uint8,
    )
    if dtype == "bool":
        raw = raw % 2
    spec = {
        "dtype": dtype,
        "shape": shape,
        "raw": raw,
        "view": draw(st.sampled_from(objects.VIEWS)),
    }
    tensor = objects.make_leaf(spec)
    if tensor.is_floating_point() and dtype in ("float32", "float64") and draw(st.booleans()):
        return torch.nn.Parameter(tensor.clone(), requires_grad=draw(st.booleans()))
    return tensor


PLAIN = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.sampled_from([torch.float32, torch.int64, torch.bfloat16]),
)
KEYS = st.one_of(st.text(max_size=4), st.integers(-3, 300))


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(KEYS, children, max_size=3),
        st.dictionaries(KEYS, children, max_size=3).map(collections.OrderedDict),
    )


saveable = st.recursive(st.one_of(tensors(), PLAIN), _containers, max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(obj=saveable)
def test_what_it_reads_it_reads_as_the_verifier_does(obj: Any) -> None:
    """For objects of every savable dtype and view, Parameters, OrderedDicts, numbers, strings,
    dtypes and str/int keys, is the parent's reply (after the wire) the verifier's, bit for bit?"""
    files = [saved(obj)]
    try:
        mine = as_sent(torchfile.describe_files(files))
    except torchfile.NotRead as exc:  # only what is outside its part may be left to the verifier
        assert "too large" not in str(exc)
        pytest.fail(f"an ordinary object was not read: {exc}")
    assert same(mine, by_verifier(files))


def test_shared_storages_state_dicts_and_parameters_read_as_the_verifier_does() -> None:
    """Views of one storage, a state_dict (its _metadata set by BUILD), the same with
    keep_vars (Parameters), and the 30-dtype dict the checks draw."""
    base = torch.arange(12.0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    every = {
        name: torch.arange(64, dtype=torch.uint8).view(getattr(torch, name))[1:3]
        for name in objects.SAVABLE_DTYPES
    }
    cases = [
        [base, base[2:], base.view(3, 4).t(), base[:1].expand(5)],
        net.state_dict(),
        net.state_dict(keep_vars=True),
        every,
    ]
    files = [saved(case) for case in cases]
    assert same(as_sent(torchfile.describe_files(files)), by_verifier(files))


# -- what it leaves to the verifier -----------------------------------------------------------------


def archive(pickled: bytes, records: dict[str, bytes] | None = None) -> bytes:
    """A file laid out as torch.save lays it out (written by torch's own zip writer), holding
    ``pickled`` as data.pkl."""
    buffer = io.BytesIO()
    writer = torch._C.PyTorchFileWriter(buffer, True, 64)
    written = {
        "data.pkl": pickled,
        ".format_version": b"1",
        ".storage_alignment": b"64",
        "byteorder": b"little",
        **(records or {}),
    }
    for name, data in written.items():
        writer.write_record(name, data, len(data))
    writer.write_end_of_file()
    return buffer.getvalue()


def zipped(pickled: bytes, **zip_options: Any) -> bytes:
    """The same records written by Python's zipfile instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", **zip_options) as z:
        z.writestr("archive/data.pkl", pickled)
        z.writestr("archive/byteorder", b"little")
        z.writestr("archive/version", b"3\n")
    return buffer.getvalue()


def patched(file: bytes, old: bytes, new: bytes) -> bytes:
    """``file`` with the first run of ``old`` (in a header) replaced by ``new``, as long."""
    assert len(old) == len(new) and old in file, old
    return file.replace(old, new, 1)


def with_record(file: bytes, name: str, content: bytes) -> bytes:
    """``file`` with record ``name`` holding ``content`` (same length), its CRC mended."""
    z = zipfile.ZipFile(io.BytesIO(file))
    old = z.read(f"archive/{name}")
    assert len(old) == len(content)
    crc_old = struct.pack("<I", z.getinfo(f"archive/{name}").CRC)
    crc_new = struct.pack("<I", zlib.crc32(content))
    info = z.getinfo(f"archive/{name}")
    start = file.index(old, info.header_offset)
    file = file[:start] + content + file[start + len(old) :]
    return file.replace(crc_old, crc_new)


def data_pkl(file: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(file)).read("archive/data.pkl")


def storages(file: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(file))
    return {
        n.removeprefix("archive/"): z.read(n) for n in z.namelist() if n.startswith("archive/data/")
    }


def rewritten(obj: Any, old: bytes, new: bytes, storage: dict[str, bytes] | None = None) -> bytes:
    """torch.save's file of ``obj`` with ``old`` replaced by ``new`` in its pickle."""
    file = saved(obj)
    pickled = data_pkl(file)
    assert old in pickled
    return archive(pickled.replace(old, new), storage if storage is not None else storages(file))


def test_the_crafted_archives_are_read_when_nothing_is_changed() -> None:
    """The helpers make files it reads (so each NotRead below is about its one change)."""
    plain = {"a": [1, 2.5, None, "x"], "b": (True,)}
    assert torchfile.read(archive(pickle.dumps(plain, protocol=2))) == plain
    obj = {"w": torch.arange(4.0)}
    again = torchfile.read(rewritten(obj, b"FloatStorage", b"FloatStorage"))
    assert torch.equal(again["w"], obj["w"])


HUGE = torch.ones(1).expand(10**9)


def _deep(levels: int) -> bytes:
    """A list holding itself twice, ``levels`` times over: 2**levels uses of a few bytes."""
    ops = [b"\x80\x02]q\x00"]
    for i in range(1, levels + 1):
        ops.append(b"]q" + bytes([i]) + b"(h" + bytes([i - 1]) + b"h" + bytes([i - 1]) + b"e")
    return b"".join(ops) + b"."


NOT_READ = {
    "pickle protocol 3": lambda: saved({"a": torch.ones(2)}, pickle_protocol=3),
    "pickle protocol 4": lambda: saved({"a": torch.ones(2)}, pickle_protocol=4),
    "legacy (not zip) format": lambda: saved(
        {"a": torch.ones(2)}, _use_new_zipfile_serialization=False
    ),
    "a torch.Size": lambda: saved(torch.Size([2, 3])),
    "a call of os.system": lambda: archive(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R."),
    "a call of builtins.eval": lambda: archive(
        b"\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R."
    ),
    "OrderedDict called with items": lambda: archive(b"\x80\x02ccollections\nOrderedDict\n]\x85R."),
    "a list that holds itself": lambda: archive(b"\x80\x02]q\x00h\x00a."),
    "2**40 uses of one list": lambda: archive(_deep(40)),
    "a view of 10**9 elements": lambda: saved(HUGE),
    "a view past its storage": lambda: rewritten(torch.arange(4.0), b"K\x04\x85", b"K\x09\x85"),
    "a view of an empty storage": lambda: rewritten(
        torch.arange(4.0), b"K\x04t", b"K\x00t", {"data/0": b""}
    ),
    "a storage record shorter than its size": lambda: rewritten(
        torch.arange(4.0), b"FloatStorage", b"FloatStorage", {"data/0": b"\x00" * 8}
    ),
    "an int tensor that requires grad": lambda: rewritten(
        torch.ones(3, requires_grad=True), b"FloatStorage", b"IntStorage"
    ),
    "backward hooks": lambda: _with_hooks(),
    "two data.pkl but for case": lambda: archive(
        pickle.dumps({"a": 1}, protocol=2), {"DATA.pkl": pickle.dumps({"a": 2}, protocol=2)}
    ),
    "a record name with a NUL": lambda: archive(
        pickle.dumps({"a": 1}, protocol=2), {"data/0@NUL@x": b""}
    ).replace(b"@NUL@", b"\x00\x00\x00\x00\x00"),
    "an archive zipfile wrote": lambda: zipped(pickle.dumps({"a": 1}, protocol=2)),
    "a compressed record": lambda: zipped(
        pickle.dumps({"a": 1}, protocol=2), compression=zipfile.ZIP_DEFLATED
    ),
    "a multi-disk end record": lambda: _end_record(saved({"a": 1}), disk=1),
    "an encryption flag in the directory": lambda: patched(
        saved({"a": 1}),
        b"PK\x01\x02\x00\x00\x00\x00\x08\x08",
        b"PK\x01\x02\x00\x00\x00\x00\x09\x08",
    ),
    "a zip comment": lambda: _commented(archive(pickle.dumps({"a": 1}, protocol=2))),
    "bytes before the archive": lambda: b"#!" + archive(pickle.dumps({"a": 1}, protocol=2)),
    "a damaged record (CRC)": lambda: _damaged(saved({"a": torch.arange(8.0)})),
    "a truncated pickle": lambda: archive(pickle.dumps({"a": [1, 2, 3]}, protocol=2)[:-3]),
    "version 2": lambda: with_record(saved({"a": 1}), "version", b"2\n"),
    "another storage alignment": lambda: with_record(saved({"a": 1}), ".storage_alignment", b"32"),
    "BUILD on a list": lambda: archive(b"\x80\x02]}b."),
    "a storage as a value": lambda: archive(
        b"\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000"
        b"X\x03\x00\x00\x00cpuK\x00tQ.",
        {"data/0": b""},
    ),
}


def _with_hooks() -> bytes:
    """A tensor whose backward_hooks OrderedDict holds an entry."""
    file = saved(torch.ones(2))
    pickled = data_pkl(file)
    empty = b"ccollections\nOrderedDict\nq\x08)Rq\t"
    assert empty in pickled, pickled
    filled = empty + b"K\x01K\x02s"
    return archive(pickled.replace(empty, filled), storages(file))


def _end_record(file: bytes, disk: int) -> bytes:
    return file[:-22] + file[-22:-18] + struct.pack("<H", disk) + file[-16:]


def _commented(file: bytes) -> bytes:
    return file[:-2] + b"\x02\x00hi"


def _damaged(file: bytes) -> bytes:
    at = file.index(struct.pack("<f", 5.0))  # a value of the stored arange(8.0)
    return file[:at] + b"\x01" + file[at + 1 :]


WHY = {
    "pickle protocol 3": "protocol other than 2",
    "pickle protocol 4": "protocol other than 2",
    "legacy (not zip) format": "not a zip archive",
    "a torch.Size": "global torch.Size",
    "a call of os.system": "global os.system",
    "a call of builtins.eval": "global builtins.eval",
    "OrderedDict called with items": "OrderedDict called with arguments",
    "a list that holds itself": "a cycle",
    "2**40 uses of one list": "too large or too deep",
    "a view of 10**9 elements": "tensors too large",
    "a view past its storage": "past the end of its storage",
    "a view of an empty storage": "past the end of its storage",
    "a storage record shorter than its size": "record of another size",
    "an int tensor that requires grad": "torch refuses requires_grad",
    "backward hooks": "backward hooks",
    "two data.pkl but for case": "two records of one name",
    "a record name with a NUL": "named otherwise",
    "an archive zipfile wrote": "zip64 locator",
    "a compressed record": "zip64 locator",
    "a multi-disk end record": "its end record",
    "an encryption flag in the directory": "a directory entry torch.save does not write",
    "a zip comment": "its end record",
    "bytes before the archive": "zip64 locator",
    "a damaged record (CRC)": "CRC",
    "a truncated pickle": "ends early",
    "version 2": "another version",
    "another storage alignment": "another .storage_alignment",
    "BUILD on a list": "BUILD of something other",
    "a storage as a value": "_Storage in the object",
}
"""What each case must be refused for (so that none passes for another, accidental reason)."""


@pytest.mark.parametrize("case", list(NOT_READ))
def test_what_it_does_not_read_is_left_to_the_verifier(case: str) -> None:
    """Is every file outside its part (other formats, other globals, calls, cycles, bombs,
    out-of-bounds views, damaged or unusual archives) NotRead, for its own reason, and quickly?"""
    file = NOT_READ[case]()
    started = time.monotonic()
    with pytest.raises(torchfile.NotRead, match=re.escape(WHY[case])):
        torchfile.describe_files([saved({"fine": torch.ones(1)}), file])
    assert time.monotonic() - started < 5, "bounded work, even for a bomb"


@settings(max_examples=300, deadline=None)
@given(
    obj=saveable,
    changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_a_damaged_pickle_it_still_reads_is_one_torch_reads_the_same(
    obj: Any, changes: list[tuple[int, int]]
) -> None:
    """With bytes of data.pkl changed at random (the storages kept): whenever the reader still
    reads the file, does torch.load(weights_only=True) read it too, and describe it the same?
    (Its part must be a strict part of torch's: a file torch refuses must never be read here.)"""
    file = saved(obj)
    pickled = bytearray(data_pkl(file))
    for at, value in changes:
        pickled[at % len(pickled)] = value
    read_the_same_if_read(archive(bytes(pickled), storages(file)))


def read_the_same_if_read(file: bytes) -> None:
    """If the reader reads ``file``, torch.load(weights_only=True) reads it, and the same."""
    try:
        mine = as_sent(torchfile.describe_files([file]))
    except torchfile.NotRead:
        return
    theirs = by_verifier([file])
    assert theirs[0]["error"] is None, f"torch refused what the reader read: {theirs[0]['error']}"
    assert same(mine, theirs)


@settings(max_examples=300, deadline=None)
@given(
    obj=saveable,
    changes=st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_a_damaged_archive_it_still_reads_is_one_torch_reads_the_same(
    obj: Any, changes: list[tuple[int, int]]
) -> None:
    """With bytes anywhere in the file changed at random (headers, directory, end records,
    records): whenever the reader still reads it, does torch.load read it the same? (zipfile
    accepted what torch's reader refuses, a multi-disk end record say: the reader checks the
    whole layout itself.)"""
    file = bytearray(saved(obj))
    for at, value in changes:
        file[at % len(file)] = value
    read_the_same_if_read(bytes(file))
