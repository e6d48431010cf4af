"""Checks for the ``gpus`` section: devices, real or simulated.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here) ->
compare. Docstring line 1 is the property; "Catches:" names the mistake it exists for, kept as a
mutant in tests/mutants/gpus/. Device counts are simulated in the child (torch.cuda.device_count
patched for one call), so these checks grade on any machine; the ones that need a real GPU say
``gpu_only=True`` and are skipped, with a reason, when grading runs on the CPU.
"""

from __future__ import annotations

import re
from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import strategies as gs
from grader.compare import Expect
from grader.errors import describe
from grader.gpu_terms import COPYING_CONSTRUCTORS, HOST_READS, render
from grader.marker import check
from grader.specs import scaled_net
from grader.submission import Submission

counts = st.integers(0, 8)

# Feedback repeats no free text from the child (it could echo hidden inputs): only results of the
# forms the probe renders with values the grader can check, and names the grader knows.
_DEVICE = r'torch\.device\("(cpu|meta|cuda(:\d{1,2})?)"\)'
_SAFE_RESULT = re.compile(
    rf"{_DEVICE}|int -?\d{{1,4}}|bool (True|False)|str '(cpu|cuda(:\d{{1,2}})?)'"
    rf"|(list|tuple) \[(({_DEVICE}|str '(cpu|cuda(:\d{{1,2}})?)')(, )?)*\]"
    r"|a (NoneType|float|dict|set|Tensor|device)"
)
_SAFE_READS = (
    {".to()"}
    | {f".{name}()" for name in HOST_READS}
    | {f"{name[2:-2]}(...)" for name in HOST_READS if name.startswith("__")}
    | {f"torch.{name}([...])" for name in COPYING_CONSTRUCTORS}
)


def shown(text: str) -> str:
    """A rendered result, if it has one of the known forms; else a description without its text."""
    return text if _SAFE_RESULT.fullmatch(text) else "something else"


def known_names(stack: gs.LayerStack) -> tuple[list[str], list[str]]:
    """Parameter and buffer names of the net the to_device probe builds, as PyTorch names them."""
    net = scaled_net(stack.spec, stack.out_features)
    return [n for n, _ in net.named_parameters()], [n for n, _ in net.named_buffers()]


def safe_device(device: str) -> str:
    return device if re.fullmatch(r"cpu|meta|cuda(:\d{1,2})?", device) else "elsewhere"


def _simulated(
    submission: Submission, function: str, cases: list[tuple[int, int | None]]
) -> list[tuple[int, int | None, str]]:
    return submission.call("gpus.simulated", what=function, function=function, cases=cases)


def _expect_calls(
    expect: Expect,
    function: str,
    cases: list[tuple[int, int | None]],
    got: list[tuple[int, int | None, str]],
    reference: Any,
    *,
    hint: str,
) -> None:
    if [(count, i) for count, i, _ in got] != [tuple(case) for case in cases]:
        expect.add(function, "calls", "one result per call", "results of other calls")
        return
    for count, i, text in got:
        call = f"{function}({'' if i is None else i}) with {count} GPU(s)"
        expected = render(reference(count, i))
        if text != expected:
            expect.add(call, "value", expected, shown(text), hint=hint)


def _devices(count: int) -> list[torch.device]:
    """What PyTorch says the visible devices are on a machine with ``count`` GPUs."""
    return [torch.device("cuda", i) for i in range(count)]


# -- num_gpus ------------------------------------------------------------------------------------


@check("gpus.num_gpus", points=2, visibility="public")
@settings(max_examples=3)
@given(extra=st.lists(counts, min_size=2, max_size=4))
def test_num_gpus_counts_devices(submission: Submission, extra: list[int]) -> None:
    """num_gpus() is torch.cuda.device_count() as an int, on machines with 0, 1 and several GPUs.
    Catches: int(torch.cuda.is_available()), which says 1 however many GPUs there are."""
    cases = [(count, None) for count in [0, 1, 3, *extra]]
    with describe(f"machines with {', '.join(str(c) for c, _ in cases)} GPUs (simulated)"):
        got = _simulated(submission, "num_gpus", cases)
        expect = Expect("num_gpus()")
        _expect_calls(
            expect,
            "num_gpus",
            cases,
            got,
            lambda count, _: len(_devices(count)),
            hint="return torch.cuda.device_count()",
        )
        expect.verify()


