"""Import-linter contract types the built-in ones lack: a package's allowed imports, and a tree
in which every module is named by some contract.

A forbidden contract lists what a package may not import, so a package added later is allowed by
default; `allowed` turns that round, so each feature package's contract is the list of arrows
docs/architecture.md draws. `named` fails when a module or package appears under the app that no
contract mentions, so a new module is placed (and its imports checked) before it lands.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
from importlinter import Contract, ContractCheck, fields, output

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _within(module: str, packages: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


class AllowedContract(Contract):
    """The modules of `source_modules` import, from the root packages, only themselves and
    `allowed_modules` (each with its descendants). Outside packages (Django, the standard
    library) are not this contract's business: forbidden contracts name those."""

    type_name = "allowed"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        sources = set(self.source_modules)  # type: ignore[arg-type]
        allowed = sources | set(self.allowed_modules)  # type: ignore[arg-type]
        roots = {m.split(".")[0] for m in sources}
        illegal = []
        for module in sorted(m for m in graph.modules if _within(m, sources)):
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if imported.split(".")[0] not in roots or _within(imported, allowed):
                    continue
                # Importing a package's own __init__ (`from annotations import x`) is the parent.
                if any(s.startswith(imported + ".") for s in sources):
                    continue
                lines = graph.get_import_details(importer=module, imported=imported)
                numbers = ", ".join(str(d["line_number"]) for d in lines)
                illegal.append(f"{module} imports {imported} (l. {numbers})")
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["illegal"]:
            output.print_error(line)
        output.new_line()
        output.print("Allowed: " + ", ".join(sorted(self.allowed_modules)))  # type: ignore[arg-type]


class NamedContract(Contract):
    """Every module under `root` is named, itself or through a package above it, by another
    contract of pyproject.toml; `exempt` lists what no contract needs to hold (migrations)."""

    type_name = "named"

    root = fields.StringField()
    exempt = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root = str(self.root)
        # A contract on the whole app (it never imports the project) names nothing in particular.
        named = _named_modules(exclude=self.name) - {root}
        exempt = set(self.exempt or [])  # type: ignore[arg-type]
        unnamed = [
            m
            for m in sorted(graph.modules)
            if m.startswith(root + ".")
            and not _within(m, named | exempt)
            # A package is named when every module inside it is.
            and not any(n.startswith(m + ".") for n in named)
        ]
        return ContractCheck(kept=not unnamed, metadata={"unnamed": unnamed})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module in check.metadata["unnamed"]:
            output.print_error(
                f"{module} is named by no contract: put it in a feature package, or add it to "
                "the layers and its package's `allowed` contract (docs/architecture.md)."
            )


def _named_modules(*, exclude: str) -> set[str]:
    """Every module string the other contracts mention (layers split on `|`)."""
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    names: set[str] = set()
    for contract in contracts:
        if contract["name"] == exclude:
            continue
        for key in ("modules", "layers", "source_modules", "allowed_modules", "containers"):
            for entry in contract.get(key, []):
                names.update(part.strip() for part in entry.replace(":", "|").split("|"))
    return {n for n in names if n}
