"""The layer and vocabulary rules of the platform, as plain checks over source text and apps.

Each check takes what it inspects (a module's source, a template's text, an app, audit rows) and
returns a list of :class:`Violation`, each naming the place (``path:line``, a route or an entry) and the rule
broken. The architecture tests run them over the real tree, and feed them deliberately wrong
samples to prove each one catches what it is meant to; both call the same functions here.

The rules (DESIGN.md §6 and the shared contract of issue 8):

* imports go inwards only: ``domain`` imports no framework and no other ``grants`` layer;
  ``models`` never import ``services`` or the web; ``services`` never import the web layer nor
  Flask's request handling (``current_app`` reads of configuration are tolerated);
* a template contains no state literal: views pass lifecycle actions or ``can_*`` results;
* every audit action name is a literal from the closed set, or the lifecycle engine's own name;
  ``lifecycle.apply`` is called with an action of that lifecycle's table;
* every route declares a policy;
* services change a state only through ``grants.services.lifecycle.apply``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from grants.domain.workflow import Lifecycle

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "grants"


@dataclass(frozen=True, order=True)
class Violation:
    """One broken rule: where (``path:line``, a route, an audit entry) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def report(violations: Iterable[Violation]) -> str:
    """The violations one per line, for an assertion message."""
    return "\n".join(str(violation) for violation in violations)


def fail_on(violations: Iterable[Violation], title: str) -> None:
    """Fail the running test with ``title`` and one violation a line, when there are any."""
    found = list(violations)
    if found:
        pytest.fail(f"{title} ({len(found)}):\n{report(found)}", pytrace=False)


