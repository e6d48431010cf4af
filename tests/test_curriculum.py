"""grader/curriculum.py: sections, graded items and their public names and signatures."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader.curriculum import ITEMS, ITEMS_BY_ID, SECTIONS, Item, items_in, select

REPO = Path(__file__).resolve().parents[1]
SOURCE_TREES = ["solutions", "exercises"]


def module_tree(tree: str, section: str) -> ast.Module:
    path = REPO / tree / f"{section}.py"
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def top_level_definitions(module: ast.Module) -> dict[str, ast.AST]:
    """Names bound at module level (def, class, assignment), without importing the module."""
    found: dict[str, ast.AST] = {}
    for node in module.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node
    return found


_NO_DEFAULT = object()


def _default(node: ast.expr | None):
    if node is None:
        return _NO_DEFAULT
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return ("source", ast.unparse(node))
    return (type(value).__name__, value)


def curriculum_parameters(signature: str) -> tuple[str, list[tuple[str, object]], str | None]:
    """(name, [(parameter, default)], *args name) of a curriculum signature string."""
    call = ast.parse(signature, mode="eval").body
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name), signature
    params: list[tuple[str, object]] = []
    star = None
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            assert isinstance(arg.value, ast.Name), signature
            star = arg.value.id
        else:
            assert isinstance(arg, ast.Name), signature
            assert star is None, f"{signature}: parameter after *args"
            params.append((arg.id, _NO_DEFAULT))
    for keyword in call.keywords:
        assert keyword.arg is not None, signature
        params.append((keyword.arg, _default(keyword.value)))
    return call.func.id, params, star


def definition_parameters(
    node: ast.AST,
) -> tuple[list[tuple[str, object]], str | None, list[str], str | None]:
    """(positional parameters with defaults, *args, keyword-only names, **kwargs) of a def/class."""
    if isinstance(node, ast.ClassDef):
        inits = [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
        if not inits:
            return [], None, [], None
        params, star, kwonly, kwargs = definition_parameters(inits[-1])
        assert params and params[0][0] == "self"
        return params[1:], star, kwonly, kwargs
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)), ast.dump(node)
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [(a.arg, _default(d)) for a, d in zip(positional, defaults)]
    star = args.vararg.arg if args.vararg else None
    kwargs = args.kwarg.arg if args.kwarg else None
    return params, star, [a.arg for a in args.kwonlyargs], kwargs


def signature_cases() -> list:
    cases = []
    for item in ITEMS:
        for signature in item.signatures:
            for tree in SOURCE_TREES:
                cases.append(pytest.param(item.section, signature, tree, id=f"{tree}:{signature}"))
    return cases


# ---------------------------------------------------------------------------------------------
# The items as data


CURRICULUM_DOCUMENT = REPO.parent / "shared" / "CURRICULUM.md"


def documented_items() -> list[tuple[str, tuple[str, ...]]]:
    """(section, public names) per row of the curriculum document's tables, in its order."""
    rows: list[tuple[str, tuple[str, ...]]] = []
    section = ""
    for line in CURRICULUM_DOCUMENT.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## \d+\. `(\w+)`", line)
        if heading:
            section = heading.group(1)
        elif section and line.startswith("| `"):
            first_cell = line.split("|")[1]
            rows.append((section, tuple(re.findall(r"`(\w+)\(", first_cell))))
    return rows


def test_the_items_are_the_curriculum_documents_in_its_order():
    """Does the curriculum in code hold exactly the curriculum document's items (section, public
    names), in its order, each section's items together? (No count is written here: a new item
    in both places passes, an item in one place only fails.)"""
    if not CURRICULUM_DOCUMENT.is_file():
        pytest.fail(
            f"{CURRICULUM_DOCUMENT} is missing: the kit's tests run with ../shared beside it"
        )
    assert [(item.section, item.names) for item in ITEMS] == documented_items()
    assert len(SECTIONS) == len(set(SECTIONS))
    assert {item.section for item in ITEMS} == set(SECTIONS)
    order = [SECTIONS.index(item.section) for item in ITEMS]
    assert order == sorted(order)
    assert all(items_in(s) for s in SECTIONS)


def test_ids_are_unique_and_name_the_first_public_name():
    """Is every id f"{section}.{names[0]}" and different from every other id?"""
    ids = [item.id for item in ITEMS]
    assert len(set(ids)) == len(ids)
    for item in ITEMS:
        assert item.id == f"{item.section}.{item.names[0]}"
        assert ITEMS_BY_ID[item.id] is item
    assert len(ITEMS_BY_ID) == len(ITEMS)


def test_names_are_read_from_the_signatures():
    """Does each item have one name per signature, the text before its parenthesis?"""
    for item in ITEMS:
        assert len(item.names) == len(item.signatures) >= 1
        for name, signature in zip(item.names, item.signatures):
            assert signature.startswith(name + "(") and signature.endswith(")")
    all_names = [(item.section, name) for item in ITEMS for name in item.names]
    assert len(set(all_names)) == len(all_names)


def test_a_serialization_item_covers_save_and_load():
    """Does serialization.save cover both save and load (and the checkpoint item both halves)?"""
    item = ITEMS_BY_ID["serialization.save"]
    assert item.names == ("save", "load")
    assert item.signatures == ("save(obj, path)", "load(path, map_location=None)")
    assert ITEMS_BY_ID["serialization.save_checkpoint"].names == (
        "save_checkpoint",
        "load_checkpoint",
    )
    assert "serialization.load" not in ITEMS_BY_ID


