"""Checks for the ``serialization`` section: each compares the submission with torch.save/torch.load.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here) ->
compare. Docstring line 1 is the property; "Catches:" names the mistake it exists for, kept as a
mutant in tests/mutants/serialization/.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import specs, training
from grader import strategies as gs
from grader.compare import Expect
from grader.errors import SAFE_EXCEPTION_NAMES, describe
from grader.marker import check
from grader.objects import SAVABLE_DTYPES, VIEWS, build_object, describe_object
from grader.submission import ProcessEnded, Submission

# -- what the child says, made safe to show -------------------------------------------------------
# Feedback repeats no free text from the child (it could echo hidden inputs): type and exception
# names from fixed lists, keys and dtypes only where the grader knows them.

SAFE_TYPES = frozenset(
    {"Tensor", "Parameter", "list", "tuple", "dict", "OrderedDict", "NoneType", "int", "float"}
    | {"str", "bool", "bytes", "Sequential", "_IncompatibleKeys"}
)


def safe_type(name: str) -> str:
    return name if name in SAFE_TYPES else "object of another type"


def safe_error(error: dict[str, str] | None) -> str:
    if error is None:
        return "no exception"
    name = error["type"]
    return (
        name if name in SAFE_EXCEPTION_NAMES | {"UnpicklingError", "EOFError"} else "an exception"
    )


def safe_keys(keys: list[str], known: list[str]) -> list[str]:
    return [k if k in known else "<another key>" for k in keys]


def safe_dtype(name: str) -> str:
    return name if isinstance(getattr(torch, name, None), torch.dtype) else "another dtype"


# -- nested objects of tensors -------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A drawn tensor: dtype, base shape, raw bytes and the view taken of it."""

    spec: dict[str, Any]

    def describe(self) -> str:
        shape = tuple(self.spec["shape"])
        view = {
            "none": "",
            "transpose": " transposed",
            "step": " [::2]",
            "offset": " [1:]",
            "expand": " expanded",
        }
        applies = {
            "none": True,
            "transpose": len(shape) >= 2,
            "step": len(shape) >= 1,
            "offset": len(shape) >= 1,
            "expand": True,
        }
        kind = self.spec["view"]
        return f"{self.spec['dtype']} {shape}{view[kind] if applies[kind] else ''}"


@st.composite
def leaves(draw: Any, dtypes: tuple[str, ...] = SAVABLE_DTYPES, max_ndim: int = 3) -> Leaf:
    """A tensor of a savable dtype, 0 to ``max_ndim`` dimensions of 0 to 4, maybe a view."""
    dtype_name = draw(st.sampled_from(dtypes))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=max_ndim)))
    view = draw(st.sampled_from(VIEWS))
    seed = draw(gs.seeds())
    itemsize = getattr(torch, dtype_name).itemsize
    generator = torch.Generator().manual_seed(seed)
    raw = torch.randint(
        0, 256, (math.prod(shape) * itemsize,), generator=generator, dtype=torch.uint8
    )
    if dtype_name == "bool":
        raw = raw % 2
    return Leaf({"dtype": dtype_name, "shape": shape, "raw": raw, "view": view})


KEYS = st.text(alphabet="abcxyz_.0", min_size=1, max_size=4)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(KEYS, children, max_size=3),
    )


nested = st.recursive(leaves(), _containers, max_leaves=6)


@dataclass(frozen=True)
class Objects:
    """Drawn objects as sent to the probe: trees whose int leaves index ``leaves``."""

    trees: list[Any]
    leaves: list[dict[str, Any]]
    described: list[str]

    def describe(self) -> str:
        if len(self.described) == 1:
            return self.described[0]
        return ", ".join(f"object #{i + 1} = {d}" for i, d in enumerate(self.described))


def objects_of(drawn: list[Any]) -> Objects:
    found: list[dict[str, Any]] = []

    def flatten(value: Any) -> Any:
        if isinstance(value, Leaf):
            found.append(value.spec)
            return len(found) - 1
        if isinstance(value, list):
            return [flatten(v) for v in value]
        if isinstance(value, tuple):
            return tuple(flatten(v) for v in value)
        return {k: flatten(v) for k, v in value.items()}

    def words(value: Any) -> str:
        if isinstance(value, Leaf):
            return f"tensor {value.describe()}"
        if isinstance(value, list):
            return "[" + ", ".join(words(v) for v in value) + "]"
        if isinstance(value, tuple):
            return "(" + ", ".join(words(v) for v in value) + ("," if len(value) == 1 else "") + ")"
        return "{" + ", ".join(f"{k!r}: {words(v)}" for k, v in value.items()) + "}"

    trees = [flatten(v) for v in drawn]
    return Objects(trees, found, [words(v) for v in drawn])