# --- modules and their imports ---------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """A Python module of the package: its dotted name, its path for messages, its source."""

    name: str
    path: str
    source: str
    is_package: bool = False

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def package_modules(root: Path = REPO_ROOT, package: str = PACKAGE) -> Iterator[Module]:
    """Every module under ``root/package``, in path order."""
    for path in sorted((root / package).rglob("*.py")):
        relative = path.relative_to(root)
        parts = list(relative.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        yield Module(".".join(parts), str(relative), path.read_text(encoding="utf-8"), is_package)


def _within(name: str, prefix: str) -> bool:
    """True when dotted ``name`` is ``prefix`` or inside it (``grants.web.x`` in ``grants.web``)."""
    return name == prefix or name.startswith(prefix + ".")


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module name a ``from … import`` names, resolving relative levels."""
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@dataclass(frozen=True)
class Imported:
    """One imported thing: the module, and the name taken from it (None for ``import x``)."""

    module: str
    name: str | None
    line: int

    @property
    def targets(self) -> tuple[str, ...]:
        """The dotted names this import may refer to (``from grants import web`` → grants.web)."""
        if self.name is None:
            return (self.module,)
        return (self.module, f"{self.module}.{self.name}")


def imports_of(module: Module, tree: ast.AST | None = None) -> list[Imported]:
    """Every import in the module, at any depth (imports inside functions count too)."""
    found = []
    for node in ast.walk(tree or ast.parse(module.source)):
        if isinstance(node, ast.Import):
            found += [Imported(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            found += [Imported(source, alias.name, node.lineno) for alias in node.names]
    return found


def aliases_of(module: Module, tree: ast.AST) -> dict[str, str]:
    """Local name → the dotted name it stands for, from imports and module-level definitions."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    names[root] = root
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.setdefault(node.name, f"{module.name}.{node.name}")
    return names


def qualified(node: ast.AST, aliases: Mapping[str, str]) -> str | None:
    """The dotted name an expression like ``audit.record`` refers to, or None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


FRAMEWORKS = ("flask", "sqlalchemy", "werkzeug", "wtforms", "jinja2", "markupsafe", "alembic",
              "psycopg", "weasyprint")
WEB_LAYER = ("grants.web",)
"""The web layer: blueprints, error pages and the document responses (grants/web/)."""
OUTER_LAYERS = WEB_LAYER + ("grants.cli", "grants.demo")
REQUEST_HANDLING = frozenset({
    "Response", "request", "render_template", "render_template_string", "stream_template",
    "make_response", "send_file", "send_from_directory", "redirect", "url_for", "abort", "flash",
    "session", "jsonify", "has_request_context", "stream_with_context", "after_this_request",
})
"""Names of ``flask`` that belong to handling a request, never to a service."""
SERVICE_FORBIDDEN_PACKAGES = ("flask_login", "flask_wtf", "werkzeug.wrappers",
                              "werkzeug.exceptions", "werkzeug.utils")
CURRENT_APP_TOLERATED = frozenset({"config", "logger", "extensions", "instance_path"})


def layer_of(name: str) -> str | None:
    """``domain``, ``models`` or ``services`` for a module under a ruled layer, else None."""
    for layer in ("domain", "models", "services"):
        if _within(name, f"{PACKAGE}.{layer}"):
            return layer
    return None


def _is_framework(name: str) -> bool:
    top = name.split(".")[0]
    return top in FRAMEWORKS or top.startswith("flask_")


def _domain_problem(imported: Imported) -> str | None:
    """Domain code is plain Python: no framework, no other layer of the package."""
    if _is_framework(imported.module):
        return f"domain imports the framework module {imported.module}"
    target = imported.targets[-1]
    if _within(target, PACKAGE) and not _within(target, f"{PACKAGE}.domain"):
        return f"domain imports {target} (only grants.domain is allowed)"
    return None


def _outer_problem(imported: Imported, layer: str, forbidden: tuple[str, ...]) -> str | None:
    """An import of a layer outside ``layer`` (``forbidden``), named with the layer it is in."""
    for target in imported.targets:
        for prefix in forbidden:
            if _within(target, prefix):
                inside = "" if target == prefix else f", inside {prefix}"
                return f"{layer} import {target}{inside}: an outer layer"
    return None


def _services_problem(imported: Imported) -> str | None:
    """Services own use cases: no web layer, no request handling, no HTTP responses."""
    problem = _outer_problem(imported, "services", OUTER_LAYERS)
    if problem:
        return problem
    if imported.module == "flask" and imported.name in REQUEST_HANDLING:
        return f"services import flask.{imported.name} (request handling belongs to the web layer)"
    for package in SERVICE_FORBIDDEN_PACKAGES:
        if _within(imported.module, package):
            return f"services import {imported.module} (web-layer glue)"
    return None


def _flask_uses(module: Module, tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Request handling reached through attributes: ``flask.request``, ``current_app.jinja_env``."""
    aliases = aliases_of(module, tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        name = qualified(node, aliases)
        if name is None:
            continue
        if name.count(".") == 1 and name.startswith("flask.") and node.attr in REQUEST_HANDLING:
            yield node.lineno, f"services use {name} (request handling belongs to the web layer)"
        elif name.startswith("flask.current_app.") and name.count(".") == 2 \
                and node.attr not in CURRENT_APP_TOLERATED:
            yield node.lineno, (f"services use current_app.{node.attr} (only "
                                f"{', '.join(sorted(CURRENT_APP_TOLERATED))} reads are tolerated)")


def import_violations(module: Module) -> list[Violation]:
    """The imports of one module that go the wrong way for its layer."""
    layer = layer_of(module.name)
    if layer is None:
        return []
    tree = ast.parse(module.source)
    problems: list[tuple[int, str]] = []
    for imported in imports_of(module, tree):
        if layer == "domain":
            problem = _domain_problem(imported)
        elif layer == "models":
            problem = _outer_problem(imported, "models", ("grants.services",) + OUTER_LAYERS)
        else:
            problem = _services_problem(imported)
        if problem:
            problems.append((imported.line, problem))
    if layer == "services":
        problems += list(_flask_uses(module, tree))
    return [Violation(f"{module.path}:{line}", message) for line, message in sorted(set(problems))]


# --- state literals in templates ---------------------------------------------------------------

_STATE_NAME = r"\b\w*(?:status|state)\b(?:\s*\[\s*['\"]\w+['\"]\s*\])?"
_OPERATOR = r"(?:==|!=|\bnot\s+in\b|\bin\b)"
STATE_LITERAL_PATTERNS = (
    re.compile(rf"{_STATE_NAME}\s*{_OPERATOR}\s*['\"(\[]", re.I),
    re.compile(rf"\[\s*['\"]\w*(?:status|state)['\"]\s*\]\s*{_OPERATOR}\s*['\"(\[]", re.I),
    re.compile(rf"['\"][\w-]*['\"]\s*{_OPERATOR}\s*(?:\w+\.)*\w*(?:status|state)\b", re.I),
    re.compile(r"(?:selectattr|rejectattr)\(\s*['\"][\w.]*(?:status|state)['\"]\s*,\s*"
               r"['\"](?:equalto|eq|==|ne|!=|in|sameas)['\"]", re.I),
    re.compile(r"\b\w*(?:status|state)\s+is\s+(?:not\s+)?(?:equalto|eq|ne|sameas|in)\b", re.I),
)
"""``status == 'x'``, ``state in ('a', …)``, ``'x' == row.status``, ``row['status'] != 'x'``,
``selectattr('status', 'equalto', 'x')`` and ``status is equalto 'x'`` — a template deciding
by a state's name instead of asking what the view passed. The first is the contract's CI grep
``(status|state) *(==|!=|in|not in) *['"(\\[]`` for any name ending in status/state."""
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def _without_comments(text: str) -> str:
    """The template with Jinja comments blanked out, keeping every line where it was."""
    return _JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def template_state_literals(text: str, path: str) -> list[Violation]:
    """Every state literal in one template's text (Jinja comments aside), by line."""
    code = _without_comments(text)
    lines = text.splitlines()
    found: dict[tuple[int, str], Violation] = {}
    for pattern in STATE_LITERAL_PATTERNS:
        for match in pattern.finditer(code):
            line = code.count("\n", 0, match.start()) + 1
            snippet = lines[line - 1].strip()
            message = f"state literal {match.group().strip()!r} in: {snippet[:140]}"
            found.setdefault((line, match.group()), Violation(f"{path}:{line}", message))
    return [found[key] for key in sorted(found)]


def templates_state_literals(root: Path = REPO_ROOT / "templates") -> list[Violation]:
    """State literals across every HTML template under ``root``."""
    return [
        violation
        for path in sorted(root.rglob("*.html"))
        for violation in template_state_literals(
            path.read_text(encoding="utf-8"), str(path.relative_to(root.parent))
        )
    ]


# --- audit action names ------------------------------------------------------------------------

AUDIT_RECORD = "grants.services.audit.record"
LIFECYCLE_APPLY = "grants.services.lifecycle.apply"


def _constants(tree: ast.AST) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, so ``record(LOGIN, …)`` can be checked."""
    constants = {}
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


def _argument(call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    """The ``index``-th positional argument of a call, or its keyword form."""
    positional = call.args[: index + 1]
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in positional):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _is_dynamic(node: ast.AST) -> bool:
    """An f-string, a concatenation, ``%`` or ``.format``: a name built at run time."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == "format"


def _record_problem(node: ast.AST | None, constants: Mapping[str, str], events: frozenset[str],
                    transitions: frozenset[str]) -> str | None:
    """What is wrong with the action argument of an ``audit.record`` call, or None.

    A declared event is right; a lifecycle action is a state change written by hand (only
    ``lifecycle.apply`` writes those); anything else is outside the closed set or unreadable.
    """
    if node is None:
        return "audit.record without an action name"
    if isinstance(node, ast.Name) and node.id in constants:
        node = ast.Constant(constants[node.id])
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if node.value in events:
            return None
        if node.value in transitions:
            return (f"audit action {node.value!r} is a lifecycle transition recorded by hand: "
                    "change the state through lifecycle.apply, which writes this entry")
        return (f"audit action {node.value!r} is not in the closed set "
                "grants.domain.lifecycles.AUDIT_ACTIONS")
    if _is_dynamic(node):
        return f"audit action name built at run time ({ast.unparse(node)}): dynamic names are " \
               "forbidden, write the declared name"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "audit_action":
        return None
    return f"audit action {ast.unparse(node)} is not a literal name, so it cannot be checked " \
           "against AUDIT_ACTIONS"


def _apply_problem(call: ast.Call, aliases: Mapping[str, str],
                   lifecycles: Mapping[str, Lifecycle]) -> str | None:
    """What is wrong with the action of a ``lifecycle.apply`` call, or None."""
    target = _argument(call, 0, "lifecycle")
    action = _argument(call, 2, "action")
    if action is None:
        return None
    if _is_dynamic(action):
        return f"lifecycle action built at run time ({ast.unparse(action)})"
    if not (isinstance(action, ast.Constant) and isinstance(action.value, str)):
        return None
    name = qualified(target, aliases) if target is not None else None
    lifecycle = lifecycles.get(name.rpartition(".")[2]) if name else None
    if lifecycle is None or action.value in lifecycle.actions:
        return None
    return (f"{lifecycle.name} has no action {action.value!r} "
            f"(its table: {', '.join(lifecycle.actions)})")


def audit_call_violations(module: Module, events: frozenset[str],
                          lifecycles: Mapping[str, Lifecycle]) -> list[Violation]:
    """``audit.record`` calls whose name is not a declared event, and ``lifecycle.apply`` calls
    with an action missing from the lifecycle's table.

    ``events`` are the non-lifecycle events; ``lifecycles`` maps the constant names
    (``PROPOSAL``) to their :class:`Lifecycle`, whose actions complete the closed set."""
    tree = ast.parse(module.source)
    aliases = aliases_of(module, tree)
    constants = _constants(tree)
    transitions = frozenset().union(*(lc.audit_actions() for lc in lifecycles.values()))
    violations = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = qualified(node.func, aliases)
        if callee == AUDIT_RECORD:
            action = _argument(node, 0, "action")
            problem = _record_problem(action, constants, events, transitions)
        elif callee == LIFECYCLE_APPLY:
            problem = _apply_problem(node, aliases, lifecycles)
        else:
            continue
        if problem:
            violations.append((node.lineno, problem))
    return [Violation(f"{module.path}:{line}", message) for line, message in sorted(violations)]


def real_lifecycles() -> dict[str, Lifecycle]:
    """The lifecycles of :mod:`grants.domain.lifecycles` by their constant name (``AWARD``)."""
    from grants.domain import lifecycles

    return {name: value for name, value in vars(lifecycles).items()
            if isinstance(value, Lifecycle)}


def package_audit_call_violations(modules: Iterable[Module] | None = None) -> list[Violation]:
    """Audit and lifecycle calls across the package, against the real events and tables."""
    from grants.domain.lifecycles import EVENTS

    tables = real_lifecycles()
    modules = package_modules() if modules is None else modules
    return [violation for module in modules
            for violation in audit_call_violations(module, EVENTS, tables)]


def audit_entry_violations(entries: Iterable[tuple[int, str, str]], actions: frozenset[str],
                           roles: Iterable[str]) -> list[Violation]:
    """Stored entries ``(seq, action, actor_role)`` naming an undeclared action or role.

    One violation per distinct problem, at its first ``seq`` with the count of entries, so a
    renamed action shows once rather than once per entry."""
    known_roles = frozenset(roles)
    problems: dict[str, list[int]] = {}
    for seq, action, role in entries:
        if action not in actions:
            problems.setdefault(f"action {action!r} is not in AUDIT_ACTIONS", []).append(seq)
        if role not in known_roles:
            problems.setdefault(f"actor_role {role!r} (on {action!r}) is not a known role",
                                []).append(seq)
    return [
        Violation(f"audit_entry seq {min(seqs)}" + (f" and {len(seqs) - 1} more"
                                                      if len(seqs) > 1 else ""), message)
        for message, seqs in sorted(problems.items(), key=lambda item: min(item[1]))
    ]


# --- routes ------------------------------------------------------------------------------------


def routes_without_policy(app) -> list[Violation]:
    """Routes whose endpoint declares no policy (``@requires(policies.X)``)."""
    from grants.web.access import policy_of

    return sorted(
        Violation(f"route {rule.rule} ({rule.endpoint})", "declares no policy: add @requires")
        for rule in app.url_map.iter_rules()
        if policy_of(app, rule.endpoint) is None
    )


# --- state changes in services -----------------------------------------------------------------

STATE_ENGINE = "grants.services.lifecycle"
LIFECYCLE_MODELS = frozenset({"Proposal", "Award", "Objection", "Need", "Notice", "ScoreSheet",
                              "Agreement"})
"""Models whose ``status`` is a lifecycle state: built with status None, then ``apply``."""


def _status_targets(node: ast.AST) -> Iterator[ast.AST]:
    """The ``x.status`` targets of an assignment, through tuple unpacking.

    ``self.status`` is an object's own field (an error's HTTP status), not a record's state."""
    if isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _status_targets(element)
    elif isinstance(node, ast.Starred):
        yield from _status_targets(node.value)
    elif isinstance(node, ast.Attribute) and node.attr == "status" \
            and not (isinstance(node.value, ast.Name) and node.value.id == "self"):
        yield node


def _is_status_key(node: ast.AST | None) -> bool:
    """``"status"`` or ``Model.status`` as a dict key of a bulk update."""
    if isinstance(node, ast.Constant):
        return node.value == "status"
    return isinstance(node, ast.Attribute) and node.attr == "status"


_QUERY_CALLS = frozenset({"query", "filter", "filter_by", "where", "execution_options"})
_SQL_STATUS_UPDATE = re.compile(r"\bupdate\s+\w+\s+set\b[^;]*\bstatus\s*=", re.I | re.S)


def _is_query(node: ast.AST) -> bool:
    """True for ``….filter(…)``-style receivers: the ``update`` of a query, not of a dict."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in _QUERY_CALLS


def _status_call_problem(call: ast.Call, aliases: Mapping[str, str]) -> str | None:
    """``setattr(x, "status", …)``, a bulk ``.values(status=…)`` or ``query.update({"status":
    …})``, or a lifecycle model built with ``status=``."""
    func = call.func
    keywords = {k.arg for k in call.keywords}
    if isinstance(func, ast.Name) and func.id == "setattr" and len(call.args) >= 2 \
            and _is_status_key(call.args[1]):
        return "setattr(…, 'status', …) changes a state outside lifecycle.apply"
    dict_keys = [key for arg in call.args if isinstance(arg, ast.Dict) for key in arg.keys]
    sets_status = "status" in keywords or any(_is_status_key(key) for key in dict_keys)
    if isinstance(func, ast.Attribute) and sets_status and (
        func.attr == "values" or (func.attr == "update" and _is_query(func.value))
    ):
        return f"bulk .{func.attr}(status=…) changes states outside lifecycle.apply"
    name = (qualified(func, aliases) or "").rpartition(".")[2]
    if name in LIFECYCLE_MODELS and "status" in keywords:
        return (f"{name}(status=…): build the row with status None and apply its creating "
                "action through lifecycle.apply")
    return None


def status_assignment_violations(module: Module) -> list[Violation]:
    """State changes in a service that bypass ``lifecycle.apply`` (and so its audit entry)."""
    if not _within(module.name, f"{PACKAGE}.services") or module.name == STATE_ENGINE:
        return []
    tree = ast.parse(module.source)
    aliases = aliases_of(module, tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for attribute in _status_targets(target):
                    problems.append((attribute.lineno, f"assigns {ast.unparse(attribute)} "
                                     "outside grants/services/lifecycle.py (use lifecycle.apply)"))
        elif isinstance(node, ast.Call):
            problem = _status_call_problem(node, aliases)
            if problem:
                problems.append((node.lineno, problem))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and _SQL_STATUS_UPDATE.search(node.value):
            problems.append((node.lineno, "SQL UPDATE … SET status changes states outside "
                             "lifecycle.apply"))
    return [Violation(f"{module.path}:{line}", message) for line, message in sorted(problems)]


def package_status_assignment_violations(
    modules: Iterable[Module] | None = None,
) -> list[Violation]:
    """State changes bypassing the lifecycle engine across ``grants/services``."""
    modules = package_modules() if modules is None else modules
    return [violation for module in modules for violation in status_assignment_violations(module)]
