"""The shape of the house: no import circles; `bot/` knows no feature but through its one list;
the framework knows none at all; a feature reaches another only where its docstring says so;
`storage/` knows neither Matrix nor the features."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "commands", "storage")
FEATURES = ("general", "announcements", "events", "polls", "surveys", "topics", "space")
# The one file in bot/ that names the features.
FEATURE_LIST = "bot.features"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


MODULES = modules()


def type_only(tree: ast.Module) -> set[ast.AST]:
    """The nodes under `if TYPE_CHECKING:`: names for annotations, never imported at run time."""
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for child in node.body:
                skipped.update(ast.walk(child))
    return skipped


def imports_of(name: str) -> set[str]:
    """Every module of ours `name` imports at run time, wherever in the file (lazy imports
    inside functions count too)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = type_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            # `from commands.events import commands` imports the module `commands.events.commands`.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "commands" and len(parts) > 1 and parts[1] in FEATURES:
        return parts[1]
    return None


def test_every_feature_has_its_package() -> None:
    for feature in FEATURES:
        assert f"commands.{feature}" in MODULES, feature


def test_no_import_circles() -> None:
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH[node]):
            # Importing a package's submodule runs the package's __init__ first; that edge is
            # Python's own, not a circle of ours.
            if node.startswith(target + "."):
                continue
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("bot")))
def test_bot_knows_no_feature(name: str) -> None:
    if name == FEATURE_LIST:
        return
    named = sorted(module for module in GRAPH[name] if feature_of(module) is not None)
    assert named == [], f"{name} imports features: {named}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("commands.core")))
def test_the_framework_knows_no_feature_and_no_bot(name: str) -> None:
    wrong = sorted(m for m in GRAPH[name] if feature_of(m) is not None or m.startswith("bot"))
    assert wrong == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("storage")))
def test_storage_knows_only_storage(name: str) -> None:
    assert sorted(m for m in GRAPH[name] if not m.startswith("storage")) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if feature_of(n) is not None))
def test_a_feature_reaches_another_only_where_its_docstring_says(name: str) -> None:
    own = feature_of(name)
    assert not any(m.startswith("bot") for m in GRAPH[name]), f"{name} imports bot/"
    others = {feature_of(m) for m in GRAPH[name]} - {own, None}
    docstring = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8"))) or ""
    unnamed = sorted(other for other in others if f"commands.{other}" not in docstring)
    assert unnamed == [], f"{name} uses {unnamed} without naming it in its docstring"


def test_every_module_says_its_job() -> None:
    missing = [
        name
        for name, path in MODULES.items()
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []
