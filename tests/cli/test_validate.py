"""`oppkobling validate`: the three formats, exit codes, --strict, PATHS, --root, and --base REF
against a real git repository (L1-L3 end to end)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import TODAY, Repo

from pipeline.findings import Finding, Location, Severity
from pipeline.reporters.findings import FORMATS as REPORTERS
from pipeline.reporters.findings import GITHUB_ANNOTATION_LIMIT

STJORDAL = "partners/kommuner/5035-stjordal.yaml"
TEXT_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning) (?P<rule>\S+) (?P<msg>.+)$"
)


def saturday(repo: Repo) -> None:
    """Stjørdal's T moved to a Saturday: one R-K1 error at line 10, column 9 (the date)."""
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-03-06")


def frosta_with_stjordals_her_id(repo: Repo) -> str:
    """A new kommune reusing Stjørdal's HER-id. Its file sorts after Stjørdal's, so S3 reports
    the duplicate in Frosta's file, which only a rule seeing both files can know."""
    text = repo.path(STJORDAL).read_text("utf-8")
    for old, new in [
        ('"5035"', '"5036"'),
        ("name: Stjørdal\n", "name: Frosta\n"),
        ('"939958851"', '"944482253"'),
        ("@stjordal.kommune.no", "@frosta.kommune.no"),
    ]:
        text = text.replace(old, new)
    return repo.write("partners/kommuner/5036-frosta.yaml", text).relative_to(repo.root).as_posix()


# ------------------------------------------------------------------------------ formats


def test_text_format_is_file_line_col_severity_rule_message_then_summary(repo: Repo) -> None:
    saturday(repo)
    result = repo.call("validate", "--today", TODAY, "--format", "text")
    assert result.code == 1
    *lines, summary = result.out.splitlines()
    parsed = [TEXT_LINE.match(line) for line in lines]
    assert all(parsed), lines
    errors = [m.groupdict() for m in parsed if m and m["sev"] == "error"]
    assert [(e["file"], e["line"], e["col"], e["rule"]) for e in errors] == [(STJORDAL, "10", "9", "R-K1")]
    assert "2027-03-06 is a Saturday" in errors[0]["msg"]
    warnings = sum(1 for m in parsed if m and m["sev"] == "warning")
    assert summary == f"1 error(s), {warnings} warning(s)"


def test_text_format_is_the_default(repo: Repo) -> None:
    saturday(repo)
    explicit = repo.call("validate", "--today", TODAY, "--format", "text")
    assert repo.call("validate", "--today", TODAY).out == explicit.out


def test_json_shape_and_paths_relative_to_the_root(repo: Repo, tmp_path: Path) -> None:
    saturday(repo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = repo.call("validate", "--today", TODAY, "--format", "json", "--root", str(repo.root), cwd=elsewhere)
    assert result.code == 1
    doc = json.loads(result.out)
    assert set(doc) == {"findings", "summary"}
    for f in doc["findings"]:
        assert set(f) == {"rule", "severity", "file", "line", "column", "message"}
        assert f["severity"] in ("error", "warning")
        assert f["file"].startswith("partners/") and not Path(f["file"]).is_absolute()
        assert isinstance(f["line"], int) and isinstance(f["column"], int)
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in errors] == [("R-K1", STJORDAL, 10, 9)]
    warnings = len(doc["findings"]) - 1
    assert doc["summary"] == {"errors": 1, "warnings": warnings, "total": warnings + 1}


def test_json_without_findings(repo: Repo) -> None:
    result = repo.call("validate", "--today", TODAY, "--format", "json", STJORDAL)
    assert result.code == 0
    assert json.loads(result.out) == {"findings": [], "summary": {"errors": 0, "warnings": 0, "total": 0}}


def test_github_format_annotates_each_finding(repo: Repo) -> None:
    saturday(repo)
    result = repo.call("validate", "--today", TODAY, "--format", "github", STJORDAL)
    assert result.code == 1
    first, summary = result.out.splitlines()
    assert first.startswith(f"::error file={STJORDAL},line=10,col=9,title=R-K1::activation date must be")
    assert summary == "1 error(s), 0 warning(s)"