@check("gpus.num_gpus", points=1, visibility="hidden")
@settings(max_examples=3)
@given(sequence=st.lists(st.integers(1, 8), min_size=2, max_size=4))
def test_num_gpus_asks_at_call_time(submission: Submission, sequence: list[int]) -> None:
    """num_gpus() follows the machine from one call to the next (devices appearing and disappearing).
    Catches: the count read once, when the module is imported."""
    cases = [(count, None) for count in [*sequence, 0, sequence[0]]]
    with describe(f"one call after another with {', '.join(str(c) for c, _ in cases)} GPUs"):
        got = _simulated(submission, "num_gpus", cases)
        expect = Expect("num_gpus()")
        _expect_calls(
            expect,
            "num_gpus",
            cases,
            got,
            lambda count, _: len(_devices(count)),
            hint="call torch.cuda.device_count() inside num_gpus, every time",
        )
        expect.verify()


# -- try_gpu -------------------------------------------------------------------------------------


def _try_gpu_reference(count: int, i: int | None) -> torch.device:
    index = 0 if i is None else i
    devices = _devices(count)
    return devices[index] if index < len(devices) else torch.device("cpu")


@check("gpus.try_gpu", points=2, visibility="public")
@settings(max_examples=3)
@given(count=st.integers(1, 6), far=st.integers(7, 20))
def test_try_gpu_gives_existing_gpus_and_the_cpu_otherwise(
    submission: Submission, count: int, far: int
) -> None:
    """try_gpu(i) is torch.device("cuda:i") for every existing GPU i, and torch.device("cpu") for every i at or beyond the count, with no GPU at all too.
    Catches: an off-by-one test (i <= device_count()), which hands out a GPU that does not exist."""
    cases = [(0, 0), (0, 1)] + [(count, i) for i in [*range(count + 2), far]]
    with describe(f"try_gpu(i) for i = 0 … {count + 1} and {far} with {count} GPUs, and with none"):
        got = _simulated(submission, "try_gpu", cases)
        expect = Expect("try_gpu(i)")
        _expect_calls(
            expect,
            "try_gpu",
            cases,
            got,
            _try_gpu_reference,
            hint='torch.device(f"cuda:{i}") if i < torch.cuda.device_count(), else torch.device("cpu")',
        )
        expect.verify()


@check("gpus.try_gpu", points=1, visibility="hidden")
@settings(max_examples=2)
@given(count=st.integers(2, 6))
def test_try_gpu_uses_its_argument(submission: Submission, count: int) -> None:
    """try_gpu() is GPU 0, try_gpu(i) is GPU i (not always the first), returned as a torch.device.
    Catches: returning "cuda:0" whatever i is."""
    cases = [(count, None), *((count, i) for i in reversed(range(count)))]
    with describe(f"try_gpu(), then try_gpu({count - 1}) … try_gpu(0), with {count} GPUs"):
        got = _simulated(submission, "try_gpu", cases)
        expect = Expect("try_gpu(i)")
        _expect_calls(
            expect,
            "try_gpu",
            cases,
            got,
            _try_gpu_reference,
            hint='return torch.device(f"cuda:{i}") for the i you were given',
        )
        expect.verify()


# -- try_all_gpus --------------------------------------------------------------------------------


def _all_reference(count: int, _: Any) -> list[torch.device]:
    return _devices(count) or [torch.device("cpu")]


@check("gpus.try_all_gpus", points=2, visibility="public")
@settings(max_examples=3)
@given(extra=st.lists(st.integers(1, 8), min_size=1, max_size=3))
def test_try_all_gpus_lists_every_gpu(submission: Submission, extra: list[int]) -> None:
    """try_all_gpus() is the list [torch.device("cuda:0"), …] of every GPU, in order, on machines with 1 and several GPUs.
    Catches: range(device_count() - 1), which leaves out the last GPU."""
    cases = [(count, None) for count in [1, 2, *extra]]
    with describe(f"machines with {', '.join(str(c) for c, _ in cases)} GPUs (simulated)"):
        got = _simulated(submission, "try_all_gpus", cases)
        expect = Expect("try_all_gpus()")
        _expect_calls(
            expect,
            "try_all_gpus",
            cases,
            got,
            _all_reference,
            hint='[torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]',
        )
        expect.verify()


@check("gpus.try_all_gpus", points=1, visibility="public")
def test_try_all_gpus_falls_back_to_the_cpu(submission: Submission) -> None:
    """With no GPU, try_all_gpus() is [torch.device("cpu")], never an empty list.
    Catches: returning the empty list of GPUs when there are none."""
    cases: list[tuple[int, int | None]] = [(0, None)]
    with describe("a machine with no GPU (simulated)"):
        got = _simulated(submission, "try_all_gpus", cases)
        expect = Expect("try_all_gpus()")
        _expect_calls(
            expect,
            "try_all_gpus",
            cases,
            got,
            _all_reference,
            hint='return [torch.device("cpu")] when there is no GPU',
        )
        expect.verify()


