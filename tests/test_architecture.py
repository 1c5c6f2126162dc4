"""The import rules of docs/architecture.md, checked on the code itself.

Each rule names who may not import what; the test reads every module of `aai/` with `ast`
(imports inside functions count too) and lists every import that breaks a rule.
"""

import ast
from pathlib import Path

import pytest

AAI = Path(__file__).resolve().parent.parent / "aai"
CORE = (
    "config",
    "extensions",
    "errors",
    "models",
    "logs",
    "metrics",
    "requests",
    "caching",
    "consistency",
)
DOMAIN = ("identity", "accounts", "access", "email", "admin_lists", "worker")


def module_name(path: Path) -> str:
    parts = path.relative_to(AAI.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def code_imports() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sorted(AAI.rglob("*.py"))}


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)


def core(*names: str) -> tuple[str, ...]:
    return tuple(f"aai.{name}" for name in names)


# (rule, importers it applies to, forbidden imports, importers exempt from it)
RULES = [
    (
        "models know nothing of HTTP, Auth0 or the rest of aai",
        core("models"),
        ("flask", "httpx", "requests", "authlib", "aai"),
        (),
    ),
    (
        "only the factory imports the API and the dashboard",
        ("aai",),
        ("aai.api", "aai.dashboard"),
        ("aai", "aai.api", "aai.dashboard"),
    ),
    (
        "the Auth0 emulator is never imported by aai",
        ("aai",),
        ("auth0_emulator",),
        (),
    ),
    (
        "the core imports no domain package",
        core(*CORE),
        tuple(f"aai.{name}" for name in DOMAIN),
        (),
    ),
    (
        "identity is the lowest domain package",
        ("aai.identity",),
        core("accounts", "access", "email", "admin_lists", "worker"),
        (),
    ),
    (
        "access knows no accounts: accounts (registration) build on access, not the reverse",
        ("aai.access",),
        core("accounts"),
        (),
    ),
    (
        "email only renders, queues and delivers: it knows no accounts, access or lists",
        ("aai.email",),
        core("accounts", "access", "admin_lists", "worker"),
        (),
    ),
    (
        "only the CLI registration and the factory start the worker",
        ("aai",),
        ("aai.worker",),
        ("aai.worker", "aai.cli", "aai"),
    ),
]


def broken(rule, imports: dict[str, set[str]]) -> list[str]:
    _, importers, forbidden, exempt = rule
    return sorted(
        f"{module} imports {name}"
        for module, names in imports.items()
        if within(module, *importers) and not within_exempt(module, exempt)
        for name in names
        if within(name, *forbidden)
    )


def within_exempt(module: str, exempt: tuple[str, ...]) -> bool:
    # "aai" exempts the factory module itself, not the whole tree below it.
    return any(module == name or (name != "aai" and within(module, name)) for name in exempt)


@pytest.mark.parametrize("rule", RULES, ids=[rule[0] for rule in RULES])
def test_import_rule_holds(rule):
    assert broken(rule, code_imports()) == []


def test_a_broken_rule_is_reported():
    """The checker itself: a model importing flask, and a service importing the API."""
    imports = {"aai.models": {"flask"}, "aai.accounts.profile": {"aai.api.me"}}
    assert broken(RULES[0], imports) == ["aai.models imports flask"]
    assert broken(RULES[1], imports) == ["aai.accounts.profile imports aai.api.me"]
