"""The markdown rendering of a reference page (the docs repository), cut into blocks.

Front matter carries the operation id; after it come ``#`` headings, fenced blocks (``http``,
``http!``, ``http_``), pipe tables and paragraphs. A broken fence or table raises
:class:`~mockso.build.model.PageError`; a markdown file whose first heading is not a reference
page's title raises :class:`~mockso.build.model.UnknownPage`. No Flask import.
"""

from __future__ import annotations

import re

from mockso.build.blocks import TITLE
from mockso.build.blocks import Block
from mockso.build.blocks import read_paragraph
from mockso.build.model import PageError
from mockso.build.model import UnknownPage

_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_FRONT_MATTER_KEY = re.compile(r"([A-Za-z_][\w.-]*):\s*(.*)")
_SEPARATOR = re.compile(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?")


def is_markdown(lines: list[str]) -> bool:
    """Whether the text is markdown: front matter, a fence or a ``#`` heading anywhere."""
    first = next((line.strip() for line in lines if line.strip()), "")
    return first == "---" or any(
        line.startswith("```") or _HEADING.fullmatch(line.rstrip()) for line in lines
    )


def front_matter(lines: list[str], source: str) -> tuple[dict[str, tuple[int, str]], int]:
    """``key: value`` lines of the front matter (lists and nesting are skipped), and its end."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, tuple[int, str]] = {}
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return meta, index + 1
        match = _FRONT_MATTER_KEY.fullmatch(lines[index].rstrip())
        if match:
            meta[match.group(1)] = (index + 1, match.group(2).strip().strip("'\""))
    raise PageError(source, 1, "a closing '---' line for the front matter opened here")


def markdown_title(lines: list[str], start: int, source: str) -> None:
    """UnknownPage unless the first heading (outside fenced blocks) is '# METHOD Entity/...'."""
    fenced, heading = False, None
    for line in lines[start:]:
        fenced = fenced != line.startswith("```")
        heading = None if fenced else _HEADING.fullmatch(line.rstrip())
        if heading:
            if len(heading.group(1)) == 1 and TITLE.fullmatch(heading.group(2).strip()):
                return
            break
    found = heading.group(0) if heading else "no heading"
    raise UnknownPage(source, f"the first heading is not '# METHOD Entity/...': {found!r}")


def markdown_blocks(lines: list[str], start: int, source: str) -> list[Block]:
    """The blocks of the page from line index ``start`` (after the front matter)."""
    blocks: list[Block] = []
    index = start
    while index < len(lines):
        line = lines[index].rstrip()
        heading = _HEADING.fullmatch(line)
        if not line.strip():
            index += 1
        elif line.startswith("```"):
            index = _read_fence(lines, index, source, blocks)
        elif line.lstrip().startswith("|"):
            index = _read_table(lines, index, source, blocks)
        elif heading:
            level, text = len(heading.group(1)), heading.group(2).strip()
            blocks.append(Block("heading", index + 1, text, level=level))
            index += 1
        else:
            index = read_paragraph(lines, index, blocks, _ends_paragraph)
    return blocks


def _ends_paragraph(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("```", "|")) or bool(_HEADING.fullmatch(stripped))


def _read_fence(lines: list[str], index: int, source: str, blocks: list[Block]) -> int:
    info = lines[index].strip()[3:].strip()
    for end in range(index + 1, len(lines)):
        if lines[end].strip() == "```":
            body = tuple((n + 1, lines[n].rstrip()) for n in range(index + 1, end))
            blocks.append(Block("fence", index + 1, info, lines=body))
            return end + 1
    raise PageError(
        source, index + 1, f"a closing ``` line for the ```{info} block opened here", "end of file"
    )


def _cells(line: str) -> tuple[str, ...]:
    # A cell may hold an escaped pipe (\|), which is text, not a border.
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return tuple(cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", text))


def _read_table(lines: list[str], index: int, source: str, blocks: list[Block]) -> int:
    header = _cells(lines[index])
    if index + 1 >= len(lines) or not _SEPARATOR.fullmatch(lines[index + 1].strip()):
        found = lines[index + 1].strip() if index + 1 < len(lines) else "end of file"
        raise PageError(source, index + 2, "a separator row (|---|---|) under the header", found)
    rows = [(index + 1, header)]
    end = index + 2
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        cells = _cells(lines[end])
        if len(cells) != len(header):
            expected = f"{len(header)} cells, as in the header ({' | '.join(header)})"
            raise PageError(source, end + 1, expected, f"{len(cells)} cells: {lines[end].strip()}")
        rows.append((end + 1, cells))
        end += 1
    blocks.append(Block("table", index + 1, rows=tuple(rows)))
    return end