# -- to_device -----------------------------------------------------------------------------------


def _describe_net(stack: gs.LayerStack) -> str:
    return f"a net of {stack.describe('Sequential')} with buffers scale and shift (non-persistent)"


@check("gpus.to_device", points=2, visibility="public")
@settings(max_examples=4)
@given(case=gs.batchnorm_stacks())
def test_to_device_moves_parameters_and_buffers(
    submission: Submission, case: tuple[gs.LayerStack, gs.Input]
) -> None:
    """After to_device(net, device) every parameter and every buffer (BatchNorm statistics, non-persistent ones too) of net is on device; parameters stay registered nn.Parameters; net itself is returned. Checked on the meta device (and on the GPU with --device cuda).
    Catches: moving only the parameters (p.data = p.data.to(device)) and forgetting the buffers;
    a moved copy returned (told as a copy, not as parameters left behind)."""
    stack, _ = case
    targets = ["meta"] + (["cuda:0"] if submission.device.startswith("cuda") else [])
    for target in targets:
        with describe(f'to_device({_describe_net(stack)}, torch.device("{target}"))'):
            got = submission.call(
                "gpus.to_device",
                what="to_device",
                spec=stack.spec,
                width=stack.out_features,
                device=target,
            )
            expect = Expect("to_device(net, device)")
            hint = "net.to(device) moves parameters and buffers, and keeps them registered"
            if not expect.returned(
                "to_device(net, device)",
                got["returned_net"],
                what="net",
                hint="move net itself in place (net.to(device) does) and return it: a moved "
                "copy (copy.deepcopy(net).to(device)) leaves the caller's net where it was",
            ):
                expect.verify()
            parameters, buffers = known_names(stack)
            names = [name for name, kind, _, _ in got["tensors"] if kind == "parameter"]
            expect.equal(
                "named_parameters()",
                parameters,
                [n if n in parameters else "<another name>" for n in names],
                attribute="names",
                hint=hint,
            )
            for name, kind, device, is_parameter in got["tensors"]:
                if name not in parameters + buffers:
                    continue
                expect.equal(
                    f"{kind} {name}", target, safe_device(device), attribute="device", hint=hint
                )
                expect.true(
                    f"{kind} {name}",
                    is_parameter,
                    attribute="type",
                    expected="an nn.Parameter",
                    got="a plain tensor",
                    hint=hint,
                )
            expect.verify()


@check("gpus.to_device", points=1, visibility="hidden")
@settings(max_examples=2)
@given(case=gs.batchnorm_stacks())
def test_to_device_moves_net_itself(
    submission: Submission, case: tuple[gs.LayerStack, gs.Input]
) -> None:
    """to_device returns the very net it was given, moved in place (not a moved copy).
    Catches: returning copy.deepcopy(net).to(device), which leaves the caller's net where it was."""
    stack, _ = case
    with describe(f'to_device({_describe_net(stack)}, torch.device("meta"))'):
        got = submission.call(
            "gpus.to_device",
            what="to_device",
            spec=stack.spec,
            width=stack.out_features,
            device="meta",
        )
        expect = Expect("to_device(net, device)")
        hint = "move net itself (net.to(device) works in place) and return it"
        expect.true(
            "return value",
            got["returned_net"],
            attribute="identity",
            expected="net itself",
            got="another object" if not got["returned_net"] else "",
            hint=hint,
        )
        parameters, buffers = known_names(stack)
        left = [
            name
            for name, _, device, _ in got["tensors"]
            if device != "meta" and name in parameters + buffers
        ]
        expect.equal("tensors of net left behind", [], left, attribute="names", hint=hint)
        expect.verify()


@check("gpus.to_device", points=1, visibility="hidden", gpu_only=True)
@settings(max_examples=4)
@given(case=gs.batchnorm_stacks())
def test_to_device_output_is_unchanged_on_the_gpu(
    submission: Submission, case: tuple[gs.LayerStack, gs.Input]
) -> None:
    """On the GPU, the moved net computes what PyTorch's net.to(device) computes on the same input.
    Catches: buffers left on the CPU, so forward mixes devices (or uses stale statistics)."""
    stack, x = case
    device = submission.device
    with describe(
        f'to_device({_describe_net(stack)}, torch.device("{device}")) on an {x.describe()}'
    ):
        got = submission.call(
            "gpus.to_device",
            what="to_device",
            spec=stack.spec,
            width=stack.out_features,
            device=device,
            X=x.X,
        )
        reference = scaled_net(stack.spec, stack.out_features).to(device)
        with torch.no_grad():
            expected = reference(x.X.to(device)).to("cpu")
        expect = Expect("output after to_device")
        expect.close("net(X)", expected, got["output"], hint="move parameters and buffers")
        expect.verify()


