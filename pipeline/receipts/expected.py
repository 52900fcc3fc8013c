"""The test messages receipts are expected for, from the generated schedules (pure).

Every fixture in a schedule is one test message: its MsgId, who sent it (the HF) and who
received it (the kommune's party), when, and for the dialog the ConversationRef the answer
must carry. The schedule itself is ``pipeline.fixtures.schedule.Schedule``.
"""

from __future__ import annotations

import datetime as dt

from pipeline.fixtures.outbox import DIALOG_STEP
from pipeline.fixtures.schedule import Schedule
from pipeline.receipts.model import ExpectedMessage


def from_schedule(schedule: Schedule) -> list[ExpectedMessage]:
    return [
        ExpectedMessage(
            kommune=schedule.kommune,
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
        )
        for f in schedule.fixtures
    ]