def reference(tree: Any, leaf_specs: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    """The object given to save, described as the probe describes what load returned.

    torch.save/torch.load(weights_only=True) give back exactly this (structure, dtype, shape and
    bytes); describing the original spares a round trip through a file per object."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ComplexHalf support is experimental"
        return describe_object(build_object(tree, leaf_specs))


def pytorch_file(value: Any, **save_options: Any) -> bytes:
    """The bytes torch.save writes for ``value`` (built here, in the grading process): the file a
    submission's load must read. The grader never torch.loads what a child sent."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(value, buffer, **save_options)
    return buffer.getvalue()


def well_formed(node: Any, leaf_count: int, depth: int = 0) -> bool:
    """Whether a reply's tree has the form describe_object gives (a child could send another)."""
    if type(node) is not list or len(node) != 2 or depth > 40:
        return False
    kind, body = node
    if kind in ("list", "tuple"):
        return type(body) is list and all(well_formed(c, leaf_count, depth + 1) for c in body)
    if kind in DICT_KINDS:
        return type(body) is list and all(
            type(e) is list
            and len(e) == 2
            and type(e[0]) is str
            and well_formed(e[1], leaf_count, depth + 1)
            for e in body
        )
    if kind == "tensor":
        return type(body) is int and 0 <= body < leaf_count
    return kind == "other" and type(body) is str


DICT_KINDS = ("dict", "OrderedDict")


def _kind(node: list[Any]) -> str:
    kind = node[0]
    return f"a {safe_type(str(node[1]))}" if kind == "other" else f"a {safe_type(str(kind))}"


def compare_trees(
    expect: Expect,
    path: str,
    expected: Any,
    exp_leaves: list[dict[str, Any]],
    got: Any,
    got_leaves: list[dict[str, Any]],
    device: str,
    hint: str,
) -> None:
    """Structure (container types, lengths, keys), then each tensor: type, dtype, shape, device, values."""
    if expected[0] != got[0] or (expected[0] == "other" and expected[1] != got[1]):
        expect.add(path, "type", _kind(expected), _kind(got), hint=hint)
        return
    kind = expected[0]
    if kind in ("list", "tuple"):
        if len(expected[1]) != len(got[1]):
            expect.add(path, "length", str(len(expected[1])), str(len(got[1])), hint=hint)
            return
        for index, (e, g) in enumerate(zip(expected[1], got[1])):
            compare_trees(expect, f"{path}[{index}]", e, exp_leaves, g, got_leaves, device, hint)
    elif kind in DICT_KINDS:
        exp_keys = [k for k, _ in expected[1]]
        got_keys = [k for k, _ in got[1]]
        if exp_keys != got_keys:
            expect.add(path, "keys", repr(exp_keys), repr(safe_keys(got_keys, exp_keys)), hint=hint)
            return
        for (key, e), (_, g) in zip(expected[1], got[1]):
            compare_trees(expect, f"{path}[{key!r}]", e, exp_leaves, g, got_leaves, device, hint)
    elif kind == "tensor":
        compare_leaf(expect, path, exp_leaves[expected[1]], got_leaves[got[1]], device, hint)


def compare_leaf(
    expect: Expect,
    path: str,
    expected: dict[str, Any],
    got: dict[str, Any],
    device: str,
    hint: str,
) -> None:
    shown = {
        "type": safe_type(got["type"]),
        "dtype": safe_dtype(got["dtype"]),
        "shape": got["shape"],
        "device": got["device"] if got["device"] in ("cpu", "cuda", "meta") else "elsewhere",
    }
    for attribute in ("type", "dtype", "shape"):
        if expected[attribute] != got[attribute]:
            expect.add(path, attribute, str(expected[attribute]), str(shown[attribute]), hint=hint)
            return
    if device != got["device"]:
        expect.add(path, "device", device, shown["device"], hint=hint)
        return
    exp_bytes, got_bytes = expected["bytes"], got["bytes"]
    if torch.equal(exp_bytes, got_bytes):
        return
    itemsize = getattr(torch, expected["dtype"]).itemsize
    numel = math.prod(expected["shape"])
    if got_bytes.numel() != exp_bytes.numel():
        expect.add(path, "values", f"{numel} values", f"{got_bytes.numel() // itemsize} values")
        return
    differ = (exp_bytes.reshape(numel, itemsize) != got_bytes.reshape(numel, itemsize)).any(1)
    first = int(differ.nonzero()[0, 0])
    where = []
    for size in reversed(expected["shape"]):
        where.append(first % size)
        first //= size
    expect.add(
        path,
        "values",
        "",
        "",
        detail=f"{int(differ.sum())} of {numel} values differ from the saved ones "
        f"(first at {list(reversed(where))}; compared bit for bit)",
        hint=hint,
    )


ROUND_TRIP_HINT = "torch.save(obj, path) and torch.load(path, weights_only=True) keep all of this"
SAVE_HINT = "save with torch.save(obj, path): the file must be one torch.load(path, weights_only=True) reads"
LOAD_HINT = "load with torch.load(path, weights_only=True)"


def _expect_count(expect: Expect, what: str, count: int, got: list[Any]) -> None:
    """One report per case sent (a child could send fewer); stops the check otherwise."""
    if len(got) != count:
        expect.add(what, "reports", f"{count}", f"{len(got)}")
        expect.verify()


def _expect_described(
    expect: Expect,
    drawn: Objects,
    reports: list[dict[str, Any]],
    *,
    what: str,
    device: str,
    refused: str,
    hint: str,
) -> None:
    """Each report (a described object, or the error that reading it raised) against the drawn
    object it should be, bit for bit."""
    _expect_count(expect, what, len(drawn.trees), reports)
    for index, (tree, report) in enumerate(zip(drawn.trees, reports)):
        path = what if len(drawn.trees) == 1 else f"object #{index + 1}: {what}"
        if report["error"] is not None:
            expect.add(path, "exception", "no exception", safe_error(report["error"]), hint=refused)
            continue
        if not well_formed(report["tree"], len(report["leaves"])):
            expect.add(path, "form", "a description of the object", "an unreadable reply")
            continue
        exp_tree, exp_leaves = reference(tree, drawn.leaves)
        compare_trees(
            expect, path, exp_tree, exp_leaves, report["tree"], report["leaves"], device, hint
        )


def _expect_round_trip(submission: Submission, drawn: Objects, subject: str) -> None:
    """save writes a file PyTorch reads back as the object (read outside the submission's
    process, by a process that never ran its code), and load reads PyTorch's file of it."""
    expect = Expect(subject)
    what = "save(obj, path)"
    count = submission.call(
        "serialization.save_objects", what=what, trees=drawn.trees, leaves=drawn.leaves
    )
    files = [submission.fetch(f"object{index}.pt", what=what) for index in range(count)]
    read = submission.verify("serialization.describe_files", what=what, files=files)
    _expect_described(
        expect,
        drawn,
        read,
        what="torch.load(the file save wrote, weights_only=True)",
        device="cpu",  # read with map_location="cpu"
        refused=SAVE_HINT,
        hint=ROUND_TRIP_HINT,
    )
    data = [pytorch_file(build_object(tree, drawn.leaves)) for tree in drawn.trees]
    got = submission.call("serialization.load_files", what="load(path)", files=data)
    _expect_described(
        expect,
        drawn,
        got,
        what="load(a file torch.save wrote)",
        device="cpu",
        refused=LOAD_HINT,
        hint=ROUND_TRIP_HINT,
    )
    expect.verify()


@st.composite
def every_dtype(draw: Any) -> Objects:
    """One dict holding a tensor of every savable dtype (shapes and views drawn)."""
    drawn = {name: draw(leaves(dtypes=(name,), max_ndim=2)) for name in SAVABLE_DTYPES}
    return objects_of([drawn])


@check("serialization.save", points=2, visibility="public")
@settings(max_examples=2)
@given(objects=every_dtype())
def test_save_load_round_trips_every_dtype(submission: Submission, objects: Objects) -> None:
    """load(save(obj)) gives back tensors of every dtype torch.save supports (bool, bfloat16, complex, float8, uint64, …) with the same shape and bit-for-bit values.
    Catches: tensors stored as Python lists (tolist), which loses the dtype."""
    with describe(f"a dict with one tensor of each of the {len(SAVABLE_DTYPES)} dtypes"):
        _expect_round_trip(submission, objects, "save/load round trip")


@check("serialization.save", points=2, visibility="public")
@settings(max_examples=4)
@given(drawn=st.lists(nested, min_size=3, max_size=3))
def test_save_load_round_trips_nested_structures(submission: Submission, drawn: list[Any]) -> None:
    """Nested lists, tuples and str-keyed dicts of tensors (0-size ones and non-contiguous views too) come back with the same structure, dtypes, shapes and values.
    Catches: tuples coming back as lists (the structure converted before saving)."""
    drawn_objects = objects_of(drawn)
    with describe(drawn_objects.describe()):
        _expect_round_trip(submission, drawn_objects, "save/load round trip")


@check("serialization.save", points=1, visibility="public")
@settings(max_examples=2)
@given(drawn=st.lists(nested, min_size=2, max_size=2))
def test_load_honours_map_location(submission: Submission, drawn: list[Any]) -> None:
    """load(path, map_location=...) puts every tensor on that device, as torch.load does.
    Catches: load ignoring its map_location argument."""
    drawn_objects = objects_of(drawn)
    map_to = "meta"
    with describe(f'{drawn_objects.describe()}, loaded with map_location="{map_to}"'):
        data = [
            pytorch_file(build_object(tree, drawn_objects.leaves)) for tree in drawn_objects.trees
        ]
        got = submission.call(
            "serialization.load_files",
            what=f'load(path, map_location="{map_to}")',
            files=data,
            map_to=map_to,
        )
        expect = Expect(f'load(path, map_location="{map_to}")')
        hint = "pass map_location on to torch.load"
        _expect_count(expect, "load(path)", len(drawn_objects.trees), got)
        for index, (tree, report) in enumerate(zip(drawn_objects.trees, got)):
            where = f"object #{index + 1}"
            if report["error"] is not None:
                expect.add(
                    where, "exception", "no exception", safe_error(report["error"]), hint=hint
                )
                continue
            expected_tree, _ = reference(tree, drawn_objects.leaves)
            expect.true(
                where,
                report["tree"] == expected_tree,
                attribute="structure",
                expected="the same as without map_location",
                got="another structure",
                hint=hint,
            )
            devices = [
                leaf["device"] if leaf["device"] in ("cpu", "cuda", "meta") else "elsewhere"
                for leaf in report["leaves"]
            ]
            expect.equal(
                f"{where}: devices",
                [map_to] * len(devices),
                devices,
                attribute="device",
                hint=hint,
            )
        expect.verify()


class _Payload:
    """An object whose unpickling calls ``call(*args)``: what a malicious file carries."""

    def __init__(self, call: Any, *args: Any) -> None:
        self.call, self.args = call, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (self.call, self.args)


FILE_KINDS = {
    "zip": "a torch.save file",
    "legacy": "a torch.save file in the old (non-zip) format",
    "pickle": "a plain pickle file",
}
PAYLOAD_EXIT = 86
"""The status a child exits with when a file's pickled call runs (os._exit(86)): the grader sees
it from outside the process, so no code in there can hide it."""


def payload_file(kind: str, *, ends_process: bool) -> bytes:
    """A file of ``kind`` holding a tensor and an object whose unpickling calls os._exit(86)
    (where the process may end: the sandbox) or raises SystemExit(86) (in-process grading)."""
    if ends_process:
        payload = _Payload(os._exit, PAYLOAD_EXIT)
    else:
        payload = _Payload(exec, f"raise SystemExit({PAYLOAD_EXIT})")
    obj = {"weight": torch.zeros(2), "extra": payload}
    if kind == "zip":
        return pytorch_file(obj)
    if kind == "legacy":
        return pytorch_file(obj, _use_new_zipfile_serialization=False)
    return pickle.dumps(obj)


@check("serialization.save", points=2, visibility="public")
def test_load_refuses_files_that_would_run_code(submission: Submission) -> None:
    """load raises on a file carrying a pickled function call (zip, legacy and plain pickle formats), and the call never runs.
    Catches: torch.load(..., weights_only=False) (or pickle.load), which runs whatever the file names."""
    with describe("files holding a tensor and an object whose unpickling calls a function"):
        expect = Expect("load(path)")
        hint = (
            "read files with torch.load(path, weights_only=True): it refuses anything but tensors "
            "and plain containers, so a malicious file cannot run code on your machine"
        )
        for kind, words in FILE_KINDS.items():
            where = f"on {words}"
            got = submission.call(
                "serialization.load_payload",
                what="load(path)",
                data=payload_file(kind, ends_process=submission.may_end_process),
                may_end=True,
            )
            ran = isinstance(got, ProcessEnded) and got.exit_code == PAYLOAD_EXIT
            if not ran and not isinstance(got, ProcessEnded):
                error = got["error"]
                ran = error is not None and error["type"] == "SystemExit"
            if isinstance(got, ProcessEnded) and not ran:
                expect.add(
                    where, "process", "it keeps running", f"it ended ({got.status})", hint=hint
                )
                continue
            expect.true(
                where,
                not ran,
                attribute="code execution",
                expected="the pickled call never runs",
                got="the call ran while loading",
                hint=hint,
            )
            if not ran:
                expect.true(
                    where,
                    got["raised"],
                    attribute="refusal",
                    expected="an exception (the file is refused)",
                    got=f"it returned a {safe_type(got['returned'])}" if not got["raised"] else "",
                    hint=hint,
                )
        expect.verify()


# -- networks as plain data ----------------------------------------------------------------------

Layer = tuple[Any, ...]


def _linear_out(layer: Layer) -> int:
    return layer[2]


@st.composite
def architectures(draw: Any, *, min_modules: int = 2, max_modules: int = 6) -> list[Layer]:
    """Sequential architectures of Linear (with or without bias), BatchNorm1d, ReLU and Dropout,
    starting with a Linear: [("linear", in, out, bias), ("batchnorm", n), ("relu",), ("dropout",)]."""
    count = draw(st.integers(min_modules, max_modules))
    width = draw(gs.widths(max_width=5))
    layers: list[Layer] = []
    for index in range(count):
        kind = (
            "linear"
            if index == 0
            else draw(st.sampled_from(["linear", "linear", "batchnorm", "relu", "dropout"]))
        )
        if kind == "linear":
            out = draw(gs.widths(max_width=5))
            layers.append(("linear", width, out, draw(st.booleans()) or index == 0))
            width = out
        elif kind == "batchnorm":
            layers.append(("batchnorm", width))
        else:
            layers.append((kind,))
    return layers


def in_width(arch: list[Layer]) -> int:
    return arch[0][1]


def spec_of(arch: list[Layer], seed: int) -> dict[str, Any]:
    """A grader.specs stack for ``arch`` with weights (and BatchNorm statistics) from ``seed``."""
    generator = torch.Generator().manual_seed(seed)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=generator)

    items: list[dict[str, Any]] = []
    for layer in arch:
        if layer[0] == "linear":
            _, n_in, n_out, bias = layer
            items.append(
                {
                    "kind": "linear",
                    "in": n_in,
                    "out": n_out,
                    "weight": randn(n_out, n_in) * 0.5,
                    "bias": randn(n_out) * 0.5 if bias else None,
                }
            )
        elif layer[0] == "batchnorm":
            n = layer[1]
            items.append(
                {
                    "kind": "batchnorm",
                    "features": n,
                    "weight": 1 + randn(n) * 0.1,
                    "bias": randn(n) * 0.1,
                    "running_mean": randn(n),
                    "running_var": torch.rand((n,), generator=generator) + 0.5,
                    "tracked": int(torch.randint(1, 100, (1,), generator=generator)),
                }
            )
        elif layer[0] == "dropout":
            items.append({"kind": "dropout", "p": 0.5})
        else:
            items.append({"kind": layer[0]})
    return {"kind": "seq", "items": items}


