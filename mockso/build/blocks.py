"""The blocks both renderings of a reference page are cut into, and the lines they share.

``markdown`` and ``plaintext`` each cut their rendering into the same :class:`Block` list
(headings, fenced blocks, tables, paragraphs), so ``sections`` reads either the same way. The
title and request-line patterns live here because every stage needs them. No Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
_METHOD = "|".join(METHODS)
# The title names a path relative to the API ("POST Project/{id}/Image"); the request line and
# the samples give the full path ("POST /api/v1/Project/{projectId}/Image").
TITLE = re.compile(rf"({_METHOD}) ([^/\s]\S*)")
REQUEST_LINE = re.compile(rf"({_METHOD}) (/\S*)(?: HTTP/\d(?:\.\d)?)?")


@dataclass
class Block:
    """One heading, fenced block, table or paragraph of a page, with its 1-based line."""

    kind: str  # "heading", "fence", "table" or "text"
    line: int  # 1-based
    text: str = ""  # heading or paragraph text; a fence's info string
    level: int = 0  # heading level
    # A fence's lines, or a table's rows (the header first), each with its line number.
    lines: tuple[tuple[int, str], ...] = ()
    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()


def read_paragraph(
    lines: list[str], index: int, blocks: list[Block], ends: Callable[[str], bool]
) -> int:
    """Append the paragraph starting at ``index`` (up to the line ``ends`` accepts); its end."""
    end = index + 1
    while end < len(lines) and not ends(lines[end]):
        end += 1
    text = "\n".join(line.strip() for line in lines[index:end])
    blocks.append(Block("text", index + 1, text))
    return end
