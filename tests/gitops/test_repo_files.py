"""CODEOWNERS routes each path to the right reviewers, the pull-request template carries the
routine's checklist, and the README walks a kommune from pull request to activation."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

GITHUB = REPO / ".github"
COORDINATORS = "@helse-midt/hemit-meldingskoordinatorer"
MAINTAINERS = "@helse-midt/oppkobling-maintainers"
HF_KEYS = sorted(p.stem for p in (REPO / "partners" / "helseforetak").glob("*.yaml"))


def codeowners() -> list[tuple[str, list[str]]]:
    rules = []
    for line in (GITHUB / "CODEOWNERS").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def matches(pattern: str, path: str) -> bool:
    """The subset of CODEOWNERS patterns this file uses: `*`, /dir/ and /file."""
    if pattern == "*":
        return True
    assert pattern.startswith("/"), f"unanchored pattern {pattern!r}"
    anchored = pattern[1:]
    return path.startswith(anchored) if anchored.endswith("/") else path == anchored


def owners_of(path: str) -> list[str]:
    owners: list[str] = []
    for pattern, who in codeowners():
        if matches(pattern, path):
            owners = who  # the last matching line wins, as on GitHub
    return owners


def test_every_owner_is_a_team_handle_and_placeholders_are_declared() -> None:
    for _, owners in codeowners():
        assert owners
        for owner in owners:
            assert re.fullmatch(r"@[a-z0-9-]+/[a-z0-9-]+", owner), owner
    assert "PLACEHOLDERS" in (GITHUB / "CODEOWNERS").read_text("utf-8")


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("partners/kommuner/5035-stjordal.yaml", COORDINATORS),
        ("generated/st-olavs/index.xml", COORDINATORS),
        ("pipeline/rules/lifecycle.py", MAINTAINERS),
        ("schemas/kommune.schema.json", MAINTAINERS),
        (".github/workflows/deploy.yml", MAINTAINERS),
        (".github/CODEOWNERS", MAINTAINERS),
        ("tests/gitops/test_workflows.py", MAINTAINERS),
        ("pyproject.toml", MAINTAINERS),
    ],
)
def test_paths_go_to_their_reviewers(path: str, owner: str) -> None:
    assert owners_of(path) == [owner]


def test_each_hf_owns_its_own_declaration() -> None:
    owners = {key: owners_of(f"partners/helseforetak/{key}.yaml") for key in HF_KEYS}
    assert len(HF_KEYS) == 3
    for key, who in owners.items():
        assert len(who) == 1 and key in who[0], (key, who)
    assert len({tuple(w) for w in owners.values()}) == 3  # three different teams


def test_pull_request_template_has_the_routines_checklist() -> None:
    text = (GITHUB / "pull_request_template.md").read_text("utf-8")
    boxes = re.findall(r"^- \[ \] \*\*([KH]\d)\*\*", text, re.MULTILINE)
    assert boxes == ["K1", "K2", "K3", "K4", "K5", "K6", "H2", "H3", "H4", "H5"]
    for rule in ("L1", "L2", "L3"):
        assert f"({rule})" in text


def test_readme_walks_a_kommune_from_pull_request_to_activation() -> None:
    """The shape of the walk-through; tests/gitops/test_walkthrough.py runs every command of it."""
    text = (REPO / "README.md").read_text("utf-8")
    assert "\n## From pull request to activation\n" in text
    section = text.split("\n## From pull request to activation\n", 1)[1].split("\n## ", 1)[0]
    commands = [
        "oppkobling new 5025",
        "oppkobling record 5025",
        "oppkobling validate partners/kommuner/5025-roros.yaml",
        "oppkobling build",
        "oppkobling plan --base origin/main",
        "oppkobling check",
        "oppkobling deploy --hf",
        "pre-commit install",
    ]
    positions = [section.find(c) for c in commands[:5]]
    assert all(p >= 0 for p in positions), dict(zip(commands, positions, strict=False))
    assert positions == sorted(positions)  # in the order a kommune meets them
    for c in commands[5:]:
        assert c in section, c
    assert "Merging it is the activation" in section
