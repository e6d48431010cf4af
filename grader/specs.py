"""Layer stacks as plain data, built into modules on either side of the wire.

The parent draws a stack (``grader.strategies.layer_stacks``) with its weights, sends it to the
child, and builds the same stack itself around ``nn.Sequential`` as the reference. The child builds it
around the student's container. Both number the modules they create in the same pre-order, so the
child can say *which* module the student's container holds where (identity, not just equality).

Nodes: ``{"kind": "linear", "in": i, "out": o, "weight": W, "bias": b | None}``, ``{"kind": "relu"}``,
``{"kind": "tanh"}``, ``{"kind": "dropout", "p": p}``, ``{"kind": "seq", "items": [...]}``, and
``{"kind": "ref", "target": k}`` — the very module built k-th (as when one layer is used twice),
``{"kind": "batchnorm", "features": n, "weight": w, "bias": b, "running_mean": m, "running_var": v,
"tracked": t}`` (a ``BatchNorm1d`` with these parameters and buffers). A linear or batchnorm node
with ``"frozen": True`` has its parameters built with ``requires_grad=False``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Node = dict[str, Any]


def build(
    node: Node, make_seq: Callable[..., nn.Module], registry: list[nn.Module | None]
) -> nn.Module:
    """Build a node; every created module is appended to ``registry`` in pre-order."""
    kind = node["kind"]
    if kind == "ref":
        index = node["target"]
        target = registry[index] if 0 <= index < len(registry) else None
        if target is None:
            raise ValueError(
                f"a ref to the module built {index}th: it must point to a module built before it"
            )
        return target
    slot = len(registry)
    registry.append(None)
    module: nn.Module
    if kind == "linear":
        module = nn.Linear(node["in"], node["out"], bias=node["bias"] is not None)
        with torch.no_grad():
            module.weight.copy_(node["weight"])
            if node["bias"] is not None:
                module.bias.copy_(node["bias"])
    elif kind == "batchnorm":
        module = nn.BatchNorm1d(node["features"])
        with torch.no_grad():
            for attr in ("weight", "bias", "running_mean", "running_var"):
                getattr(module, attr).copy_(node[attr])
            module.num_batches_tracked.fill_(node.get("tracked", 0))
    elif kind == "relu":
        module = nn.ReLU()
    elif kind == "tanh":
        module = nn.Tanh()
    elif kind == "dropout":
        module = nn.Dropout(node["p"])
    elif kind == "seq":
        children = [build(child, make_seq, registry) for child in node["items"]]
        module = make_seq(*children)
    else:
        raise ValueError(f"unknown node kind {kind!r}")
    if node.get("frozen"):
        for param in module.parameters():
            param.requires_grad_(False)
    registry[slot] = module
    return module


def module_paths(node: Node, root: str = "net") -> dict[int, str]:
    """Each created module's place in the net as a student would write it, by its pre-order
    number: ``{0: "net", 1: "net[0]", 2: "net[1]", 3: "net[1][0]"}``; a child with a name
    (``"names"`` of a seq node) is ``net.block 1``."""
    paths: dict[int, str] = {}

    def walk(current: Node, path: str) -> None:
        if current["kind"] == "ref":
            return
        paths[len(paths)] = path
        if current["kind"] == "seq":
            names = current.get("names") or [None] * len(current["items"])
            for index, (name, child) in enumerate(zip(names, current["items"])):
                walk(child, f"{path}[{index}]" if name is None else f"{path}.{name}")

    walk(node, root)
    return paths


def describe(
    node: Node,
    seq_name: str = "MySequential",
    paths: dict[int, str] | None = None,
    *,
    root: str = "net",
) -> str:
    """How a student would write the stack: 'MySequential(Linear(3, 5), ReLU())'. A module used a
    second time is named by its place: 'net[0] again' (``root`` names the whole stack)."""
    if paths is None:
        paths = module_paths(node, root)
    kind = node["kind"]
    if kind == "linear":
        bias = "" if node["bias"] is not None else ", bias=False"
        frozen = " (frozen)" if node.get("frozen") else ""
        return f"Linear({node['in']}, {node['out']}{bias}){frozen}"
    if kind == "batchnorm":
        frozen = " (frozen)" if node.get("frozen") else ""
        return f"BatchNorm1d({node['features']}){frozen}"
    if kind == "relu":
        return "ReLU()"
    if kind == "tanh":
        return "Tanh()"
    if kind == "dropout":
        return f"Dropout({node['p']})"
    if kind == "seq":
        return (
            f"{seq_name}("
            + ", ".join(describe(c, seq_name, paths, root=root) for c in node["items"])
            + ")"
        )
    if kind == "ref":
        return f"{paths.get(node['target'], 'an earlier module')} again"
    return f"<{kind}>"


def parameter_owners(registry: list[nn.Module | None]) -> dict[int, tuple[int, str]]:
    """id(parameter) -> (index of the module that owns it, attribute name)."""
    owners: dict[int, tuple[int, str]] = {}
    for index, module in enumerate(registry):
        if module is None:
            continue
        for attr, param in module.named_parameters(recurse=False):
            owners.setdefault(id(param), (index, attr))
    return owners


def index_of(obj: object, registry: list[nn.Module | None]) -> int:
    """Position of this very object in the registry, or -1."""
    for index, module in enumerate(registry):
        if module is obj:
            return index
    return -1


# -- the initialisers' zoo -----------------------------------------------------------------------


class SubclassedLinear(nn.Linear):
    """A subclass of nn.Linear: not of exact type nn.Linear, so init_* must leave it alone."""


def init_zoo(device: str = "cpu") -> tuple[nn.Module, nn.Module]:
    """A net of many module types for ``net.apply(init_*)``: a Linear, a Conv2d, a Bilinear, an
    nn.Linear subclass, a BatchNorm1d, a materialised LazyLinear (now an nn.Linear) and, last, a
    LazyLinear that has not seen an input. Returns (net, that unseen LazyLinear). The parent and
    the child build it alike; the parent sends the values every parameter starts from."""
    materialised = nn.LazyLinear(4, device=device)
    materialised(torch.zeros(2, 3, device=device))
    lazy = nn.LazyLinear(3, device=device)
    net = nn.Sequential(
        nn.Linear(5, 7, device=device),
        nn.ReLU(),
        nn.Conv2d(2, 3, 3, device=device),
        nn.Bilinear(3, 4, 5, device=device),
        SubclassedLinear(6, 4, device=device),
        nn.BatchNorm1d(4, device=device),
        materialised,
        nn.Sequential(nn.Tanh(), lazy),
    )
    return net, lazy


def zoo_entries(net: nn.Module, lazy: nn.Module) -> list[tuple[str, nn.Module, list[str]]]:
    """(where, module, names of its own parameters) for every zoo module that has parameters,
    the unseen LazyLinear excepted, in ``named_modules`` order."""
    entries = []
    for where, module in net.named_modules():
        names = [name for name, _ in module.named_parameters(recurse=False)]
        if names and module is not lazy:
            entries.append((f"net[{where}]", module, names))
    return entries


# -- lazy networks (the lazy section's materialize) -----------------------------------------------


class TwoInputs(nn.Module):
    """A network of two inputs: ``rest(relu(left(X) + right(Y)))`` with lazy ``left``/``right``."""

    def __init__(self, units: int, rest: nn.Module) -> None:
        super().__init__()
        self.left = nn.LazyLinear(units)
        self.right = nn.LazyLinear(units)
        self.rest = rest

    def forward(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        return self.rest(torch.relu(self.left(X) + self.right(Y)))


def lazy_net(spec: dict[str, Any], device: str) -> nn.Module:
    """The network a lazy net spec (grader.checks.test_lazy draws them) describes: layers
    ``{"kind": "lazy_linear", "units": u}``, ``{"kind": "linear", "in": i, "out": o}`` (initialised
    at construction), ``{"kind": "relu"}``, ``{"kind": "tanh"}``, ``{"kind": "lazy_batchnorm"}``,
    in an ``nn.Sequential``, behind a two-input ``TwoInputs`` when ``spec["pair"]`` is a width."""
    layers: list[nn.Module] = []
    for layer in spec["layers"]:
        kind = layer["kind"]
        if kind == "lazy_linear":
            layers.append(nn.LazyLinear(layer["units"], device=device))
        elif kind == "linear":
            layers.append(nn.Linear(layer["in"], layer["out"], device=device))
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "tanh":
            layers.append(nn.Tanh())
        elif kind == "lazy_batchnorm":
            layers.append(nn.LazyBatchNorm1d(device=device))
        else:
            raise ValueError(f"unknown layer kind {kind!r}")
    net: nn.Module = nn.Sequential(*layers)
    if spec["pair"] is not None:
        net = TwoInputs(spec["pair"], net).to(device)
    return net


# -- networks from specs, as the checks (parent) and the probes (child) both build them ----------------------------------------------


def build_net(spec: Node) -> tuple[nn.Module, list[nn.Module | None]]:
    """Build a spec around nn.Sequential; a seq node with ``"names"`` gets those child names."""
    registry: list[nn.Module | None] = []
    net = build(spec, nn.Sequential, registry)
    counter = [0]

    def rename(node: Node) -> None:
        if node["kind"] == "ref":
            return
        slot = counter[0]
        counter[0] += 1
        if node["kind"] != "seq":
            return
        for child in node["items"]:
            rename(child)
        names = node.get("names")
        module = registry[slot]
        if names and module is not None:
            children = list(module._modules.values())
            module._modules.clear()
            for name, child in zip(names, children):
                module._modules[name] = child

    rename(spec)
    return net, registry


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mse": nn.MSELoss(),
    "huber": nn.HuberLoss(delta=0.5),
    "sum of squares": lambda out, y: ((out - y) ** 2).sum(),
}


def describe_net(node: Node, paths: dict[int, str] | None = None) -> str:
    """How a student would write the network; children with names show them ('block 0': …); a
    module used twice is named by its place in the net (``net.block 1 again``)."""
    if paths is None:
        paths = module_paths(node)
    if node["kind"] != "seq":
        return describe(node, "Sequential", paths)
    names = node.get("names") or [None] * len(node["items"])
    parts = [
        describe_net(child, paths) if name is None else f"{name!r}: {describe_net(child, paths)}"
        for name, child in zip(names, node["items"])
    ]
    return "Sequential(" + ", ".join(parts) + ")"


class _Scaled(nn.Module):
    """A module with a persistent and a non-persistent buffer of its own."""

    def __init__(self, inner: nn.Module, width: int) -> None:
        super().__init__()
        self.inner = inner
        self.register_buffer("scale", torch.linspace(0.5, 1.5, width))
        self.register_buffer("shift", torch.linspace(-0.1, 0.1, width), persistent=False)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.inner(X) * self.scale + self.shift


def scaled_net(spec: Node, width: int) -> nn.Module:
    """The stack of ``spec`` (eval mode) followed by a per-feature scale and shift held in buffers."""
    return _Scaled(build(spec, nn.Sequential, []), width).eval()


def report_shapes(report: list[dict[str, Any]]) -> list[tuple[int, ...] | None]:
    """The shapes in a probe's parameter report (``probes.common.parameter_report``): a tuple per
    parameter, None for one still uninitialised (lazy)."""
    return [None if entry["shape"] is None else tuple(entry["shape"]) for entry in report]
