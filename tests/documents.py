"""Where the repository's documents are, and the Python examples written in them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(path: Path) -> list[str]:
    """The code of each ```python block of a Markdown page, in order."""
    return BLOCK.findall(path.read_text(encoding="utf-8"))
