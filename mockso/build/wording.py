"""How the built contract and its notes name what the pages say.

An operation's entity (its tag) is read from its path; notes name an operation as
``METHOD path``; descriptions lose the C# doc comments the docs' generator leaks. Every builder
module words things the same way through these few functions. No Flask import.
"""

from __future__ import annotations

import re

from mockso.build.model import Page

# <see cref="T:...">text</see> in descriptions: the docs' generator leaks C# doc comments.
_SEE_CREF = re.compile(r"<see cref=\"[^\"]*\">(.*?)</see>")


def entity_of_path(path: str) -> str:
    """The entity a path is about: the segment after the version (``/api/v1/Project/...``)."""
    segments = [s for s in path.split("/") if s]
    for index, segment in enumerate(segments[:-1]):
        if re.fullmatch(r"v\d+", segment) and "{" not in segments[index + 1]:
            return segments[index + 1]
    literal = [s for s in segments if "{" not in s and s != "api"]
    return literal[0] if literal else "api"


def tag(page: Page) -> str:
    """The page's one tag: its entity."""
    return entity_of_path(page.path)


def label(page: Page) -> str:
    """The operation as notes name it: ``METHOD path``."""
    return f"{page.method} {page.path}"


def clean(text: str) -> str:
    """A description as the contract writes it: the cref markup dropped, its text kept."""
    return _SEE_CREF.sub(r"\1", text).strip()
