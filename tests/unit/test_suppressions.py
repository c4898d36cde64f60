"""Every lint or type-check suppression says why, on its own line."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
SUPPRESSION = re.compile(r"#\s*(noqa|type:\s*ignore)\b(?P<rest>.*)$")
# A code, then the reason: "noqa: E402 - after ..." or "type: ignore[x]  # because ..."
WITH_REASON = re.compile(r"^(: [A-Z0-9, ]+ +[-—(#].*|\[[a-z_, -]+\] *[-—#(].*)$")


def test_every_suppression_names_its_rule_and_its_reason() -> None:
    bare = []
    for folder in ("core", "storage", "bots", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = SUPPRESSION.search(line)
                if found and not WITH_REASON.match(found["rest"]):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "\n".join(bare)
