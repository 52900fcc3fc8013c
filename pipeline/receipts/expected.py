"""The test messages receipts are expected for (pure): the schedule of each kommune's test
messages, as generated from its declaration (``pipeline.fixtures``).

Every fixture in a schedule is one test message: its MsgId, who sent it (the HF) and who
received it (the kommune's party), when, which attempt it is, and for the dialog the
ConversationRef the answer must carry. The schedule itself is
``pipeline.fixtures.schedule.Schedule``; ``of_declarations`` makes the schedules in memory, the
same ones ``generated/`` holds when it is fresh (L4).
"""

from __future__ import annotations

import datetime as dt

from pipeline.fixtures.outbox import DIALOG_STEP, outbox
from pipeline.fixtures.schedule import Schedule, schedule
from pipeline.model.declarations import DeclarationSet
from pipeline.receipts.model import ExpectedMessage


def from_schedule(s: Schedule) -> list[ExpectedMessage]:
    return [
        ExpectedMessage(
            kommune=s.kommune,
            hf=f.hf,
            kind="dialog" if f.step == DIALOG_STEP else "pretest",
            step=f.step,
            message_type=f.message_type,
            version=f.version,
            action=f.action,
            msg_id=f.msg_id,
            sender_her=f.sender.her_id,
            receiver_her=f.receiver.her_id,
            sent_at=dt.datetime.fromisoformat(f.send_at),
            apprec_version=f.apprec.version,
            conversation_ref=f.answer.refers_to if f.answer is not None else None,
            attempt=f.attempt,
        )
        for f in s.fixtures
    ]


def of_declarations(declarations: DeclarationSet) -> list[ExpectedMessage]:
    """Every test message the declarations generate, kommune by kommune in file order."""
    found: list[ExpectedMessage] = []
    for k in sorted(declarations.kommuner, key=lambda d: d.path):
        planned = outbox(k, declarations.helseforetak)
        if planned:
            found.extend(from_schedule(schedule(k, planned)))
    return found