def describe_arch(arch: list[Layer]) -> str:
    words = []
    for layer in arch:
        if layer[0] == "linear":
            words.append(f"Linear({layer[1]}, {layer[2]}{'' if layer[3] else ', bias=False'})")
        elif layer[0] == "batchnorm":
            words.append(f"BatchNorm1d({layer[1]})")
        elif layer[0] == "dropout":
            words.append("Dropout(0.5)")
        else:
            words.append("ReLU()")
    return "nn.Sequential(" + ", ".join(words) + ")"


def state_keys(arch: list[Layer]) -> list[str]:
    """The state_dict keys nn.Sequential has for ``arch``, as PyTorch builds them (on meta)."""
    with torch.device("meta"):
        net = torch.nn.Sequential(*(_module(layer) for layer in arch))
    return list(net.state_dict().keys())


def _module(layer: Layer) -> torch.nn.Module:
    if layer[0] == "linear":
        return torch.nn.Linear(layer[1], layer[2], bias=layer[3])
    if layer[0] == "batchnorm":
        return torch.nn.BatchNorm1d(layer[1])
    if layer[0] == "dropout":
        return torch.nn.Dropout(0.5)
    return torch.nn.ReLU()


def _expect_entries(
    expect: Expect,
    where: str,
    expected: list[tuple[str, torch.Tensor]],
    got: list[tuple[str, torch.Tensor]],
    *,
    hint: str,
    exact: bool = True,
) -> None:
    """Same keys in the same order, then each value (bit for bit unless ``exact`` is False)."""
    keys = [k for k, _ in expected]
    if not expect.equal(
        f"{where} keys", keys, safe_keys([k for k, _ in got], keys), attribute="keys", hint=hint
    ):
        return
    for (key, e), (_, g) in zip(expected, got):
        tol = {"rtol": 0.0, "atol": 0.0} if exact else {}
        expect.close(f"{where}[{key!r}]", e, g, hint=hint, **tol)


