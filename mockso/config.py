"""The public home of ``Settings``: users write ``from mockso.config import Settings``; the class
lives in ``mockso.core.config``, below every layer that reads it."""

from mockso.core.config import AUTH_MODES
from mockso.core.config import Settings

__all__ = ["AUTH_MODES", "Settings"]
