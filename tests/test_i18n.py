"""Norwegian first (issue 17): every text a person reads comes through the gettext catalog, in
Norwegian bokmål by default and in English on request; what machines read never changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, TODAY, Repo

from pipeline import i18n
from pipeline.cli.main import build_parser
from pipeline.i18n import catalog
from pipeline.i18n.command_line import help_texts

STJORDAL = "partners/kommuner/5035-stjordal.yaml"


def holiday_t(repo: Repo) -> None:
    """Stjørdal's T on 2027-04-01: its test day T-7 is Skjærtorsdag (R-K1's holiday warning)."""
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-04-01")


def test_must_show_4_the_holiday_finding_in_norwegian_and_in_english(repo: Repo) -> None:
    holiday_t(repo)
    nb = repo.run("validate", "--today", TODAY, STJORDAL, env={"OPPKOBLING_LANG": "nb"})
    en = repo.run("validate", "--today", TODAY, STJORDAL, env={"OPPKOBLING_LANG": "en"})
    assert nb.out.splitlines() == [
        f"{STJORDAL}:10:9: advarsel R-K1 testdagen T-7 (2027-03-25) er en helligdag (Skjærtorsdag): "
        "avtal med Hemit når testmeldingene sendes",
        "0 feil, 1 advarsel(er)",
    ]
    assert en.out.splitlines() == [
        f"{STJORDAL}:10:9: warning R-K1 the test day T-7 (2027-03-25) is a public holiday (Skjærtorsdag): "
        "agree with Hemit when the test messages go out",
        "0 error(s), 1 warning(s)",
    ]
    # JSON: identical apart from each finding's message.
    docs = {
        lang: json.loads(repo.run("validate", "--today", TODAY, "--format", "json", env={"OPPKOBLING_LANG": lang}).out)
        for lang in ("nb", "en")
    }
    messages = {lang: [f.pop("message") for f in doc["findings"]] for lang, doc in docs.items()}
    assert docs["nb"] == docs["en"]
    assert messages["nb"] != messages["en"] and len(messages["nb"]) == len(messages["en"])


def test_a_holiday_t_is_an_error_in_either_language(repo: Repo) -> None:
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-03-25")
    nb = repo.call("validate", "--today", TODAY, "--lang", "nb", STJORDAL)
    en = repo.call("validate", "--today", TODAY, "--lang", "en", STJORDAL)
    assert nb.code == en.code == 1
    assert "feil R-K1 aktiveringsdatoen må være en norsk virkedag" in nb.out
    assert "2027-03-25 er en helligdag (Skjærtorsdag)" in nb.out
    assert "error R-K1 activation date must be a Norwegian working day" in en.out
    assert "2027-03-25 is a public holiday (Skjærtorsdag)" in en.out


def test_the_language_is_the_flag_then_the_environment_then_the_locale_then_nb() -> None:
    assert i18n.choose("en", {"OPPKOBLING_LANG": "nb", "LANG": "nb_NO.UTF-8"}) == "en"
    assert i18n.choose(None, {"OPPKOBLING_LANG": "en", "LANG": "nb_NO.UTF-8"}) == "en"
    assert i18n.choose(None, {"LANG": "en_GB.UTF-8"}) == "en"
    assert i18n.choose(None, {"LC_ALL": "nn_NO.UTF-8", "LANG": "en_US.UTF-8"}) == "nb"
    assert i18n.choose(None, {"LANG": "C.UTF-8"}) == "nb"
    assert i18n.choose(None, {}) == "nb"
    with i18n.use("en"), pytest.raises(i18n.LanguageError, match="unknown language"):
        i18n.choose("de", {})
    with i18n.use("nb"), pytest.raises(i18n.LanguageError, match="ukjent språk"):
        i18n.choose("de", {})


def test_an_unknown_language_is_a_usage_error(repo: Repo) -> None:
    # Said in the locale's language, else Norwegian (the one asked for is unknown).
    result = repo.run("validate", env={"OPPKOBLING_LANG": "klingon", "LC_ALL": "", "LANG": "en_GB.UTF-8"})
    assert result.code == 2 and "unknown language 'klingon'" in result.err and "Traceback" not in result.err
    result = repo.run("validate", env={"OPPKOBLING_LANG": "klingon", "LC_ALL": "", "LANG": "C.UTF-8"})
    assert result.code == 2 and "oppkobling: feil: ukjent språk 'klingon'" in result.err


def test_the_catalog_is_complete_and_compiled() -> None:
    """Every marked message and every help text has a Norwegian translation, none fuzzy; the .po
    is what the code gives and the shipped .mo is the .po compiled (python -m pipeline.i18n.catalog)."""
    assert catalog.problems() == []


def test_every_help_text_is_in_the_catalog() -> None:
    """A user-facing string not in the catalog fails: the whole command line's help, as built."""
    with i18n.use("en"):
        english = help_texts(build_parser())
    with i18n.use("nb"):
        norwegian = help_texts(build_parser())
    known = {m.id for m in catalog.updated()[0] if m.id}
    assert [t for t in english if t not in known] == []
    assert len(norwegian) == len(english)
    assert sum(n != e for n, e in zip(norwegian, english, strict=True)) > len(english) * 0.9


