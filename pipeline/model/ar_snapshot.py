"""A snapshot of NHN's address register (AR): the communication parties as AR knows them.

Rule R-K3 uses it, when one is given, to check that each declared party exists in AR, is valid
on T and belongs to the kommune's organisation number. The format is JSON shaped after the
fields of NHN's AR API (``/communicationparty/{herId}``) and its export:

    {"exported_on": "2026-11-20",
     "communication_parties": [
        {"herId": 8170001, "name": "...", "parentOrganizationNumber": "939958851",
         "validFrom": "2026-11-20", "validTo": null}]}
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import UsageError

MAX_BYTES = 64 * 1024 * 1024


class ArParty(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    her_id: Annotated[int, Field(alias="herId", ge=1, le=2_147_483_647)]
    name: str = ""
    parent_org_number: Annotated[str | None, Field(alias="parentOrganizationNumber")] = None
    valid_from: Annotated[dt.date | None, Field(alias="validFrom")] = None
    valid_to: Annotated[dt.date | None, Field(alias="validTo")] = None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class ArSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    exported_on: dt.date | None = None
    communication_parties: list[ArParty]

    def find(self, her_id: int) -> ArParty | None:
        return next((p for p in self.communication_parties if p.her_id == her_id), None)


def parse_snapshot(raw: bytes, name: str) -> ArSnapshot:
    if len(raw) > MAX_BYTES:
        raise UsageError(f"AR snapshot {name} is larger than {MAX_BYTES} bytes")
    try:
        return ArSnapshot.model_validate(json.loads(raw.decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"AR snapshot {name} is not UTF-8 JSON: {exc}") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"AR snapshot {name}: {where}: {first['msg']}") from None