def test_items_are_frozen():
    """Can an item not be changed after the fact (it is shared by every result)?"""
    item = ITEMS[0]
    with pytest.raises(AttributeError):
        item.section = "x"  # type: ignore[misc]
    assert isinstance(item, Item)


# ---------------------------------------------------------------------------------------------
# select (--only)


@pytest.mark.parametrize("selectors", [None, []])
def test_selecting_nothing_selects_everything_in_order(selectors):
    """Does select(None) (or an empty list) give every item, in curriculum order?"""
    assert select(selectors) == list(ITEMS)


def test_selecting_a_section_gives_its_items():
    """Does select(["modules"]) give exactly the 7 modules items, in order?"""
    chosen = select(["modules"])
    assert [item.id for item in chosen] == [
        "modules.MLP",
        "modules.MySequential",
        "modules.FixedHiddenMLP",
        "modules.NestMLP",
        "modules.chimera",
        "modules.Parallel",
        "modules.replicate",
    ]


def test_overlapping_selectors_give_no_duplicates_in_curriculum_order():
    """Do an id plus its own section, given out of order, give each item once in curriculum order?"""
    chosen = select(["modules.MLP", "modules"])
    assert chosen == items_in("modules")
    chosen = select(["gpus.try_gpu", "modules.Parallel", "modules.MLP", "gpus.try_gpu"])
    assert [item.id for item in chosen] == ["modules.MLP", "modules.Parallel", "gpus.try_gpu"]


def test_sections_and_ids_mix():
    """Does a section plus an id from another section give both, in curriculum order?"""
    chosen = select(["tying", "modules.chimera"])
    assert [item.id for item in chosen] == [
        "modules.chimera",
        "tying.tied_mlp",
        "tying.TiedAutoencoder",
        "tying.tie",
    ]


@pytest.mark.parametrize(
    "selectors", [["nope"], ["modules", "nope"], ["serialization.load"], ["Modules"]]
)
def test_an_unknown_selector_is_refused_by_name(selectors):
    """Does an unknown item or section raise ValueError naming it?"""
    with pytest.raises(ValueError) as info:
        select(selectors)
    assert selectors[-1] in str(info.value)
    assert "modules.MySequential" in str(info.value)  # says what a valid id looks like


def test_every_unknown_selector_is_named():
    """Are all unknown selectors named in one error, not just the first?"""
    with pytest.raises(ValueError) as info:
        select(["nope", "modules", "zilch"])
    assert "nope" in str(info.value) and "zilch" in str(info.value)


# ---------------------------------------------------------------------------------------------
# The curriculum agrees with solutions/ and exercises/


@pytest.mark.parametrize("tree", SOURCE_TREES)
@pytest.mark.parametrize("section", SECTIONS)
def test_every_name_is_defined_at_module_level(tree, section):
    """Does <tree>/<section>.py define every public name of the section's items at top level?"""
    defined = top_level_definitions(module_tree(tree, section))
    names = [name for item in items_in(section) for name in item.names]
    missing = [name for name in names if name not in defined]
    assert missing == []


@pytest.mark.parametrize(("section", "signature", "tree"), signature_cases())
def test_signatures_match_the_definitions(section, signature, tree):
    """Do the parameter names, order, *args and defaults of the signature match the def?"""
    name, expected, star = curriculum_parameters(signature)
    node = top_level_definitions(module_tree(tree, section))[name]
    params, def_star, kwonly, kwargs = definition_parameters(node)
    assert params == expected
    assert def_star == star
    assert kwonly == []
    assert kwargs is None


def test_the_signature_parser_reads_what_it_should():
    """Does the test's own parser read names, defaults and *args from a curriculum signature?"""
    assert curriculum_parameters('k(t, a=0, mode="fan_in", n=-1, m=None)') == (
        "k",
        [
            ("t", _NO_DEFAULT),
            ("a", ("int", 0)),
            ("mode", ("str", "fan_in")),
            ("n", ("int", -1)),
            ("m", ("NoneType", None)),
        ],
        None,
    )
    assert curriculum_parameters("MySequential(*modules)") == ("MySequential", [], "modules")
    # A float default must not pass for an int one.
    assert _default(ast.parse("1.0", mode="eval").body) != _default(
        ast.parse("1", mode="eval").body
    )


def test_the_definition_reader_handles_classes():
    """Does the test's own reader skip self, and give no parameters to a class without __init__?"""
    module = ast.parse(
        "class A:\n    def __init__(self, x, *rest, y=2): ...\n"
        "class B:\n    def forward(self, X): ...\n"
        "def f(a, b=1.0, *, c, **kw): ...\n"
    )
    defs = top_level_definitions(module)
    assert definition_parameters(defs["A"]) == (
        [("x", _NO_DEFAULT)],
        "rest",
        ["y"],
        None,
    )
    assert definition_parameters(defs["B"]) == ([], None, [], None)
    assert definition_parameters(defs["f"]) == (
        [("a", _NO_DEFAULT), ("b", ("float", 1.0))],
        None,
        ["c"],
        "kw",
    )
