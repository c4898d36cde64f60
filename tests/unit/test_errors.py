"""One exception tree: every project exception derives from `PetitionBotError`, the tree in
core/errors.py's docstring lists them all, and project code raises no bare builtin exception
(a pydantic validator's ``ValueError`` aside: that is how pydantic learns a value is bad)."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
from pathlib import Path

import pytest

import core.errors
from core.errors import PetitionBotError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "storage", "bots")
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)
# How pydantic is told to run a function as a validator.
VALIDATOR_DECORATORS = frozenset({"field_validator", "model_validator"})
VALIDATOR_WRAPPERS = re.compile(r"(After|Before|Plain|Wrap)Validator|\w+_validator_function")


def project_files() -> list[Path]:
    files = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    # Numbered migration steps are loaded by path, one at a time, never imported as modules.
    return [path for path in files if "migrations" not in path.relative_to(ROOT).parts[1:-1]]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_exceptions() -> list[type[BaseException]]:
    """Every exception class defined at the top of a module of core/, storage/ or bots/."""
    found = []
    for path in project_files():
        module = importlib.import_module(module_name(path))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                found.append(cls)
    return found


def test_every_project_exception_derives_from_the_root() -> None:
    exceptions = project_exceptions()
    assert len(exceptions) >= 17  # the walk found the modules (a wrong path finds none)
    strays = [cls for cls in exceptions if not issubclass(cls, PetitionBotError)]
    assert [f"{cls.__module__}.{cls.__qualname__}" for cls in strays] == []


TREE_LINE = re.compile(r"^ {4}([│├└─ ]*)([A-Z]\w+) {2,}(.*)$")  # prefix, class, description


def test_the_documented_tree_is_the_real_one() -> None:
    """Each class of the docstring's tree exists, under its real parent, in its real module."""
    documented: dict[str, tuple[str, str]] = {}  # class → (parent, description)
    parents: list[str] = []
    for line in (core.errors.__doc__ or "").splitlines():
        if match := TREE_LINE.match(line):
            depth = len(match[1]) // 4  # "├── " and "│   " are one level each
            parents[depth:] = [match[2]]
            documented[match[2]] = (parents[depth - 1] if depth else "Exception", match[3])
    real = {cls.__name__: cls for cls in project_exceptions()}
    assert sorted(documented) == sorted(real)
    for name, (parent, description) in documented.items():
        cls = real[name]
        assert cls.__bases__[0].__name__ == parent, f"{name} is under {parent} in the tree"
        if cls.__module__ == "core.errors":
            assert not re.search(r"\b(core|storage|bots)[\w.]*:", description), name
        else:
            assert f"{cls.__module__}:" in description, f"{name} is in {cls.__module__}"


def bare_raises(source: str, filename: str = "<test>") -> list[str]:
    """``file:line name`` of each ``raise`` of a builtin exception outside pydantic validators."""
    tree = ast.parse(source, filename)
    validators = _pydantic_validators(tree)
    found: list[str] = []

    def visit(node: ast.AST, in_validator: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_validator = node.name in validators or any(
                _called_name(d) in VALIDATOR_DECORATORS for d in node.decorator_list
            )
        if isinstance(node, ast.Raise) and node.exc is not None and not in_validator:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(raised, ast.Name) and raised.id in BUILTIN_EXCEPTIONS:
                found.append(f"{filename}:{node.lineno} {raised.id}")
        for child in ast.iter_child_nodes(node):
            visit(child, in_validator)

    visit(tree, False)
    return found


def _pydantic_validators(tree: ast.AST) -> set[str]:
    """Names of the functions (and methods) a module hands to pydantic as validators."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and VALIDATOR_WRAPPERS.fullmatch(_called_name(node) or ""):
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    names.add(arg.id)
                elif isinstance(arg, ast.Attribute):  # self.check
                    names.add(arg.attr)
    return names


def _called_name(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id
    return target.attr if isinstance(target, ast.Attribute) else None


def test_project_code_raises_no_bare_builtin_exception() -> None:
    found = []
    for path in project_files():
        found += bare_raises(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("def f():\n    raise ValueError('x')\n", ["<test>:2 ValueError"]),
        ("def f():\n    raise RuntimeError\n", ["<test>:2 RuntimeError"]),
        ("class S:\n    async def f(self):\n        raise KeyError(1)\n", ["<test>:3 KeyError"]),
        ("def f():\n    raise StoreClosed('x')\n", []),
        ("def f(e):\n    raise e from None\n", []),
        ("def f():\n    try:\n        g()\n    except OSError:\n        raise\n", []),
        (
            "class M(BaseModel):\n    @field_validator('a')\n    @classmethod\n"
            "    def _a(cls, v):\n        raise ValueError('bad')\n",
            [],
        ),
        ("def _k(v):\n    raise ValueError('bad')\nKey = Annotated[str, AfterValidator(_k)]\n", []),
        (
            "class W:\n    def check(self, v):\n        raise ValueError('bad')\n"
            "    def schema(self):\n        return no_info_before_validator_function(self.check)\n",
            [],
        ),
    ],
)
def test_the_check_finds_bare_raises_and_spares_pydantic_validators(
    source: str, flagged: list[str]
) -> None:
    assert bare_raises(source) == flagged