def test_github_format_escapes_properties_and_message(repo: Repo) -> None:
    """Properties escape % CR LF : and , ; the message escapes % CR LF (GitHub's rules)."""
    odd = "partners/kommuner/5035-stjordal,kopi:1.yaml"
    text = repo.path(STJORDAL).read_text("utf-8").replace("name: Stjørdal\n", 'name: "100% Stjørdal\\nkommune"\n')
    repo.path(STJORDAL).unlink()
    repo.write(odd, text)
    result = repo.call("validate", "--today", TODAY, "--format", "github", odd)
    assert result.code == 1
    lines = result.out.splitlines()
    assert "::error file=partners/kommuner/5035-stjordal%2Ckopi%3A1.yaml,line=1,col=1,title=S2::" in result.out
    s4 = [line for line in lines if "title=S4::" in line]
    assert len(s4) == 1
    assert s4[0].startswith("::error file=partners/kommuner/5035-stjordal%2Ckopi%3A1.yaml,line=5,col=7,title=S4::")
    assert "name '100%25 Stjørdal%0Akommune' does not match" in s4[0]


def test_github_escaping_of_every_special_character() -> None:
    finding = Finding("R:1,2", Severity.WARNING, Location("a,b:c%d.yaml", 3, 4), "50% done\r\nnext: a, b")
    assert REPORTERS["github"]([finding]).splitlines()[0] == (
        "::warning file=a%2Cb%3Ac%25d.yaml,line=3,col=4,title=R%3A1%2C2::50%25 done%0D%0Anext: a, b"
    )


def test_github_annotates_the_first_ten_per_severity_and_counts_the_rest() -> None:
    findings = [
        Finding("S1", Severity.ERROR, Location(f"f{i:02}.yaml"), "bad") for i in range(GITHUB_ANNOTATION_LIMIT + 2)
    ]
    lines = REPORTERS["github"](findings).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == GITHUB_ANNOTATION_LIMIT
    assert "::notice::2 more finding(s) not annotated; see the job summary" in lines


# ------------------------------------------------------------------------------ exit codes


def test_exit_0_on_the_shipped_examples(repo: Repo) -> None:
    result = repo.call("validate", "--today", TODAY)
    assert result.code == 0, result.out
    assert " error " not in result.out


def test_exit_1_on_an_error(repo: Repo) -> None:
    saturday(repo)
    assert repo.call("validate", "--today", TODAY).code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--today", "2026-13-01"],
        ["--today", "tomorrow"],
        ["--format", "xml"],
        ["--no-such-option"],
        ["partners/kommuner/9999-nowhere.yaml"],
        ["/etc/hostname"],
    ],
    ids=["bad-date", "not-a-date", "unknown-format", "unknown-option", "missing-path", "path-outside"],
)
def test_exit_2_on_a_usage_error(repo: Repo, args: list[str]) -> None:
    result = repo.call("validate", *args)
    assert result.code == 2
    assert "error:" in result.err
    assert result.out == ""


def test_usage_error_in_a_real_process_has_no_traceback(repo: Repo) -> None:
    result = repo.run("validate", "--today", "2026-02-30")
    assert result.code == 2
    assert "2026-02-30 is not a date: February 2026 has 28 days" in result.err
    assert "Traceback" not in result.err + result.out


def test_strict_makes_warnings_fail(repo: Repo) -> None:
    plain = repo.call("validate", "--today", TODAY, "--format", "json")
    assert plain.code == 0
    assert json.loads(plain.out)["summary"]["warnings"] > 0
    assert repo.call("validate", "--today", TODAY, "--strict").code == 1
    assert repo.call("validate", "--today", TODAY, "--strict", STJORDAL).code == 0


# ------------------------------------------------------------------------------ PATHS and --root


