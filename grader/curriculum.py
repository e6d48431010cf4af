"""The curriculum as data: sections, graded items, their public names. The course's contracts
are ../shared/CURRICULUM.md; CURRICULUM.md in this repository is generated from this module and the
checks' markers (``python -m grader curriculum``).

An item's id is ``<section>.<first name>``; every result lists every item, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS: tuple[str, ...] = (
    "modules",
    "parameters",
    "initialization",
    "lazy",
    "layers",
    "tying",
    "serialization",
    "gpus",
)


@dataclass(frozen=True)
class Item:
    """One graded row of the curriculum."""

    section: str
    """Section module, e.g. "modules"."""
    names: tuple[str, ...]
    """Public names the item covers; the first one names the item."""
    signatures: tuple[str, ...]
    """How each name is called, as the student sees it."""

    @property
    def id(self) -> str:
        return f"{self.section}.{self.names[0]}"


def _item(section: str, *signatures: str) -> Item:
    names = tuple(sig.split("(", 1)[0] for sig in signatures)
    return Item(section, names, signatures)


ITEMS: tuple[Item, ...] = (
    _item("modules", "MLP(hidden=256, out=10)"),
    _item("modules", "MySequential(*modules)"),
    _item("modules", "FixedHiddenMLP()"),
    _item("modules", "NestMLP()"),
    _item("modules", "chimera()"),
    _item("modules", "Parallel(net1, net2, dim=-1)"),
    _item("modules", "replicate(factory, n)"),
    _item("parameters", "layer_state(net, i)"),
    _item("parameters", "parameter_shapes(net)"),
    _item("parameters", "count_parameters(net, trainable_only=False)"),
    _item("parameters", "block1()"),
    _item("parameters", "block2(n=4)"),
    _item("parameters", "rgnet(n=4)"),
    _item("parameters", "get_parameter(net, name)"),
    _item("parameters", "gradients(net, X, y, loss_fn)"),
    _item("initialization", "init_normal(m)"),
    _item("initialization", "init_constant(m, value=1.0)"),
    _item("initialization", "init_xavier(m)"),
    _item("initialization", "init_42(m)"),
    _item("initialization", "my_init(m)"),
    _item("initialization", "xavier_uniform_(t, gain=1.0)"),
    _item("initialization", 'kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu")'),
    _item("initialization", "mixture_uniform_(t, components)"),
    _item("lazy", "lazy_mlp(hidden=256, out=10)"),
    _item("lazy", "materialize(net, *example_inputs)"),
    _item("lazy", "LazyMyLinear(units)"),
    _item("layers", "CenteredLayer()"),
    _item("layers", "MyLinear(in_units, units)"),
    _item("layers", "TensorReduction(i, k)"),
    _item("layers", "FourierHalf()"),
    _item("tying", "tied_mlp(shared=None)"),
    _item("tying", "TiedAutoencoder(n_in, n_hidden)"),
    _item("tying", 'tie(dst, src, name="weight")'),
    _item("serialization", "save(obj, path)", "load(path, map_location=None)"),
    _item("serialization", "save_params(net, path)", "load_params(net, path)"),
    _item("serialization", "transplant(src_state, dst, n)"),
    _item(
        "serialization",
        "save_checkpoint(path, net, optimizer, step)",
        "load_checkpoint(path, net, optimizer)",
    ),
    _item("gpus", "num_gpus()"),
    _item("gpus", "try_gpu(i=0)"),
    _item("gpus", "try_all_gpus()"),
    _item("gpus", "to_device(net, device)"),
    _item("gpus", "norms_on_device(A, B, device)"),
)

ITEMS_BY_ID: dict[str, Item] = {item.id: item for item in ITEMS}

# The only items whose reference solutions call other items (CURRICULUM.md). A failure of the used
# item can show in the user too when it makes the user's code crash or hang; the checks are written
# so that a *wrong* result of the used item does not.
USES: dict[str, tuple[str, ...]] = {
    "modules.chimera": ("modules.NestMLP", "modules.FixedHiddenMLP"),
    "parameters.block2": ("parameters.block1",),
    "parameters.rgnet": ("parameters.block2",),
}


def users_of(item_id: str) -> list[str]:
    """Items whose solutions call ``item_id``, directly or through another item."""
    found = [user for user, used in USES.items() if item_id in used]
    for user in list(found):
        found.extend(u for u in users_of(user) if u not in found)
    return found


def items_in(section: str) -> list[Item]:
    return [item for item in ITEMS if item.section == section]


def select(selectors: list[str] | None) -> list[Item]:
    """Items named by ids or section names (``--only``). Raises ValueError naming unknown ones."""
    if not selectors:
        return list(ITEMS)
    chosen: list[Item] = []
    unknown = []
    for selector in selectors:
        if selector in ITEMS_BY_ID:
            matches = [ITEMS_BY_ID[selector]]
        elif selector in SECTIONS:
            matches = items_in(selector)
        else:
            unknown.append(selector)
            continue
        chosen.extend(m for m in matches if m not in chosen)
    if unknown:
        raise ValueError(
            f"unknown item or section: {', '.join(unknown)} "
            f"(use a section such as 'modules' or an id such as 'modules.MySequential')"
        )
    return [item for item in ITEMS if item in chosen]
