"""``doctor``'s static reading of a handler's code: which lambda_toolkit utilities it uses, and how.

The handler module, and the modules of the deployment package it imports (transitively),
are parsed with ``ast``; nothing is imported or run. Found:

- on the handler itself (its decorators, or ``handler = deco(...)(fn)``): ``batch`` (its
  source and ``deadline_margin_ms``), ``timeout_guard`` (its ``margin_ms``); and calls of
  ``process_batch`` in its body;
- anywhere in those modules: ``trace``/``subsegment``, ``DynamoDBStore(...)`` (its table
  and attribute names) and the parameters lookups (``get_parameter``, ``get_secret``, ...).

Arguments are read when they are literals, simple arithmetic on literals, module-level
constants, or ``os.environ[...]``/``os.environ.get(...)``/``os.getenv(...)`` (resolved later
against the function's environment in the template); anything else is "unknown".
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_toolkit.cli import CommandError

__all__ = ["Call", "ScanError", "Usage", "Value", "scan_handler"]


class ScanError(CommandError):
    """The handler's code cannot be found or parsed: one line on stderr, exit code 2."""


@dataclass(frozen=True)
class Value:
    """An argument as the code gives it: a literal, an environment variable, or unknown."""

    kind: str  # "literal", "env", "unknown"
    value: Any = None  # the literal, the variable's name, or the source text
    default: Value | None = None  # for "env": the value used when the variable is unset

    @property
    def text(self) -> str:
        """How the code spells it, for messages."""
        if self.kind == "env":
            return f"os.environ[{self.value!r}]"
        return repr(self.value) if self.kind == "literal" else str(self.value)


@dataclass
class Call:
    """One use of a utility: where, and its arguments by name."""

    name: str  # canonical: "batch.batch", "idempotency.DynamoDBStore", ...
    file: str
    line: int
    args: dict[str, Value] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """``file:line``."""
        return f"{self.file}:{self.line}"


@dataclass
class Usage:
    """What one function's code uses."""

    module_file: Path
    handler: list[Call] = field(default_factory=list)  # batch, timeout_guard, process_batch on the handler
    anywhere: list[Call] = field(default_factory=list)  # tracing, stores, lookups

    def named(self, *names: str) -> list[Call]:
        """The calls of any of ``names``, handler ones first."""
        return [call for call in self.handler + self.anywhere if call.name in names]


# Canonical name -> the positional parameters doctor reads (the rest by keyword only).
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "batch.batch": ("source", "model"),
    "batch.process_batch": ("event", "record_handler"),
    "batch.process_batch_async": ("event", "record_handler"),
    "timeout.timeout_guard": ("margin_ms",),
    "tracing.trace": (),
    "tracing.subsegment": ("name",),
    "idempotency.DynamoDBStore": ("table_name",),
    "parameters.get_parameter": ("name",),
    "parameters.Parameter": ("name",),
    "parameters.get_parameters": ("path",),
    "parameters.get_parameters_by_name": ("names",),
    "parameters.get_secret": ("name",),
    "parameters.Secret": ("name",),
    "parameters.get_secrets": ("names",),
    "parameters.get_app_config": ("name",),
}
_HANDLER_LEVEL = frozenset({"batch.batch", "timeout.timeout_guard"})
_IN_HANDLER_BODY = frozenset({"batch.process_batch", "batch.process_batch_async"})
_TOP_LEVEL_REEXPORTS = {
    "trace": "tracing",
    "timeout_guard": "timeout",
    "batch": "batch",
    "DynamoDBStore": "idempotency",
    "get_parameter": "parameters",
    "get_secret": "parameters",
}
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def canonical(qualified: str) -> str | None:
    """``lambda_toolkit.tracing._decorator.trace`` -> ``tracing.trace``; None when not ours."""
    parts = qualified.split(".")
    if parts[0] != "lambda_toolkit" or len(parts) < 2:
        return None
    public = [part for part in parts[1:] if not part.startswith("_")]
    if len(public) == 1 and public[0] in _TOP_LEVEL_REEXPORTS:
        public.insert(0, _TOP_LEVEL_REEXPORTS[public[0]])
    if len(public) < 2:
        return None
    name = f"{public[0]}.{public[-1]}"
    return name if name in _POSITIONAL else None