def test_paths_filter_reports_but_cross_file_rules_see_everything(repo: Repo) -> None:
    frosta = frosta_with_stjordals_her_id(repo)
    result = repo.call("validate", "--today", TODAY, "--format", "json", frosta)
    assert result.code == 1
    found = [(f["rule"], f["file"], f["line"]) for f in json.loads(result.out)["findings"]]
    # S3 sees Stjørdal's file; R-K3 sees AR, where the HER-id belongs to Stjørdal's organisation.
    assert found == [("R-K3", frosta, 16), ("S3", frosta, 16)]
    # Both sides of a conflict hear of it: Stjørdal's file names Frosta's line.
    other = repo.call("validate", "--today", TODAY, "--format", "json", STJORDAL)
    assert other.code == 1
    [s3] = json.loads(other.out)["findings"]
    assert (s3["rule"], s3["file"], s3["line"]) == ("S3", STJORDAL, 16)
    assert f"{frosta}:16 (Frosta)" in s3["message"]


def test_a_new_file_that_sorts_first_gets_the_duplicate_her_id(repo: Repo) -> None:
    """Issue 17: Holtålen (5026) sorts before Stjørdal (5035). Validating only the new file (what
    the pre-commit hook does) still reports S3 there, on the party's line, with the fix."""
    text = repo.path(STJORDAL).read_text("utf-8")
    for old, new in [
        ('"5035"', '"5026"'),
        ("name: Stjørdal\n", "name: Holtålen\n"),
        ('"939958851"', '"937697767"'),
        ("@stjordal.kommune.no", "@holtalen.kommune.no"),
    ]:
        text = text.replace(old, new)
    holtalen = repo.write("partners/kommuner/5026-holtalen.yaml", text).relative_to(repo.root).as_posix()
    result = repo.call("validate", "--today", TODAY, holtalen)
    assert result.code == 1
    s3 = [line for line in result.out.splitlines() if " error S3 " in line]
    assert s3 == [
        f"{holtalen}:16:13: error S3 HER-id 8170001 is used more than once: also at {STJORDAL}:16 (Stjørdal); "
        "each communication party and HF has a HER-id of its own (check the party in AR)"
    ]


def test_against_a_base_the_duplicate_is_reported_only_on_the_changed_lines(repo: Repo) -> None:
    """In a pull request (``--base``) the unchanged file that already had the HER-id is left
    alone, so the annotation lands on the diff."""
    _git(repo.root, "init", "-q", "-b", "main")
    _git(repo.root, "add", "-A")
    _git(repo.root, "commit", "-q", "-m", "base")
    frosta = frosta_with_stjordals_her_id(repo)
    result = repo.call("validate", "--today", TODAY, "--format", "json", "--base", "main")
    s3 = [(f["file"], f["line"]) for f in json.loads(result.out)["findings"] if f["rule"] == "S3"]
    assert s3 == [(frosta, 16)]


def test_paths_relative_to_the_working_directory(repo: Repo) -> None:
    frosta = frosta_with_stjordals_her_id(repo)
    here = repo.root / "partners" / "kommuner"
    result = repo.call("validate", "--today", TODAY, "--format", "json", "5036-frosta.yaml", cwd=here)
    assert [(f["rule"], f["file"]) for f in json.loads(result.out)["findings"]] == [("R-K3", frosta), ("S3", frosta)]