def test_the_result_cache_never_answers_in_the_other_language(repo: Repo) -> None:
    holiday_t(repo)
    env = {"OPPKOBLING_CACHE": "1"}
    first = repo.run("validate", "--today", TODAY, STJORDAL, env={**env, "OPPKOBLING_LANG": "nb"})
    second = repo.run("validate", "--today", TODAY, STJORDAL, env={**env, "OPPKOBLING_LANG": "en"})
    third = repo.run("validate", "--today", TODAY, STJORDAL, env={**env, "OPPKOBLING_LANG": "nb"})
    assert "er en helligdag" in first.out and "is a public holiday" in second.out
    assert third.out == first.out


def test_generated_follows_the_repository_setting_never_the_person(repo: Repo, tmp_path: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", repo.root / "pyproject.toml")
    built = {}
    for lang in ("nb", "en"):
        assert repo.run("build", "--today", TODAY, env={"OPPKOBLING_LANG": lang}).code == 0
        built[lang] = {
            p.relative_to(repo.root).as_posix(): p.read_bytes()
            for p in (repo.root / "generated").rglob("*")
            if p.is_file()
        }
    assert built["nb"] == built["en"]  # the person's language changes nothing in generated/
    status = built["nb"]["generated/STATUS.md"].decode("utf-8")
    assert "# Status for oppkobling" in status and "(2 av 3)" in status
    # Every generated file's header, the CPA's comment and the test messages' labels: nb, too.
    cpa = built["nb"]["generated/st-olavs/cpa/5035-8170001.xml"].decode("utf-8")
    assert "<!-- Generert av oppkobling fra partners/. Ikke rediger: generer på nytt med 'oppkobling build'. -->" in cpa
    assert '<tns:Comment xml:lang="nb">Partneravtale (rutinens steg K4) mellom St. Olavs hospital HF og ' in cpa
    assert "deklarert status bestilt, avtalens tilstand" in cpa and "<tns:Status " in cpa
    schedule = json.loads(built["nb"]["generated/fixtures/5035-stjordal/schedule.json"])
    assert schedule["_comment"].startswith("Generert av oppkobling")
    assert json.loads(built["nb"]["generated/MANIFEST.json"])["_comment"].startswith("Generert av oppkobling")
    text = (repo.root / "pyproject.toml").read_text("utf-8")
    assert 'language = "nb"' in text
    (repo.root / "pyproject.toml").write_text(text.replace('language = "nb"', 'language = "en"'), "utf-8")
    assert repo.run("check", "--today", TODAY).code == 1  # STATUS.md and status.html are now stale
    assert repo.run("build", "--today", TODAY).code == 0
    english = (repo.root / "generated/STATUS.md").read_text("utf-8")
    assert "# Onboarding status" in english and "(2 of 3)" in english
    cpa = (repo.root / "generated/st-olavs/cpa/5035-8170001.xml").read_text("utf-8")
    assert (
        "<!-- Generated by oppkobling from partners/." in cpa and '<tns:Comment xml:lang="en">Partner agreement' in cpa
    )
    (repo.root / "pyproject.toml").write_text(text.replace('language = "nb"', 'language = "de"'), "utf-8")
    refused = repo.run("build", "--today", TODAY)
    assert refused.code == 1 and '[tool.oppkobling] language = \'de\': write "nb" or "en"' in refused.err


def test_rule_ids_paths_and_json_keys_do_not_change(repo: Repo) -> None:
    holiday_t(repo)
    for command in (("status", "--format", "json"), ("timeline", "5035", "--format", "json")):
        nb = json.loads(repo.run(*command, "--today", TODAY, env={"OPPKOBLING_LANG": "nb"}).out)
        en = json.loads(repo.run(*command, "--today", TODAY, env={"OPPKOBLING_LANG": "en"}).out)

        def keys(doc: object) -> object:
            if isinstance(doc, dict):
                return {k: keys(v) for k, v in doc.items()}
            if isinstance(doc, list):
                return [keys(v) for v in doc]
            return None

        assert keys(nb) == keys(en), command
        routine = [m["quote"] for m in (nb.get("milestones") or nb["kommuner"][0]["overdue"] or [])]
        assert routine == [m["quote"] for m in (en.get("milestones") or en["kommuner"][0]["overdue"] or [])]


def test_help_in_norwegian_by_default(repo: Repo) -> None:
    no_choice = {"OPPKOBLING_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    result = repo.run("record", "5035", "order", "--help", env=no_choice)
    assert result.code == 0
    assert "bruk: oppkobling record KOMMUNE order" in result.out
    assert "dagen bestillingen ble sendt" in result.out