class _Module:
    """One parsed module: its imports of lambda_toolkit and its constants."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ScanError(f"{label} is not UTF-8 text") from None
        except OSError as exc:
            raise ScanError(f"cannot read {label}: {exc.strerror}") from None
        try:
            self.tree = ast.parse(source, filename=str(path))
        except SyntaxError as exc:
            raise ScanError(f"{label} cannot be parsed: {exc.msg} (line {exc.lineno})") from None
        except (ValueError, RecursionError):
            raise ScanError(f"{label} cannot be parsed") from None
        self.names: dict[str, str] = {}  # local name -> qualified name
        self.constants: dict[str, ast.expr] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.names[head] = head
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    self.constants[target.id] = statement.value
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
                self.constants[statement.target.id] = statement.value

    def qualified(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to through the imports (``np.array`` -> ``numpy.array``)."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def utility(self, node: ast.expr) -> str | None:
        """The canonical utility name that ``node`` (a callee or a decorator) is, if any."""
        if isinstance(node, ast.Call):
            node = node.func
        qualified = self.qualified(node)
        return canonical(qualified) if qualified else None

    def value(self, node: ast.expr, depth: int = 0) -> Value:
        """What doctor can tell of an argument."""
        if depth > 10:
            return Value("unknown", ast.unparse(node))
        if isinstance(node, ast.Constant):
            return Value("literal", node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.value(node.operand, depth + 1)
            if inner.kind == "literal" and isinstance(inner.value, (int, float)):
                return Value("literal", -inner.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            if all(side.kind == "literal" and isinstance(side.value, (int, float)) for side in (left, right)):
                try:
                    return Value("literal", _ARITHMETIC[type(node.op)](left.value, right.value))
                except ZeroDivisionError:
                    pass
        if isinstance(node, ast.Name) and node.id in self.constants and node.id not in self.names:
            return self.value(self.constants[node.id], depth + 1)
        environment = self._environment(node, depth)
        if environment is not None:
            return environment
        return Value("unknown", ast.unparse(node))

    def _environment(self, node: ast.expr, depth: int) -> Value | None:
        # os.environ["X"]
        if isinstance(node, ast.Subscript) and self.qualified(node.value) == "os.environ":
            key = self.value(node.slice, depth + 1)
            return Value("env", key.value) if key.kind == "literal" and isinstance(key.value, str) else None
        # os.environ.get("X", default) / os.getenv("X", default)
        if isinstance(node, ast.Call) and self.qualified(node.func) in ("os.environ.get", "os.getenv"):
            if not node.args:
                return None
            key = self.value(node.args[0], depth + 1)
            if key.kind != "literal" or not isinstance(key.value, str):
                return None
            default = self.value(node.args[1], depth + 1) if len(node.args) > 1 else Value("literal", None)
            return Value("env", key.value, default)
        return None

    def call(self, name: str, node: ast.expr) -> Call:
        """A use of ``name``; ``node`` is a Call (arguments read) or a bare decorator."""
        found = Call(name, self.label, node.lineno)
        if isinstance(node, ast.Call):
            for parameter, argument in zip(_POSITIONAL[name], node.args, strict=False):
                found.args[parameter] = self.value(argument)
            for keyword in node.keywords:
                if keyword.arg is not None:
                    found.args[keyword.arg] = self.value(keyword.value)
        return found


def scan_handler(code_dir: Path, handler: str, function: str) -> Usage:
    """Read the code behind ``handler`` (``package.module.function``) under ``code_dir``."""
    module_name, _, attribute = handler.rpartition(".")
    if not module_name or not attribute:
        raise ScanError(f"function {function}: Handler {handler!r} is not of the form module.function")
    path = _module_file(code_dir, module_name)
    if path is None:
        expected = code_dir / (module_name.replace(".", "/") + ".py")
        raise ScanError(f"function {function}: handler module {module_name!r} not found (looked for {expected})")
    usage = Usage(module_file=path)
    main = _Module(path, _label(path, code_dir))
    _scan_handler_object(main, attribute, usage, function, code_dir)
    seen = {path}
    pending = [main]
    while pending:
        module = pending.pop()
        _scan_anywhere(module, usage)
        for imported in _local_imports(module, code_dir):
            if imported not in seen:
                seen.add(imported)
                pending.append(_Module(imported, _label(imported, code_dir)))
    return usage


def _label(path: Path, code_dir: Path) -> str:
    try:
        return str(path.relative_to(code_dir))
    except ValueError:
        return str(path)


def _module_file(code_dir: Path, module_name: str) -> Path | None:
    try:
        base = code_dir.joinpath(*module_name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    except (OSError, ValueError):  # a name no file can have (a NUL byte, an empty part)
        pass
    return None


def _local_imports(module: _Module, code_dir: Path) -> list[Path]:
    """The modules of the deployment package that ``module`` imports."""
    found = []
    for node in ast.walk(module.tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _imported_module(module, node, code_dir)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names] if base else []
        for name in names:
            if not name or name.split(".")[0] == "lambda_toolkit":
                continue
            path = _module_file(code_dir, name)
            if path is not None:
                found.append(path)
    return found


def _scan_handler_object(module: _Module, attribute: str, usage: Usage, function: str, code_dir: Path) -> None:
    """The decorators of the handler (or the wrappers of a ``handler = deco(fn)`` assignment),
    followed through ``from package.module import handler`` re-exports within the code."""
    definition = _definition(module, attribute)
    if definition is None:
        raise ScanError(f"function {function}: {module.label} defines no {attribute!r} at module level")
    for _ in range(10):
        if not isinstance(definition, ast.ImportFrom):
            break
        [alias] = [alias for alias in definition.names if (alias.asname or alias.name) == attribute]
        path = _module_file(code_dir, _imported_module(module, definition, code_dir))
        if path is None:
            return  # imported from outside the function's code (a library): nothing to read
        module, attribute = _Module(path, _label(path, code_dir)), alias.name
        definition = _definition(module, attribute)
        if definition is None:
            raise ScanError(f"function {function}: {module.label} defines no {attribute!r} at module level")
    _collect_handler(module, definition, usage, depth=0)


def _imported_module(module: _Module, node: ast.ImportFrom, code_dir: Path) -> str:
    """The dotted name of the module ``from ... import`` reads, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module.path.parent
    for _ in range(node.level - 1):
        package = package.parent
    try:
        prefix = ".".join(package.relative_to(code_dir).parts)
    except ValueError:
        return ""
    return ".".join(part for part in (prefix, node.module or "") if part)