def test_root_option_and_root_found_from_a_subdirectory(repo: Repo, tmp_path: Path) -> None:
    saturday(repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    from_root = repo.call("validate", "--today", TODAY, "--root", str(repo.root), cwd=outside)
    from_sub = repo.call("validate", "--today", TODAY, cwd=repo.root / "partners" / "kommuner")
    assert from_root.code == from_sub.code == 1
    assert from_root.out == from_sub.out
    assert f"{STJORDAL}:10:9: error R-K1 " in from_root.out


def test_no_repository_is_a_plain_error(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    result = repo.call("validate", "--today", TODAY, cwd=outside)
    assert result.code == 1
    assert "no 'partners/' directory" in result.err


# ------------------------------------------------------------------------------ --base REF (L1-L3)


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("melhus-planned-to-active", [("L1", "partners/kommuner/5028-melhus.yaml", 8, 9)]),
        ("trondheim-new-date", [("L2", "partners/kommuner/5001-trondheim.yaml", 10, 9)]),
        ("trondheim-deleted", [("L3", "partners/kommuner/5001-trondheim.yaml", 8, 9)]),
        ("stjordal-ordered-to-testing", []),
    ],
)
def test_base_ref_in_a_git_repository(repo: Repo, change: str, expected: list[tuple[str, str, int, int]]) -> None:
    """A base commit with the shipped examples and a head commit with one change; validate
    --base main compares the work tree (the head commit) with main through git."""
    _git(repo.root, "init", "-q", "-b", "main")
    _git(repo.root, "add", "-A")
    _git(repo.root, "commit", "-q", "-m", "base")
    _git(repo.root, "checkout", "-q", "-b", change)
    if change == "melhus-planned-to-active":
        repo.edit("partners/kommuner/5028-melhus.yaml", "status: planned", "status: active")
    elif change == "trondheim-new-date":
        repo.edit("partners/kommuner/5001-trondheim.yaml", "date: 2026-03-03", "date: 2026-03-10")
    elif change == "trondheim-deleted":
        repo.path("partners/kommuner/5001-trondheim.yaml").unlink()
    else:
        repo.edit(STJORDAL, "status: ordered ", "status: testing ")
    _git(repo.root, "commit", "-q", "-a", "-m", change)

    result = repo.call("validate", "--today", TODAY, "--format", "json", "--base", "main")
    found = [(f["rule"], f["file"], f["line"], f["column"]) for f in json.loads(result.out)["findings"]]
    assert [f for f in found if f[0] in ("L1", "L2", "L3")] == expected
    if not expected:
        assert result.code == 0, result.out
    else:
        assert result.code == 1


def test_unknown_base_ref_is_a_usage_error(repo: Repo) -> None:
    _git(repo.root, "init", "-q", "-b", "main")
    result = repo.call("validate", "--today", TODAY, "--base", "no-such-ref")
    assert result.code == 2
    assert "cannot read revision 'no-such-ref'" in result.err


def test_yaml_type_slips_say_what_to_write_and_hide_nothing_else(repo: Repo) -> None:
    """Issue 17: an unquoted version, an unquoted kommunenummer and a date written 01.04.27 each
    say exactly what to write instead; the other findings in the same file still show."""
    repo.edit(STJORDAL, 'dialogmelding: "1.1"', "dialogmelding: 1.1")
    saturday(repo)  # R-K1 in the same file
    melhus = "partners/kommuner/5028-melhus.yaml"
    repo.edit(melhus, 'kommune: "5028"', "kommune: 5028")
    text = repo.path(melhus).read_text("utf-8")
    agreed = re.search(r"agreed_on: (\S+)", text)
    assert agreed is not None
    repo.edit(melhus, f"agreed_on: {agreed[1]}", "agreed_on: 01.04.26")
    result = repo.call("validate", "--today", TODAY, STJORDAL, melhus)
    assert result.code == 1
    lines = result.out.splitlines()
    assert (
        f"{STJORDAL}:21:22: error S1 'parties.0.messages.dialogmelding': input should be text "
        '(got 1.1): write "1.1" in quotes: a version is text, and unquoted YAML reads 1.1 as a number' in lines
    )
    assert any(line.startswith(f"{STJORDAL}:10:9: error R-K1 ") for line in lines), lines  # not hidden
    assert any(line.startswith(f"{melhus}:4:10: error S1 ") and 'write "5028" in quotes' in line for line in lines)
    assert any("write 2026-04-01 (dates are YYYY-MM-DD, not 01.04.26)" in line for line in lines), lines
    # Nothing is generated from a file with an S1 error, even a repaired one.
    assert repo.call("build", "--today", TODAY).code == 1