def state_of(spec: dict[str, Any]) -> list[tuple[str, torch.Tensor]]:
    """The state_dict PyTorch's nn.Sequential has for a spec, built here."""
    net = specs.build(spec, torch.nn.Sequential, [])
    return [(k, v.detach()) for k, v in net.state_dict().items()]


def state_file(spec: dict[str, Any]) -> bytes:
    """torch.save(net.state_dict()) of the spec's net, written here: the file load_params reads."""
    return pytorch_file(specs.build(spec, torch.nn.Sequential, []).state_dict())


# -- save_params / load_params -------------------------------------------------------------------


@check("serialization.save_params", points=2, visibility="public")
@settings(max_examples=4)
@given(arch=architectures(), seed=gs.seeds())
def test_save_params_file_holds_exactly_the_state_dict(
    submission: Submission, arch: list[Layer], seed: int
) -> None:
    """The file save_params writes, read with torch.load(weights_only=True), is a dict equal to net.state_dict(): same keys (buffers included), same values.
    Catches: torch.save(net, path) — the whole module, which only loads with code execution allowed."""
    spec = spec_of(arch, seed)
    with describe(f"save_params({describe_arch(arch)}, path)"):
        what = "save_params(net, path)"
        submission.call("serialization.save_params", what=what, spec=spec)
        data = submission.fetch("params.pt", what=what)
        (file,) = submission.verify("serialization.describe_files", what=what, files=[data])
        expect = Expect("the file save_params wrote")
        hint = "torch.save(net.state_dict(), path): the dictionary of tensors, not the module"
        if file["error"] is not None:
            expect.add(
                "torch.load(path, weights_only=True)",
                "loadable",
                "a state_dict",
                f"{safe_error(file['error'])} (it holds something other than tensors and "
                "containers)",
                hint=hint,
            )
            expect.verify()
        tree = file["tree"]
        if not well_formed(tree, len(file["leaves"])) or tree[0] not in DICT_KINDS:
            kind = (
                tree[1]
                if well_formed(tree, len(file["leaves"])) and tree[0] == "other"
                else "object of another type"
            )
            expect.add(
                "content",
                "type",
                "a dict (net.state_dict())",
                f"a {safe_type(str(kind))}",
                hint=hint,
            )
            expect.verify()
        state = state_of(spec)
        keys = [k for k, _ in state]
        saved = [(key, node) for key, node in tree[1]]
        if expect.equal(
            "keys", keys, safe_keys([k for k, _ in saved], keys), attribute="keys", hint=hint
        ):
            for (key, value), (_, node) in zip(state, saved):
                exp_tree, exp_leaves = describe_object(value)
                compare_trees(
                    expect, f"[{key!r}]", exp_tree, exp_leaves, node, file["leaves"], "cpu", hint
                )
        expect.verify()


