"""The contract as deterministic YAML: block text for long descriptions and never an anchor.

PyYAML writes an anchor (``&id001``) for every object reached twice, which a reader of the
contract cannot follow; ``fresh`` copies the document so that nothing is shared. The same
document always gives the same bytes. No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text as ``|`` blocks, so long descriptions stay readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A trailing space cannot be written in a block scalar: such text keeps a quoted style.
    style = "|" if "\n" in value and not value.endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(document: Mapping[str, Any]) -> str:
    """The document as YAML; shared objects are copied so that no anchors are written."""
    text: str = yaml.dump(
        fresh(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text


def fresh(node: Any) -> Any:
    """A copy sharing no dict or list, so YAML writes no anchors and edits stay local."""
    if isinstance(node, Mapping):
        return {key: fresh(value) for key, value in node.items()}
    if isinstance(node, list):
        return [fresh(item) for item in node]
    return node
