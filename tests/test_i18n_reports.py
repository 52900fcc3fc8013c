"""Norwegian first, end to end (issue 17): findings of every rule family (S, R-K, R-H, L), the
plan, a deploy report, a receipts import, an AR sync report and an error line come out in
Norwegian with OPPKOBLING_LANG=nb (or --lang nb) and in English with en; what machines read
(rule ids, paths, JSON keys) is the same in both."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ar.server import TOKEN, ArServer
from conftest import TODAY, Repo
from rules.rulecases import shipped

STJORDAL = "partners/kommuner/5035-stjordal.yaml"
LANGS = ("nb", "en")


def git(repo: Repo, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo.root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def committed(repo: Repo) -> Repo:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "shipped")
    return repo


def broken(repo: Repo) -> None:
    """S4 (a name the register does not know), R-K2 (an unknown message type), R-H3 (a mail domain
    that is not a kommune's) in Stjørdal's file."""
    repo.edit(STJORDAL, "name: Stjørdal\n", "name: Stjordalx\n")
    repo.edit(STJORDAL, "@stjordal.kommune.no", "@gmail.com")
    text = repo.path(STJORDAL).read_text("utf-8")
    first_type = next(line for line in text.splitlines() if line.strip().startswith("dialogmelding:"))
    repo.edit(STJORDAL, first_type, first_type.replace("dialogmelding:", "dialogmeldingx:"))


EXPECTED = {
    "nb": [
        "feil S4 navnet 'Stjordalx' stemmer ikke med registeret for 5035 (godtatt: Stjørdal)",
        "feil R-K2 ukjent meldingstype 'dialogmeldingx'",
        "advarsel R-H3 kontaktdomenet 'gmail.com' er ikke et kommune.no-domene",
    ],
    "en": [
        "error S4 name 'Stjordalx' does not match the register for 5035 (accepted: Stjørdal)",
        "error R-K2 unknown message type 'dialogmeldingx'",
        "warning R-H3 contact domain 'gmail.com' is not a kommune.no domain",
    ],
}


def test_findings_of_s_r_k_and_r_h_in_either_language_and_json_alike(repo: Repo) -> None:
    broken(repo)
    out = {lang: repo.run("validate", "--today", TODAY, STJORDAL, env={"OPPKOBLING_LANG": lang}).out for lang in LANGS}
    for lang in LANGS:
        for expected in EXPECTED[lang]:
            assert expected in out[lang], (lang, expected, out[lang])
    assert "feil, " in out["nb"].splitlines()[-1] and "error(s)" in out["en"].splitlines()[-1]
    docs = {
        lang: json.loads(repo.call("validate", "--today", TODAY, "--format", "json", "--lang", lang).out)
        for lang in LANGS
    }
    messages = {lang: [f.pop("message") for f in doc["findings"]] for lang, doc in docs.items()}
    assert docs["nb"] == docs["en"]  # rule, severity, file, line, column and the summary
    assert {f["rule"] for f in docs["nb"]["findings"]} >= {"S4", "R-K2", "R-H3"}
    assert all(n != e for n, e in zip(messages["nb"], messages["en"], strict=True))


def test_an_l_finding_and_the_plan_in_either_language(committed: Repo) -> None:
    repo = committed
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-03-09")  # every file Stjørdal feeds is now stale
    checked = {lang: repo.call("check", "--today", TODAY, "--lang", lang) for lang in LANGS}
    assert checked["nb"].code == checked["en"].code == 1
    nb_stale = "generated/STATUS.md:1:1: feil L4 generated/STATUS.md"  # the severity, too, in Norwegian
    en_stale = "generated/STATUS.md:1:1: error L4 generated/STATUS.md"
    assert (
        f"{nb_stale} er utdatert (eller skadet): deklarasjonene genererer annet innhold; kjør 'oppkobling build'"
        in (checked["nb"].out)
    )
    assert f"{en_stale} is stale (or damaged): the declarations generate different content; run 'oppkobling build'" in (
        checked["en"].out
    )
    plans = {lang: repo.call("plan", "--base", "HEAD", "--today", TODAY, "--lang", lang).out for lang in LANGS}
    for line in ("## oppkobling-plan", "### Partneravtaler per helseforetak (K4)", "### Kommuner i denne endringen"):
        assert line in plans["nb"]
    assert "Sammenlignet med `HEAD`" in plans["nb"] and "| Steg | Milepæl | Hvem | Når | Tilstand |" in plans["nb"]
    assert "#### Stjørdal (5035): endret, status `ordered`" in plans["nb"]
    assert "| K3 | Kommunikasjonsparter publisert i NHN AR | kommune |" in plans["nb"]  # the routine's step titles
    assert "| K3 | Communication parties published in NHN AR | kommune |" in plans["en"]
    for line in ("## oppkobling plan", "### Partner agreements per helseforetak (K4)", "### Kommuner in this change"):
        assert line in plans["en"]
    assert "Compared with `HEAD`" in plans["en"] and "#### Stjørdal (5035): changed, status `ordered`" in plans["en"]
    docs = {
        lang: json.loads(repo.call("plan", "--base", "HEAD", "--today", TODAY, "--format", "json", "--lang", lang).out)
        for lang in LANGS
    }

    def keys(doc: object) -> object:
        if isinstance(doc, dict):
            return {k: keys(v) for k, v in doc.items()}
        return [keys(v) for v in doc] if isinstance(doc, list) else None

    assert keys(docs["nb"]) == keys(docs["en"])  # the same JSON keys; a title or reason is a person's text
    assert [k["change"] for k in docs["nb"]["kommuner"]] == [k["change"] for k in docs["en"]["kommuner"]] == ["changed"]
    assert [e["step"] for e in docs["nb"]["kommuner"][0]["timeline"]] == [
        e["step"] for e in docs["en"]["kommuner"][0]["timeline"]
    ]


def test_a_deploy_report_in_either_language(committed: Repo, tmp_path: Path) -> None:
    target = f"dir:{tmp_path / 'message-server'}"
    reports = {
        lang: committed.call("deploy", "--hf", "st-olavs", "--target", target, "--today", TODAY, "--lang", lang)
        for lang in LANGS
    }
    nb, en = reports["nb"].out, reports["en"].out
    assert reports["nb"].code == reports["en"].code == 0
    assert f"Plan for st-olavs på {target}" in nb and "  leverer:     ingenting ennå" in nb
    assert "  legg til  cpa/5035-8170001.xml" in nb and "  avtaler som skifter tilstand:" in nb
    assert "Prøvekjøring: ingenting ble endret. Kjør igjen med --apply for å rulle ut." in nb
    assert "ikke levert: cpa/1811-8180001.xml er et ufullstendig utkast" in nb
    assert f"Plan for st-olavs at {target}" in en and "  serving:   nothing yet" in en
    assert "  add  cpa/5035-8170001.xml" in en
    assert "Dry run: nothing was changed. Run again with --apply to deploy." in en
    assert "not shipped: cpa/1811-8180001.xml is an incomplete draft" in en


def test_a_receipts_import_report_in_either_language(repo: Repo, tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    nb = repo.run("receipts", "import", str(box), "--today", TODAY, env={"OPPKOBLING_LANG": "nb"})
    en = repo.run("receipts", "import", str(box), "--today", TODAY, env={"OPPKOBLING_LANG": "en"})
    assert nb.code == en.code == 0
    assert nb.out == "ingenting nytt: 0 kvittering(er) lest; ingenting endret\n"
    assert en.out == "nothing new: 0 receipt(s) read; nothing changed\n"


@pytest.fixture
def ar_server() -> Iterator[ArServer]:
    with ArServer({p: b for p, b in shipped().items() if p.startswith("partners/ar/")}) as running:
        yield running


def test_an_ar_sync_report_in_either_language(repo: Repo, ar_server: ArServer) -> None:
    env = {"OPPKOBLING_AR_TOKEN": TOKEN}
    sync = ("ar", "sync", "--base-url", ar_server.base_url, "--all-declared")
    nb = repo.run(*sync, env={**env, "OPPKOBLING_LANG": "nb"})
    en = repo.run(*sync, env={**env, "OPPKOBLING_LANG": "en"})
    assert nb.code == en.code == 0, nb.err + en.err
    assert "ar sync av " in nb.out and "HER-id(-er) fra" in nb.out and " skrevet, " in nb.out and " uendret" in nb.out
    assert "ar sync of " in en.out and "HER-id(s) from" in en.out and " written, " in en.out and " unchanged" in en.out
    assert "finnes ikke i NHNs AR (404)" in nb.out  # Bindal's party is not in AR
    assert "is not in NHN's AR (404)" in en.out


def test_an_error_line_in_either_language(repo: Repo) -> None:
    nb = repo.run("timeline", "Atlantis", env={"OPPKOBLING_LANG": "nb"})
    en = repo.run("timeline", "Atlantis", env={"OPPKOBLING_LANG": "en"})
    assert nb.code == en.code == 2  # the kommune is an argument: a usage error
    assert nb.err.startswith("oppkobling: feil: ingen kommunedeklarasjon passer til 'Atlantis' (deklarert: ")
    assert en.err.startswith("oppkobling: error: no kommune declaration matches 'Atlantis' (declared: ")
    usage = {
        lang: repo.run(
            "record",
            "5035",
            "dialog",
            "--hf",
            "st-olavs",
            "--her-id",
            "8170001",
            "--sent-at",
            "noon",
            env={"OPPKOBLING_LANG": lang},
        )
        for lang in LANGS
    }
    assert "er ikke et ISO 8601-tidspunkt" in usage["nb"].err and "is not an ISO 8601 time" in usage["en"].err


def test_values_and_severities_inside_sentences_read_in_either_language(repo: Repo) -> None:
    """A status, a certificate's kind, a receipt's verdict and the severity are shown in the
    person's language; the JSON keeps the values a person types in YAML."""
    run = {lang: (lambda *a, lang=lang: repo.call(*a, "--today", TODAY, "--lang", lang).out) for lang in LANGS}
    status = {lang: run[lang]("status") for lang in LANGS}
    assert "5035 Stjørdal         bestilt         T 2027-03-02" in status["nb"]
    assert "1505 Kristiansund     satt på pause   T 2026-10-06" in status["nb"]
    assert "5035 Stjørdal         ordered   T 2027-03-02" in status["en"]
    assert "| 1811 Bindal | bestilt | 2027-06-08 |" in run["nb"]("status", "--format", "markdown")
    docs = {lang: json.loads(run[lang]("status", "--format", "json")) for lang in LANGS}
    assert (
        {k["status"] for k in docs["nb"]["kommuner"]}
        == {k["status"] for k in docs["en"]["kommuner"]}
        >= {
            "ordered",
            "paused",
        }
    )
    assert "Stjørdal (5035) · status bestilt · T 2027-03-02" in run["nb"]("timeline", "5035")
    assert "Stjørdal (5035) · status ordered · T 2027-03-02" in run["en"]("timeline", "5035")
    checked = {lang: run[lang]("validate") for lang in LANGS}
    assert "advarsel R-K3 HER-id 8160101: krypteringssertifikatet (partners/ar/certificate/" in checked["nb"]
    assert "warning R-K3 HER-id 8160101: the encryption certificate (partners/ar/certificate/" in checked["en"]
    assert "(transport ok, apprec avvist)" in checked["nb"] and "(transport ok, apprec rejected)" in checked["en"]
    github = {lang: repo.call("validate", "--today", TODAY, "--format", "github", "--lang", lang).out for lang in LANGS}
    commands = {
        lang: [line.split(" ")[0] for line in github[lang].splitlines() if line.startswith("::")] for lang in LANGS
    }
    assert commands["nb"] == commands["en"] and set(commands["nb"]) == {"::warning"}  # the machine's words


def test_argparse_headings_and_a_refused_build_in_either_language(repo: Repo) -> None:
    helps = {lang: repo.call("deploy", "--help", "--lang", lang).out for lang in LANGS}
    assert "\nvalg:\n" in helps["nb"] and "\noptions:\n" not in helps["nb"]
    assert "\noptions:\n" in helps["en"]
    assert "\nposisjonsargumenter:\n" in repo.call("ar", "--help", "--lang", "nb").out
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-03-25")  # Skjærtorsdag: an R-K1 error
    built = {lang: repo.call("build", "--today", TODAY, "--lang", lang) for lang in LANGS}
    assert built["nb"].code == built["en"].code == 1
    assert (
        "ingenting skrevet til generated/: rett den 1 feilen som er meldt ovenfor" in built["nb"].out + built["nb"].err
    )
    assert "nothing written to generated/: fix the 1 error reported above" in built["en"].out + built["en"].err


def test_a_refused_file_under_partners_in_either_language(repo: Repo) -> None:
    backup = "partners/kommuner/5035-stjordal.yaml~"
    repo.path(backup).write_text(repo.path(STJORDAL).read_text("utf-8"), "utf-8")
    nb = repo.call("validate", "--today", TODAY, "--lang", "nb")
    en = repo.call("validate", "--today", TODAY, "--lang", "en")
    assert f"{backup}:1:1: feil S2 sikkerhetskopi eller redigeringsfil avvises; fjern den" in nb.out
    assert f"{backup}:1:1: error S2 backup or editor file is refused; remove it" in en.out