@check("serialization.save_params", points=2, visibility="public")
@settings(max_examples=4)
@given(arch=architectures(), seed=gs.seeds(), other=gs.seeds(), batch=gs.batch_sizes(min_size=2))
def test_load_params_fills_the_given_net(
    submission: Submission, arch: list[Layer], seed: int, other: int, batch: int
) -> None:
    """load_params(net, path) fills the given net with the saved state_dict and returns that net: identical values, identical outputs.
    Catches: returning what net.load_state_dict returns instead of net."""
    X = gs.make_tensor((batch, in_width(arch)), seed)
    saved = spec_of(arch, seed)
    with describe(
        f"an {describe_arch(arch)} saved with torch.save(net.state_dict(), path), loaded into "
        f"another one with other weights, on an input of shape {tuple(X.shape)}"
    ):
        got = submission.call(
            "serialization.load_params",
            what="load_params",
            saved=state_file(saved),
            target=spec_of(arch, other),
            X=X,
        )
        expect = Expect("load_params(net, path)")
        if got["error"] is not None:
            expect.add(
                "load_params",
                "exception",
                "no exception",
                safe_error(got["error"]),
                hint="net.load_state_dict(torch.load(path, weights_only=True))",
            )
            expect.verify()
        expect.true(
            "return value",
            got["returned_net"],
            attribute="identity",
            expected="the net it was given",
            got=f"a {safe_type(got['returned'])}",
            hint="return net itself (load_state_dict returns a report of keys, not the net)",
        )
        hint = "copy the saved values into net with net.load_state_dict(...)"
        _expect_entries(expect, "net.state_dict()", state_of(saved), got["state"], hint=hint)
        if got["output"] is not None and expect.ok:
            reference = specs.build(saved, torch.nn.Sequential, []).to(submission.device).eval()
            with torch.no_grad():
                expected = reference(X.to(submission.device)).to("cpu")
            expect.close("output of the loaded net", expected, got["output"], hint=hint)
        expect.verify()


@st.composite
def mismatched_architectures(draw: Any) -> tuple[list[Layer], list[Layer]]:
    """(saved, target): the target has extra modules at the end, or lacks the saved net's last ones."""
    base = draw(architectures(min_modules=2, max_modules=5))
    extra = draw(architectures(min_modules=1, max_modules=3))
    width = next(layer[2] for layer in reversed(base) if layer[0] == "linear")
    first = extra[0]
    extra[0] = ("linear", width, first[2], first[3])
    longer = base + extra
    if draw(st.booleans()):
        return base, longer
    return longer, base


