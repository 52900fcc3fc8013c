"""The published JSON Schemas work with the tooling editors and check-jsonschema use by default
(ECMA-262 regular expressions), not only with Python's re."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_kommune_schema_patterns_are_ecma262_and_accept_the_examples() -> None:
    files = sorted(str(p) for p in (REPO / "partners" / "kommuner").glob("*.yaml"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(REPO / "schemas" / "kommune.schema.json"),
            *files,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert Path(files[0]).is_file()
