"""The conventions of docs/architecture.md and docs/contributing.md, checked on the source instead of in review.

Each rule is a function over parsed modules (`ast`, nothing imported), run on the `beffroi` package; each has a
test that feeds it a deliberate violation, so a rule that stops catching anything fails here too.

1. Imports run one way between apps (DESIGN's chain): opendata → planning → the domain apps → inclusion →
   territory → accounts → core; the domain apps in the middle do not import each other.
2. No module reaches into another module's private names (`from x import _y`, `x._y`).
3. Inside an app, no import cycle between its modules (function-level imports count: they only hide a cycle).
4. Pure modules (algorithms and standards) import no Django and nothing of Beffroi but other pure modules.
5. Every public service has a docstring, and a service that writes to the database leaves an audit entry —
   or says in its docstring why not ("Not audited: …").
"""

from __future__ import annotations

import ast
import fnmatch
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = "beffroi"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# DESIGN.md: "Imports run one way, from the top of this list down, never back up". Lower number = lower layer.
LAYERS = {
    "core": 0,
    "accounts": 1,
    "territory": 2,
    "inclusion": 3,
    "funding": 4,
    "datahub": 4,
    "reports": 4,
    "procedures": 4,
    "participation": 4,
    "budgeting": 4,
    "planning": 5,
    "opendata": 6,
}
# Project-level modules (settings, URL map, the CLI, the API mounts) wire the apps together: they may import any.
WIRING = {"settings", "urls", "api", "cli", "wsgi", "__init__", "locale", "templates", "static"}