@check("serialization.save_params", points=1, visibility="public")
@settings(max_examples=4)
@given(archs=mismatched_architectures(), seed=gs.seeds())
def test_load_params_is_strict(
    submission: Submission, archs: tuple[list[Layer], list[Layer]], seed: int
) -> None:
    """Loading a file whose keys differ from the net's raises RuntimeError naming the missing or unexpected keys, as load_state_dict does.
    Catches: load_state_dict(..., strict=False), which silently leaves parts of the net untrained."""
    saved, target = archs
    with describe(f"an {describe_arch(saved)}'s state_dict loaded into an {describe_arch(target)}"):
        got = submission.call(
            "serialization.load_params",
            what="load_params",
            saved=state_file(spec_of(saved, seed)),
            target=spec_of(target, seed + 1),
        )
        saved_keys, target_keys = state_keys(saved), state_keys(target)
        missing = [k for k in target_keys if k not in saved_keys]
        unexpected = [k for k in saved_keys if k not in target_keys]
        expect = Expect("load_params(net, path)")
        hint = "load strictly (the default of net.load_state_dict)"
        error = got["error"]
        if error is None or error["type"] != "RuntimeError":
            expect.add(
                "load_params",
                "exception",
                "RuntimeError (keys do not match)",
                safe_error(error),
                hint=hint,
            )
        else:
            label = "missing" if missing else "unexpected"
            keys = missing or unexpected
            named = [
                k for k in keys if f'"{k}"' in error["message"] or f"'{k}'" in error["message"]
            ]
            expect.true(
                "the RuntimeError's message",
                bool(named),
                attribute="keys named",
                expected=f"names the {label} keys {keys}",
                got="names none of them",
                hint=hint,
            )
        expect.verify()


# -- transplant ----------------------------------------------------------------------------------


def _index(key: str) -> int:
    return int(key.split(".", 1)[0])


def _call_transplant(
    submission: Submission, src_spec: Any, dst_spec: Any, n: int
) -> dict[str, Any]:
    """transplant(src.state_dict(), dst, n) in the child, with src and dst built from specs."""
    return submission.call(
        "serialization.transplant", what="transplant", src=src_spec, dst=dst_spec, n=n
    )


def _expect_transplant(
    expect: Expect,
    got: dict[str, Any],
    src: dict[str, Any],
    dst: dict[str, Any],
    n: int,
    *,
    hint: str,
) -> None:
    """Entries of modules 0..n-1 equal the source's, every other entry is what dst had before."""
    source = dict(state_of(src))
    expected = [
        (key, source[key] if _index(key) < n and key in source else value)
        for key, value in state_of(dst)
    ]
    _expect_entries(expect, "dst.state_dict()", expected, got["after"], hint=hint)


@st.composite
def transplant_cases(
    draw: Any, *, min_modules: int = 2, max_modules: int = 8
) -> tuple[list[Layer], int, int, int]:
    arch = draw(architectures(min_modules=min_modules, max_modules=max_modules))
    n = draw(st.integers(0, len(arch)))
    return arch, n, draw(gs.seeds()), draw(gs.seeds())


@check("serialization.transplant", points=2, visibility="public")
@settings(max_examples=5)
@given(case=transplant_cases())
def test_transplant_copies_exactly_the_first_n_modules(
    submission: Submission, case: tuple[list[Layer], int, int, int]
) -> None:
    """After transplant(src_state, dst, n), dst's entries of modules 0…n-1 (parameters and buffers) equal the source's and every other entry is unchanged; dst is returned.
    Catches: copying every entry, whatever n."""
    arch, n, seed, other = case
    src_spec, dst_spec = spec_of(arch, seed), spec_of(arch, other)
    with describe(
        f"transplant(src.state_dict(), dst, n={n}) with src and dst both {describe_arch(arch)}"
    ):
        got = _call_transplant(submission, src_spec, dst_spec, n)
        expect = Expect(f"transplant(src_state, dst, {n})")
        if got["error"] is not None:
            expect.add("transplant", "exception", "no exception", safe_error(got["error"]))
            expect.verify()
        expect.true(
            "return value",
            got["returned_dst"],
            attribute="identity",
            expected="dst itself",
            got=f"a {safe_type(got['returned'])}",
            hint="copy into dst in place and return dst",
        )
        _expect_transplant(
            expect,
            got,
            src_spec,
            dst_spec,
            n,
            hint="copy exactly the entries whose leading index is below n (buffers too), "
            "e.g. dst.load_state_dict(chosen, strict=False)",
        )
        expect.verify()


@check("serialization.transplant", points=1, visibility="public")
@settings(max_examples=4)
@given(
    arch=architectures(min_modules=12, max_modules=14),
    n=st.integers(2, 9),
    seed=gs.seeds(),
    other=gs.seeds(),
)
def test_transplant_compares_indices_as_numbers(
    submission: Submission, arch: list[Layer], n: int, seed: int, other: int
) -> None:
    """With 12 or more modules, modules 10, 11, … are not among the first n < 10 ("10.weight" has index 10, not "10" < "2").
    Catches: comparing the index as a string."""
    src_spec, dst_spec = spec_of(arch, seed), spec_of(arch, other)
    with describe(
        f"transplant(src.state_dict(), dst, n={n}) with src and dst both {describe_arch(arch)}"
    ):
        got = _call_transplant(submission, src_spec, dst_spec, n)
        expect = Expect(f"transplant(src_state, dst, {n})")
        if got["error"] is not None:
            expect.add("transplant", "exception", "no exception", safe_error(got["error"]))
            expect.verify()
        _expect_transplant(
            expect,
            got,
            src_spec,
            dst_spec,
            n,
            hint='compare int(key.split(".")[0]) < n: as strings, "10" < "2"',
        )
        expect.verify()


@st.composite
def mismatch_cases(draw: Any) -> tuple[list[Layer], list[Layer], int, int, list[str]]:
    """(src, dst, n, seed, keys): one Linear among the first n has 1 output in src and more in dst,
    so its shapes (and those of the module after it) differ; ``keys`` are the differing keys below n."""
    arch = draw(architectures(min_modules=2, max_modules=7))
    linears = [i for i, layer in enumerate(arch) if layer[0] == "linear"]
    j = draw(st.sampled_from(linears))
    n = draw(st.integers(j + 1, len(arch)))
    wide = draw(st.integers(2, 4))
    src, dst = _with_width(arch, j, 1), _with_width(arch, j, wide)
    keys = _differing_keys(src, dst, n)
    return src, dst, n, draw(gs.seeds()), keys


