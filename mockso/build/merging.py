"""Built operations merged into an existing contract (``contract build --into``).

A built operation replaces the one at its path and method, keeping that one's ``x-`` extensions
and, when the page showed no id, its operationId; an operation that moved (same id, other place)
leaves its old place. Built security schemes take the existing contract's names for the same
scheme, and existing components (with their extras) are never overwritten. Each decision a
reader might not expect becomes a note. No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockso.build.components import shape
from mockso.build.operations import DERIVED_ID
from mockso.build.yamldump import fresh


def merge(
    existing: Mapping[str, Any], built: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``existing`` with the built operations added or replacing theirs; and what to note."""
    document: dict[str, Any] = fresh(existing)
    notes: list[str] = []
    renames = _scheme_renames(document, built)
    document.setdefault("security", _renamed(built.get("security", []), renames))
    paths = document.setdefault("paths", {})
    for path, item in built["paths"].items():
        for method, op in item.items():
            security = op.get("security", built.get("security", []))
            op = {k: v for k, v in op.items() if k != "security"}
            if _renamed(security, renames) != document["security"]:
                op["security"] = _renamed(security, renames)
            notes += _replace(paths, path, method, op)
    notes += _add_components(document, built, renames)
    known = {tag.get("name") for tag in document.setdefault("tags", [])}
    document["tags"] += [tag for tag in built.get("tags", []) if tag["name"] not in known]
    return document, notes


def _scheme_identity(scheme: Mapping[str, Any]) -> tuple[str, str]:
    """What makes two security schemes the same, whatever their names."""
    if scheme.get("type") == "http":
        return "http", str(scheme.get("scheme", "")).lower()
    return str(scheme.get("type")), f"{scheme.get('in')}:{str(scheme.get('name', '')).lower()}"


def _scheme_renames(existing: Mapping[str, Any], built: Mapping[str, Any]) -> dict[str, str]:
    """Built security scheme names → the existing contract's names for the same scheme."""
    ours = existing.get("components", {}).get("securitySchemes", {})
    by_identity = {_scheme_identity(s): name for name, s in ours.items()}
    theirs = built.get("components", {}).get("securitySchemes", {})
    return {
        name: by_identity.get(_scheme_identity(scheme), name) for name, scheme in theirs.items()
    }


def _renamed(requirements: list[Any], renames: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{renames.get(k, k): v for k, v in r.items()} for r in requirements]


def _replace(paths: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> list[str]:
    """Put ``op`` at path/method; keep the replaced one's x- keys and, if ours is derived, id."""
    notes = []
    old = paths.get(path, {}).get(method)
    if old is not None:
        notes += _keep_from_old(old, path, method, op)
    notes += _leave_old_place(paths, path, method, op)
    paths.setdefault(path, {})[method] = op
    return notes


def _keep_from_old(old: Mapping[str, Any], path: str, method: str, op: dict[str, Any]) -> list[str]:
    notes = []
    if op.get(DERIVED_ID) and old.get("operationId"):
        notes.append(
            f"{method.upper()} {path}: the page shows no operation id; the existing "
            f"`{old['operationId']}` is kept (instead of `{op['operationId']}`)."
        )
        del op[DERIVED_ID]
        op["operationId"] = old["operationId"]
    op.update({k: v for k, v in old.items() if k.startswith("x-") and k not in op})
    return notes


def _leave_old_place(
    paths: dict[str, Any], path: str, method: str, op: dict[str, Any]
) -> list[str]:
    """Remove ``op``'s id from any other place (and paths left empty); note each move."""
    notes = []
    for other_path, item in list(paths.items()):
        for other_method, other in list(item.items()):
            same_place = (other_path, other_method) == (path, method)
            if (
                isinstance(other, Mapping)
                and not same_place
                and (other.get("operationId") == op["operationId"])
            ):
                del item[other_method]
                notes.append(
                    f"{op['operationId']} moved from {other_method.upper()} {other_path} "
                    f"to {method.upper()} {path}, as the page says."
                )
        if not item:
            del paths[other_path]
    return notes


def _add_components(
    document: dict[str, Any], built: Mapping[str, Any], renames: Mapping[str, str]
) -> list[str]:
    """Add the built components the document lacks; existing ones (and their extras) stay."""
    notes = []
    components = document.setdefault("components", {})
    for section, items in built.get("components", {}).items():
        target = components.setdefault(section, {})
        for name, value in items.items():
            if section == "securitySchemes" and renames.get(name, name) in target:
                continue
            if name not in target:
                target[name] = value
            elif section == "schemas" and shape(target[name]) != shape(value):
                notes.append(
                    f"components.schemas.{name}: the existing definition is kept; the pages' "
                    "property table differs from it."
                )
    return notes
