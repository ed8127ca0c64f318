"""docs/benchmarks.md holds one section per benchmark (make bench, make load): each run replaces its own."""
from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TITLE = "# Benchmarks (issue 14: province scale)\n\n`make bench N=…` and `make load USERS=…` write their sections.\n"


def write_section(name: str, text: str, path: Path = DOC) -> None:
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    doc = path.read_text(encoding="utf-8") if path.exists() else TITLE
    block = f"{start}\n{text.strip()}\n{end}"
    if start in doc and end in doc:
        doc = doc[:doc.index(start)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")