def _definition(module: _Module, name: str) -> ast.AST | None:
    found: ast.AST | None = None
    for statement in module.tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.name == name:
            found = statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(target, ast.Name) and target.id == name for target in targets):
                found = statement.value
        elif isinstance(statement, (ast.Import, ast.ImportFrom)) and any(
            (alias.asname or alias.name) == name for alias in statement.names
        ):
            found = statement
    return found


def _collect_handler(module: _Module, node: ast.AST, usage: Usage, depth: int) -> None:
    if depth > 10:
        return
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for decorator in node.decorator_list:
            name = module.utility(decorator)
            if name in _HANDLER_LEVEL:
                usage.handler.append(module.call(name, decorator))
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                name = module.utility(inner)
                if name in _IN_HANDLER_BODY:
                    usage.handler.append(module.call(name, inner))
    elif isinstance(node, ast.Call):
        # deco(...)(fn) or deco(fn): the wrapper, then what it wraps.
        name = module.utility(node.func)
        if name in _HANDLER_LEVEL:
            usage.handler.append(module.call(name, node.func))
        for argument in node.args[:1]:
            if isinstance(argument, ast.Name):
                wrapped = _definition(module, argument.id)
                if wrapped is not None:
                    _collect_handler(module, wrapped, usage, depth + 1)
            elif isinstance(argument, ast.Call):
                _collect_handler(module, argument, usage, depth + 1)
    elif isinstance(node, ast.Name):
        wrapped = _definition(module, node.id)
        if wrapped is not None:
            _collect_handler(module, wrapped, usage, depth + 1)


def _scan_anywhere(module: _Module, usage: Usage) -> None:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            name = module.utility(node.func)
            if name is not None and name not in _HANDLER_LEVEL and name not in _IN_HANDLER_BODY:
                usage.anywhere.append(module.call(name, node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                # a bare @trace (a call like @trace(...) is found as a Call)
                if not isinstance(decorator, ast.Call) and module.utility(decorator) == "tracing.trace":
                    usage.anywhere.append(module.call("tracing.trace", decorator))