# -- norms_on_device -----------------------------------------------------------------------------


@st.composite
def matrix_batches(draw: Any) -> tuple[torch.Tensor, torch.Tensor]:
    n = draw(st.integers(3, 8))
    s = draw(st.integers(1, 6))
    seed = draw(gs.seeds())
    return gs.make_tensor((n, s, s), seed), gs.make_tensor((n, s, s), seed + 1)


def _call_norms(submission: Submission, A: torch.Tensor, B: torch.Tensor) -> dict[str, Any]:
    return submission.call("gpus.norms", what="norms_on_device", A=A, B=B)


def _describe_norms(A: torch.Tensor, device: str) -> str:
    n, s, _ = A.shape
    return f'norms_on_device(A, B, torch.device("{device}")) with A, B of shape ({n}, {s}, {s})'


@check("gpus.norms_on_device", points=2, visibility="public")
@settings(max_examples=5)
@given(batch=matrix_batches())
def test_norms_match_frobenius_norms_of_the_products(
    submission: Submission, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    """norms_on_device returns a CPU tensor of shape (n,) holding the Frobenius norm of each A[i] @ B[i], as torch.linalg.matrix_norm computes it.
    Catches: the spectral norm (ord=2) in place of the Frobenius norm."""
    A, B = batch
    device = submission.device
    with describe(_describe_norms(A, device)):
        got = _call_norms(submission, A, B)
        expect = Expect("norms_on_device")
        hint = (
            "torch.linalg.matrix_norm(A[i] @ B[i]) (Frobenius by default), stacked, then .to('cpu')"
        )
        if got["result"] is None:
            returned = (
                got["returned"]
                if got["returned"] in ("list", "tuple", "float", "NoneType")
                else "something else"
            )
            expect.add("return value", "type", "a tensor", f"a {returned}", hint=hint)
            expect.verify()
        expect.equal("result", "cpu", safe_device(got["device"]), attribute="device", hint=hint)
        expected = torch.linalg.matrix_norm(A.to(device) @ B.to(device)).to("cpu")
        expect.close("result", expected, got["result"], hint=hint)
        expect.verify()


@check("gpus.norms_on_device", points=2, visibility="public")
@settings(max_examples=3)
@given(batch=matrix_batches())
def test_norms_read_back_to_the_host_once(
    submission: Submission, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    """At most one read back to the host of anything computed from the products (the final copy), however many products there are.
    Catches: .item() on each norm inside the loop (n waits for the device instead of one)."""
    A, B = batch
    with describe(_describe_norms(A, submission.device)):
        got = _call_norms(submission, A, B)
        reads = got["reads"]
        expect = Expect("norms_on_device")
        expect.true(
            "products A[i] @ B[i]",
            got["products"] >= A.shape[0],
            attribute="computed with torch",
            expected=f"{A.shape[0]} matrix products, one per i",
            got=f"{got['products']} seen by the grader",
            hint="compute each product with A[i] @ B[i] (torch.matmul) on the device",
        )
        named = [r if r in _SAFE_READS else "another read" for r in reads]
        listed = ", ".join(f"{named.count(r)} × {r}" for r in sorted(set(named)))
        expect.true(
            "reads back to the host",
            len(reads) <= 1,
            attribute="count",
            expected="at most 1 (the final result)",
            got=f"{len(reads)} for {A.shape[0]} products ({listed})",
            hint="keep the norms on the device (a list of 0-d tensors, or torch.stack) and copy "
            "them to the CPU once, after the loop",
        )
        expect.verify()


@check("gpus.norms_on_device", points=1, visibility="hidden", gpu_only=True)
@settings(max_examples=2)
@given(batch=matrix_batches())
def test_norms_are_computed_on_the_gpu(
    submission: Submission, batch: tuple[torch.Tensor, torch.Tensor]
) -> None:
    """With a GPU, the products A[i] @ B[i] and their norms are all computed on that GPU; only the result comes back.
    Catches: moving each product to the CPU (.cpu()) and taking its norm there."""
    A, B = batch
    device = submission.device
    with describe(_describe_norms(A, device)):
        got = _call_norms(submission, A, B)
        expect = Expect("norms_on_device")
        expect.equal(
            "products and norms",
            [torch.device(device).type],
            [d if d in ("cpu", "cuda", "meta") else "elsewhere" for d in got["computed_on"]],
            attribute="devices computed on",
            hint="move A and B to device first (A = A.to(device)) and keep every result there "
            "until the final copy",
        )
        expect.verify()