def _with_width(arch: list[Layer], j: int, width: int) -> list[Layer]:
    """``arch`` with Linear j giving ``width`` outputs (BatchNorms and the next Linear follow)."""
    out = []
    changed = False
    for index, layer in enumerate(arch):
        if index == j:
            layer = ("linear", layer[1], width, layer[3])
            changed = True
        elif changed and layer[0] == "batchnorm":
            layer = ("batchnorm", width)
        elif changed and layer[0] == "linear":
            layer = ("linear", width, layer[2], layer[3])
            changed = False
        out.append(layer)
    return out


def _differing_keys(src: list[Layer], dst: list[Layer], n: int) -> list[str]:
    keys = []
    with torch.device("meta"):
        a = torch.nn.Sequential(*(_module(layer) for layer in src)).state_dict()
        b = torch.nn.Sequential(*(_module(layer) for layer in dst)).state_dict()
    for key, value in a.items():
        if _index(key) < n and key in b and b[key].shape != value.shape:
            keys.append(key)
    return keys


@check("serialization.transplant", points=1, visibility="public")
@settings(max_examples=4)
@given(case=mismatch_cases())
def test_transplant_rejects_shape_mismatch(
    submission: Submission, case: tuple[list[Layer], list[Layer], int, int, list[str]]
) -> None:
    """An entry to copy whose shape differs in dst raises ValueError naming its key — even where copy_ would broadcast (1 row into 3).
    Catches: copying with param.copy_(value) without comparing shapes first."""
    src, dst, n, seed, keys = case
    src_spec, dst_spec = spec_of(src, seed), spec_of(dst, seed + 1)
    with describe(
        f"transplant(src_state, dst, n={n}) with src = {describe_arch(src)}, dst = {describe_arch(dst)}"
    ):
        got = _call_transplant(submission, src_spec, dst_spec, n)
        expect = Expect(f"transplant(src_state, dst, {n})")
        hint = 'compare value.shape with dst\'s entry before copying and raise ValueError(f"{key}: ...")'
        error = got["error"]
        if error is None or error["type"] != "ValueError":
            expect.add(
                "transplant",
                "exception",
                f"ValueError naming one of {keys}",
                safe_error(error),
                hint=hint,
            )
        else:
            expect.true(
                "the ValueError's message",
                any(key in error["message"] for key in keys),
                attribute="key named",
                expected=f"names one of {keys}",
                got="names none of them",
                hint=hint,
            )
        expect.verify()


@check("serialization.transplant", points=1, visibility="public")
@settings(max_examples=3)
@given(case=mismatch_cases())
def test_transplant_ignores_shapes_beyond_n(
    submission: Submission, case: tuple[list[Layer], list[Layer], int, int, list[str]]
) -> None:
    """Entries of modules n, n+1, … are neither copied nor compared: differing shapes there are fine.
    Catches: loading the whole state_dict (load_state_dict refuses the other shapes)."""
    src, dst, _, seed, _ = case
    # Transplant only the modules before the differing Linear.
    j = next(i for i, (a, b) in enumerate(zip(src, dst)) if a != b)
    src_spec, dst_spec = spec_of(src, seed), spec_of(dst, seed + 1)
    with describe(
        f"transplant(src_state, dst, n={j}) with src = {describe_arch(src)}, dst = {describe_arch(dst)}"
    ):
        got = _call_transplant(submission, src_spec, dst_spec, j)
        expect = Expect(f"transplant(src_state, dst, {j})")
        if got["error"] is not None:
            expect.add(
                "transplant",
                "exception",
                "no exception (the differing module is not among the first n)",
                safe_error(got["error"]),
                hint="look only at the entries whose index is below n",
            )
            expect.verify()
        _expect_transplant(
            expect, got, src_spec, dst_spec, j, hint="copy only the entries whose index is below n"
        )
        expect.verify()


# -- checkpoints ---------------------------------------------------------------------------------


@st.composite
def checkpoint_cases(
    draw: Any, *, optimizers: tuple[str, ...], dropout: bool, random_batches: bool
) -> dict[str, Any]:
    width = draw(st.integers(2, 4))
    hidden = draw(st.integers(2, 5))
    # BatchNorm after the ReLU: right after a Linear it would zero the bias's gradient, and Adam
    # would then amplify rounding noise into the bias's updates.
    arch: list[Layer] = [("linear", width, hidden, True), ("relu",), ("batchnorm", hidden)]
    if dropout:
        arch.append(("dropout",))
    arch.append(("linear", hidden, 2, True))
    seed = draw(gs.seeds())
    k = draw(st.integers(2, 3))
    rows = 12
    return {
        "net": spec_of(arch, seed),
        "arch": arch,
        "optimizer": draw(st.sampled_from(optimizers)),
        "seed": draw(gs.seeds()),
        "k": k,
        "step": k * draw(st.integers(1, 50)) + 1,
        "batch": 4,
        "random_batches": random_batches,
        "X": gs.make_tensor((rows, width), seed + 1),
        "Y": gs.make_tensor((rows, 2), seed + 2),
    }


def uninterrupted(case: dict[str, Any], device: str) -> list[tuple[str, torch.Tensor]]:
    """PyTorch's 2k steps in one go, from the same start and the same seed."""
    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        net = training.build_net(case["net"], device)
        optimizer = training.make_optimizer(case["optimizer"], net)
        training.seed_rng(case["seed"], device)
        data = (case["X"].to(device), case["Y"].to(device))
        training.train(net, optimizer, 2 * case["k"], data, case["batch"], case["random_batches"])
    return [(k, v.detach().to("cpu")) for k, v in net.state_dict().items()]