# Algorithms and standards: no Django, nothing of Beffroi but other pure modules (STYLE.md, "pure modules").
PURE_MODULES = [
    "beffroi.core.amounts",
    "beffroi.core.formatting",
    "beffroi.core.text",
    "beffroi.core.charts.*",
    "beffroi.budgeting.rules.*",
    "beffroi.budgeting.pabulib",
    "beffroi.budgeting.pabulib_writer",
    "beffroi.budgeting.results",
    "beffroi.datahub.alerting",
    "beffroi.datahub.ngsild.*",
    "beffroi.datahub.lorawan.*",
    "beffroi.funding.catalogue",
    "beffroi.participation.tally",
    "beffroi.funding.cofinancing",
    "beffroi.funding.matching",
    "beffroi.participation.sortition.*",
    "beffroi.planning.maturity",
    "beffroi.planning.indicator_units",
    "beffroi.planning.use_case_catalogue",
    "beffroi.procedures.deadlines",
    "beffroi.procedures.fields",
    "beffroi.procedures.schema",
    "beffroi.core.codes",
    "beffroi.core.images",
    "beffroi.core.demo_pictures",
    "beffroi.core.geo",
    "beffroi.territory.official_list",
    "beffroi.territory.contour",
    "beffroi.territory.logo",
    "beffroi.reports.questions",
    "beffroi.territory.addressing",
    "beffroi.territory.bal",
    "beffroi.territory.demo_geography",
    "beffroi.territory.static_map",
]
AUDIT_CALLS = ("audit_record", "audit")  # a call whose name contains one of these leaves an audit entry
WRITE_METHODS = {
    "save",
    "create",
    "bulk_create",
    "update",
    "delete",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


@dataclass
class Module:
    name: str  # dotted, e.g. beffroi.reports.services
    path: Path
    tree: ast.Module
    imports: list[tuple[str, int, bool]] = field(default_factory=list)  # (module, line, inside TYPE_CHECKING)
    from_names: list[tuple[str, str, int]] = field(default_factory=list)  # (module, name, line)

    @property
    def app(self) -> str | None:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else None


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def load_modules(root: Path) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = Module(name=name, path=path, tree=tree)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    module.imports.append((alias.name, node.lineno, _in_type_checking(node, parents)))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
                module.imports.append((target, node.lineno, _in_type_checking(node, parents)))
                for alias in node.names:
                    module.from_names.append((target, alias.name, node.lineno))
        modules[name] = module
    return modules


def _own(target: str, modules: dict[str, Module]) -> str | None:
    """The project module an import names (a submodule import names the submodule, if it exists)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


# Rule 1 ---------------------------------------------------------------------------------------------------------
def import_direction_violations(modules: dict[str, Module]) -> list[str]:
    found = []
    for module in modules.values():
        app = module.app
        if app is None or app in WIRING or app not in LAYERS:
            continue
        for target, line, type_only in module.imports:
            parts = target.split(".")
            if (
                type_only
            ):  # an annotation names a type; it does not make the module depend on the other at run time
                continue
            if parts[0] != PACKAGE or len(parts) < 2 or parts[1] == app:
                continue
            other = parts[1]
            if other in WIRING:
                found.append(f"{module.name}:{line} imports the project wiring {target}")
            elif other in LAYERS and LAYERS[other] >= LAYERS[app]:
                found.append(
                    f"{module.name}:{line} ({app}) imports {target} ({other}): imports run down the layers"
                )
    return found


# Rule 2 ---------------------------------------------------------------------------------------------------------
def private_name_violations(modules: dict[str, Module]) -> list[str]:
    found = []
    for module in modules.values():
        for target, name, line in module.from_names:
            if target.split(".")[0] != PACKAGE or target == module.name:
                continue
            if name.startswith("_") and not name.startswith("__"):
                found.append(
                    f"{module.name}:{line} imports {target}.{name}, a private name of another module"
                )
        aliases: dict[str, str] = {}
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(PACKAGE + ".") and alias.asname:
                        aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node.module or "", node.level, module.name, module.path.name == "__init__.py")
                for alias in node.names:
                    if f"{base}.{alias.name}" in modules:
                        aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and aliases[node.value.id] != module.name
            ):
                found.append(
                    f"{module.name}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}, "
                    "a private name of another module"
                )
    return found


# Rule 3 ---------------------------------------------------------------------------------------------------------
def import_cycles(modules: dict[str, Module]) -> list[str]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module in modules.values():
        named = {(target, line) for target, _, line in module.from_names}
        targets = [(t, type_only) for t, line, type_only in module.imports if (t, line) not in named]
        type_only_lines = {line for _, line, type_only in module.imports if type_only}
        targets += [
            (f"{t}.{name}" if f"{t}.{name}" in modules else t, line in type_only_lines)
            for t, name, line in module.from_names
        ]
        for target, type_only in targets:
            own = _own(target, modules)
            if own and own != module.name and not type_only and modules[own].app == module.app:
                # importing a package's submodule runs the package's __init__ first, not the reverse
                if module.name.startswith(own + "."):
                    continue
                graph[module.name].add(own)
    # Tarjan's strongly connected components: each component of more than one module is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[str] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append("import cycle: " + " → ".join(sorted(component)))

    for node in sorted(modules):
        if node not in index:
            visit(node)
    return cycles


# Rule 4 ---------------------------------------------------------------------------------------------------------
def _is_pure(name: str) -> bool:
    return any(
        fnmatch.fnmatch(name, pattern) or name == pattern.removesuffix(".*") for pattern in PURE_MODULES
    )


def impure_pure_modules(modules: dict[str, Module]) -> list[str]:
    found = []
    for module in modules.values():
        if not _is_pure(module.name):
            continue
        for target, line, _ in module.imports:
            top = target.split(".")[0]
            if top in ("django", "ninja", "django_tasks"):
                found.append(f"{module.name}:{line} is a pure module but imports {target}")
            elif top == PACKAGE and not _is_pure(_own(target, modules) or target):
                found.append(f"{module.name}:{line} is a pure module but imports {target}, which is not pure")
    return found


# Rule 5 ---------------------------------------------------------------------------------------------------------
def _service_modules(modules: dict[str, Module]) -> list[Module]:
    return [
        m
        for m in modules.values()
        if m.name.endswith(".services") or ".services." in m.name or m.name.endswith("_services")
    ]


def _calls(function: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def _service_module_violations(module: Module) -> list[str]:
    functions = {
        node.name: node
        for node in module.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    calls = {name: _calls(node) for name, node in functions.items()}
    audits: dict[str, bool] = {}

    def audited(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in audits:
            return audits[name]
        direct = any(any(word in call for word in AUDIT_CALLS) for call in calls[name])
        result = direct or any(
            audited(callee, seen | {name})
            for callee in calls[name]
            if callee in functions and callee not in seen
        )
        audits[name] = result
        return result

    def writes(name: str, seen: frozenset[str] = frozenset()) -> bool:
        return bool(calls[name] & WRITE_METHODS) or any(
            writes(callee, seen | {name})
            for callee in calls[name]
            if callee in functions and callee not in seen
        )

    found = []
    for name, node in functions.items():
        if name.startswith("_"):
            continue
        doc = ast.get_docstring(node) or ""
        if not doc:
            found.append(f"{module.name}.{name} (line {node.lineno}) is a public service without a docstring")
        elif writes(name) and not audited(name) and "Not audited:" not in doc:
            found.append(
                f"{module.name}.{name} (line {node.lineno}) writes but leaves no audit entry "
                "(or say why in its docstring: 'Not audited: …')"
            )
    return found


def service_violations(modules: dict[str, Module]) -> list[str]:
    return [found for module in _service_modules(modules) for found in _service_module_violations(module)]


RULES = {
    "import direction": import_direction_violations,
    "private names": private_name_violations,
    "import cycles": import_cycles,
    "pure modules": impure_pure_modules,
    "services": service_violations,
}


@pytest.fixture(scope="module")
def project_modules():
    return load_modules(ROOT)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_project_keeps_the_rule(project_modules, rule):
    violations = RULES[rule](project_modules)
    assert not violations, f"{len(violations)} breach(es) of '{rule}':\n" + "\n".join(violations)


# Each rule catches a deliberate violation -------------------------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    root = tmp_path / PACKAGE
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for directory in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (directory / "__init__.py").touch()
    return load_modules(root)


def test_a_lower_layer_importing_a_higher_one_is_caught(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "core/models.py": "from beffroi.reports.models import Report\n",
            "reports/views.py": "from beffroi.budgeting import selectors\nfrom beffroi.core import models\n",
            "budgeting/selectors.py": "X = 1\n",
        },
    )
    violations = import_direction_violations(modules)
    assert any("beffroi.core.models:1" in v for v in violations)
    assert any("beffroi.reports.views:1" in v and "budgeting" in v for v in violations)
    assert not any("reports.views:2" in v for v in violations)


def test_reaching_into_a_private_name_is_caught(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "datahub/services.py": "def _short(x):\n    return x\n",
            "datahub/labels.py": "from beffroi.datahub.services import _short\n",
            "datahub/views.py": "from beffroi.datahub import services\n\nservices._short(1)\n",
        },
    )
    violations = private_name_violations(modules)
    assert any("labels:1" in v for v in violations)
    assert any("views:3" in v for v in violations)


def test_an_import_cycle_hidden_in_a_function_is_caught(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "datahub/a.py": "from beffroi.datahub import b\n",
            "datahub/b.py": "def f():\n    from beffroi.datahub import c\n",
            "datahub/c.py": "from beffroi.datahub.a import X\n",
            "datahub/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from beffroi.datahub import a\n",
        },
    )
    (cycle,) = import_cycles(modules)
    assert "beffroi.datahub.a" in cycle and "beffroi.datahub.c" in cycle and "beffroi.datahub.d" not in cycle


def test_a_pure_module_importing_django_is_caught(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "budgeting/rules/mes.py": "from django.conf import settings\nfrom beffroi.budgeting import models\n",
            "budgeting/models.py": "X = 1\n",
        },
    )
    violations = impure_pure_modules(modules)
    assert len(violations) == 2


def test_a_service_without_docstring_or_audit_is_caught(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "reports/services.py": (
                "def report_close(*, report):\n    report.save()\n\n"
                'def report_reopen(*, report):\n    """Reopen."""\n    report.save()\n\n'
                'def report_note(*, report):\n    """Note."""\n    _write(report)\n\n'
                "def _write(report):\n    report.save()\n    audit_record(obj=report)\n\n"
                'def report_touch(*, report):\n    """Touch.\n\n    Not audited: a read counter.\n    """\n'
                "    report.save()\n"
            ),
        },
    )
    violations = service_violations(modules)
    assert len(violations) == 2
    assert "report_close" in violations[0] and "docstring" in violations[0]
    assert "report_reopen" in violations[1] and "audit" in violations[1]
