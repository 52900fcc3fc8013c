"""Comparing two readings of an agreement, on NHN's sample CPAs (read from ../shared) and edits of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agreements.nhn_files import CPA_93252, CPA_93253, CPA_V2, require
from pipeline.agreements.compare import Difference, FunctionKey, compare
from pipeline.agreements.reader import read, read_file
from pipeline.agreements.reading import Reading
from pipeline.errors import UsageError

AS = 8093238  # the party both readings of CPA_v2 are made as; the counterparty is 8093240


def reading(path: Path, her_id: int = AS) -> Reading:
    return read_file(require(path), her_id=her_id, mode="lenient")


def theirs(path: Path, *edits: tuple[str, str, int], her_id: int = AS) -> Reading:
    text = require(path).read_text("utf-8-sig")
    for old, new, count in edits:
        assert text.count(old) >= count, old
        text = text.replace(old, new, count)
    return read(text.encode("utf-8"), file="theirs.xml", her_id=her_id, mode="lenient")


def fields(differences: tuple[Difference, ...]) -> set[tuple[str, str]]:
    return {(d.aspect, d.field) for d in differences}


def test_the_same_agreement_has_no_differences() -> None:
    assert compare(reading(CPA_V2), reading(CPA_V2)) == ()


def test_another_counterparty_differs_in_who_it_is_and_where_messages_go() -> None:
    differences = compare(reading(CPA_93252, 93238), reading(CPA_93253, 93238))
    assert differences[0] == Difference("agreement", None, "counterparty HER-id", "93252", "93253")
    rest = differences[1:]
    assert {d.aspect for d in rest} == {"endpoint"}
    assert all(d.function is not None and d.function.direction == "send" for d in rest)
    endpoint = next(
        d for d in rest if d.function == FunctionKey("send", "Dialog_Innbygger_Ekontakt", "DIALOG_INNBYGGER_EKONTAKT")
    )
    assert (endpoint.ours, endpoint.theirs) == (
        "sb.test.nhn.no/DigitalDialog/93252_async",
        "sb.test.nhn.no/DigitalDialog/93253_async",
    )
    assert "send DIALOG_INNBYGGER_EKONTAKT (Dialog_Innbygger_Ekontakt): endpoint: ours" in endpoint.message


def test_process_version_and_uuid() -> None:
    old = (
        'tns:name="Dialog_Innbygger_Test" tns:version="1.1" xlink:href="http://www.ehelse.no/processes/'
        'Dialog_Innbygger_Test.xml" xlink:type="simple" tns:uuid="A28BCD40-CCA5-48F0-92CD-C95EA6A70EDE"'
    )
    new = old.replace('"1.1"', '"1.2"').replace("A28BCD40", "B28BCD40")
    differences = compare(reading(CPA_V2), theirs(CPA_V2, (old, new, 2)))
    test = [d for d in differences if d.function and d.function.process == "Dialog_Innbygger_Test"]
    assert fields(tuple(test)) == {("process", "process version"), ("process", "process uuid")}
    version = next(d for d in test if d.field == "process version")
    assert (version.ours, version.theirs) == ("1.1", "1.2")
    assert len({d.function for d in test}) == len(test) // 2  # every function of the process, both fields


def test_uuids_are_compared_as_uuids() -> None:
    upper = 'tns:uuid="A28BCD40-CCA5-48F0-92CD-C95EA6A70EDE"'
    assert compare(reading(CPA_V2), theirs(CPA_V2, (upper, upper.lower(), 4))) == ()


def test_payload_namespace_location() -> None:
    differences = compare(
        reading(CPA_V2), theirs(CPA_V2, ('tns:location="AppRec-v1_1.xsd"', 'tns:location="AppRec-v1.1.xsd"', 1))
    )
    assert fields(differences) == {("namespaces", "payload namespaces")}
    assert "APPREC" in {d.function.action for d in differences if d.function}  # and what else uses that package
    assert all(
        d.ours and "AppRec-v1_1.xsd" in d.ours and d.theirs and "AppRec-v1.1.xsd" in d.theirs for d in differences
    )


def test_a_function_only_one_side_has() -> None:
    # theirs lacks the counterparty's CanReceive of MeldeFeil, so I may not send it
    text = require(CPA_V2).read_text("utf-8-sig")
    binding = text.index('tns:id="DialogKjernejournal_hr_2_8093240"')
    start = text.rindex("<tns:CanReceive>", 0, binding)
    end = text.index("</tns:CanReceive>", binding) + len("</tns:CanReceive>")
    other = read((text[:start] + text[end:]).encode("utf-8"), file="theirs.xml", her_id=AS, mode="lenient")
    differences = compare(reading(CPA_V2), other)
    key = FunctionKey("send", "Dialog_Innbygger_Helseregister", "MELDEFEIL")
    assert Difference("function", key, "message function", str(key), None) in differences
    assert {d.aspect for d in differences} == {"function"}


def test_a_renamed_process_is_matched_by_its_action_and_named() -> None:
    differences = compare(
        reading(CPA_V2),
        theirs(CPA_V2, ('tns:name="Dialog_Innbygger_Helseregister"', 'tns:name="Helseregister"', 2)),
    )
    # every other process's Apprec matched exactly, so the one left on each side pairs up too
    assert [(d.function.direction, d.function.action) for d in differences if d.function] == [
        ("receive", "APPREC"),
        ("receive", "MELDEFEIL"),
        ("send", "APPREC"),
        ("send", "MELDEFEIL"),
    ]
    assert {(d.field, d.ours, d.theirs) for d in differences} == {
        ("process name", "Dialog_Innbygger_Helseregister", "Helseregister")
    }


def test_functions_that_cannot_be_paired_are_reported_on_each_side() -> None:
    # two renamed processes both have an Apprec of the same direction: the action alone cannot pair them
    differences = compare(
        reading(CPA_V2),
        theirs(
            CPA_V2,
            ('tns:name="Dialog_Innbygger_Helseregister"', 'tns:name="Helseregister"', 2),
            ('tns:name="Dialog_Innbygger_Koordinator"', 'tns:name="Koordinator"', 2),
        ),
    )
    unmatched = [d for d in differences if d.aspect == "function"]
    assert {d.function.action for d in unmatched if d.function} == {"APPREC"}
    assert sorted(d.ours is None for d in unmatched) == [False] * 4 + [True] * 4


def test_certificates_status_and_period() -> None:
    keyname = "<ds:KeyName>enc</ds:KeyName><!--"
    other = theirs(
        CPA_V2,
        ('<tns:Status tns:value="proposed" />', '<tns:Status tns:value="agreed" />', 1),
        ("<tns:End>2021-10-11T23:59:00+02:00</tns:End>", "<tns:End>2021-10-10T23:59:00+02:00</tns:End>", 1),
        (
            '<tns:Certificate tns:certId="enc">\n      <ds:KeyInfo>\n        <ds:X509Data>',
            f'<tns:Certificate tns:certId="enc">\n      <ds:KeyInfo>\n        {keyname}',
            1,
        ),
        (
            "</ds:X509Data>\n      </ds:KeyInfo>\n    </tns:Certificate>\n    <tns:DeliveryChannel",
            "-->\n      </ds:KeyInfo>\n    </tns:Certificate>\n    <tns:DeliveryChannel",
            1,
        ),
    )
    differences = compare(reading(CPA_V2), other)
    assert differences == (
        Difference("agreement", None, "status", "proposed", "agreed"),
        Difference("agreement", None, "end", "2021-10-11T23:59:00+02:00", "2021-10-10T23:59:00+02:00"),
        Difference(
            "certificate",
            None,
            "encryption certificate of the counterparty (SHA-1 thumbprint)",
            "FA28EF4AFE25857DC79C9C23941089B73885EC3B",
            None,
        ),
    )


def test_readings_as_different_parties_are_not_compared() -> None:
    with pytest.raises(UsageError, match="same party"):
        compare(reading(CPA_V2, AS), reading(CPA_V2, 8093240))