OPTIMIZER_NAMES = {
    "adam": "Adam(lr=0.01)",
    "momentum": "SGD(lr=0.05, momentum=0.9)",
    "sgd": "SGD(lr=0.05)",
}


def _resumed(submission: Submission, sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Train and save_checkpoint in the code's process; then, in another process that never ran
    save_checkpoint (nothing kept in memory survives), load_checkpoint from those files' bytes
    and train on. The final states."""
    what = "save_checkpoint(path, net, optimizer, step)"
    count = submission.call("serialization.checkpoint_save", what=what, cases=sent)
    files = [submission.fetch(f"checkpoint{index}.pt", what=what) for index in range(count)]
    return submission.call(
        "serialization.checkpoint_resume",
        what="load_checkpoint(path, net, optimizer)",
        apart=True,
        cases=sent,
        files=files,
    )


def _describe_case(case: dict[str, Any]) -> str:
    batches = "random batches" if case["random_batches"] else "fixed batches"
    return (
        f"{describe_arch(case['arch'])} in training mode, {OPTIMIZER_NAMES[case['optimizer']]}, "
        f"{batches}: {case['k']} steps, checkpoint, {case['k']} more steps in new objects"
    )


def _expect_resumes(
    submission: Submission, cases: list[dict[str, Any]], *, subject: str, hint: str
) -> None:
    sent = [{k: v for k, v in case.items() if k != "arch"} for case in cases]
    described = [_describe_case(case) for case in cases]
    if len(set(described)) == 1 and len(described) > 1:
        described = [f"{len(described)} runs (other data) of: {described[0]}"]
    with describe("; ".join(described)):
        got = _resumed(submission, sent)
        expect = Expect(subject)
        exact = not submission.device.startswith("cuda")  # bitwise on the CPU
        _expect_count(expect, "training runs", len(cases), got)
        for index, (case, report) in enumerate(zip(cases, got)):
            _expect_entries(
                expect,
                f"run #{index + 1}: net.state_dict()",
                uninterrupted(case, submission.device),
                report["state"],
                hint=hint,
                exact=exact,
            )
        expect.verify()


@check("serialization.save_checkpoint", points=1, visibility="public")
@settings(max_examples=1)
@given(
    cases=st.lists(
        checkpoint_cases(optimizers=("sgd",), dropout=False, random_batches=False),
        min_size=1,
        max_size=1,
    )
)
def test_load_checkpoint_returns_the_saved_step(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """load_checkpoint returns the step number given to save_checkpoint, as an int.
    Catches: load_checkpoint that restores the state but returns nothing."""
    sent = [{k: v for k, v in case.items() if k != "arch"} for case in cases]
    with describe(
        f"save_checkpoint(path, net, optimizer, step={cases[0]['step']}), then load_checkpoint"
    ):
        got = _resumed(submission, sent)
        expect = Expect("load_checkpoint(path, net, optimizer)")
        _expect_count(expect, "training runs", len(cases), got)
        expect.equal(
            "return value",
            cases[0]["step"],
            got[0]["step"],
            hint="save the step in the checkpoint and return it from load_checkpoint",
        )
        expect.verify()


@check("serialization.save_checkpoint", points=2, visibility="hidden")
@settings(max_examples=1)
@given(
    cases=st.tuples(
        checkpoint_cases(optimizers=("adam",), dropout=False, random_batches=False),
        checkpoint_cases(optimizers=("momentum",), dropout=False, random_batches=False),
    ).map(list)
)
def test_checkpoint_restores_the_optimizer_state(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """Training resumed from a checkpoint with Adam or SGD with momentum ends bit for bit where uninterrupted training ends.
    Catches: a checkpoint without optimizer.state_dict() (Adam's averages and momentum start again from zero)."""
    _expect_resumes(
        submission,
        cases,
        subject="training resumed from a checkpoint",
        hint="save optimizer.state_dict() and restore it with optimizer.load_state_dict(...)",
    )


@check("serialization.save_checkpoint", points=2, visibility="hidden")
@settings(max_examples=1)
@given(
    cases=st.lists(
        checkpoint_cases(optimizers=("sgd",), dropout=True, random_batches=True),
        min_size=2,
        max_size=2,
    )
)
def test_checkpoint_restores_the_random_state(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """Training that draws dropout masks and batches from the global RNG resumes bit for bit (with --device cuda, the CUDA generators' state too).
    Catches: a checkpoint without torch.get_rng_state(): the resumed run draws other masks and batches."""
    _expect_resumes(
        submission,
        cases,
        subject="training resumed from a checkpoint",
        hint="save torch.get_rng_state() (and torch.cuda.get_rng_state_all() when CUDA is in use) "
        "and restore it in load_checkpoint",
    )


@check("serialization.save_checkpoint", points=1, visibility="public")
@settings(max_examples=2)
@given(
    cases=st.lists(
        checkpoint_cases(optimizers=("adam",), dropout=True, random_batches=True),
        min_size=1,
        max_size=1,
    )
)
def test_checkpoint_resumes_training_exactly(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """Train k steps, checkpoint, load into a new net and optimizer, train k more: the weights and BatchNorm statistics equal those of 2k uninterrupted steps.
    Catches: load_checkpoint that forgets to load the model's state_dict into net."""
    _expect_resumes(
        submission,
        cases,
        subject="training resumed from a checkpoint",
        hint="a checkpoint holds net.state_dict(), optimizer.state_dict(), the step and the RNG "
        "state; load_checkpoint restores all of them into the objects it is given",
    )
