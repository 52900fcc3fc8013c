"""The shapes NHN's CommunicationParty API returns, as pydantic models.

v1 (``../shared/standards/ar/communicationparty-api-v1.extract.json``): field names, types,
nesting, required fields and enum values exactly as the extract gives them. Every v1 schema has
``additionalProperties: false``, so an unknown key is refused. Values are strict (a HER-id
written as a string is a wrong type, not a number to guess), int32/int64 are range-checked.

Two readings the extract leaves open, decided here:
- OpenAPI 3.0 cannot mark a ``$ref`` nullable (siblings of ``$ref`` are ignored), and NHN's own
  legacy test file carries ``null`` where its schema has a ``$ref`` to an object (``CoverageAreaType``,
  ``Country``). A property that refers to an object schema therefore accepts ``null`` and means
  "absent"; every other property (plain types, and references to the enums) accepts ``null``
  only where the extract says ``nullable``.
- ``format: date-time`` values come as RFC 3339 with an offset, or, as in NHN's legacy file and
  .NET's serialiser, without one (``2023-04-04T00:00:00``; up to 7 fraction digits). Without an
  offset a time is Norwegian local time (Europe/Oslo), the register's own. ``9999-12-31`` is how
  AR writes "no end".

The legacy model (``/legacy``, deprecated) follows ``CommunicationParty_Legacy`` of the full
specification and ``CommunicationDetailsRest_8141705.json``. Its schemas allow unknown keys
(``additionalProperties: {}``), and so do these models. NHN's test file wraps the party in an
envelope (``herId``, ``parentHerId``, ``type``, ``communicationParty``) that the specification's
``/legacy`` answer does not have: both forms are read (``LegacyEnvelope`` and the bare
``CommunicationPartyLegacy``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.alias_generators import to_camel, to_pascal
from pydantic_core import PydanticCustomError

from pipeline.i18n import _

OSLO = ZoneInfo("Europe/Oslo")

_DATETIME = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


def parse_datetime(value: object) -> dt.datetime:
    """An AR date-time: RFC 3339, or without offset (then Europe/Oslo). Always timezone-aware."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=OSLO)
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", _("expected a date-time string"))
    return _parsed_text(value)


@functools.lru_cache(maxsize=4096)
def _parsed_text(value: str) -> dt.datetime:
    # A snapshot writes few distinct date-times (an organisation's certificates share their
    # dates, "no end" is one value) in tens of thousands of fields: each text is parsed once.
    # datetimes are immutable, so sharing one is safe; a refused text raises and is not kept.
    m = _DATETIME.match(value)
    if m is None:
        raise PydanticCustomError("datetime_format", _("not a date-time (YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm])"))
    fraction = (m["fraction"] or "")[:6].ljust(6, "0")
    offset = m["offset"]
    try:
        parsed = dt.datetime.fromisoformat(f"{m['date']}T{m['time']}.{fraction}")
        if offset is None:
            return parsed.replace(tzinfo=OSLO)
        if offset in "Zz":
            return parsed.replace(tzinfo=dt.UTC)
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        sign = -1 if offset[0] == "-" else 1
        return parsed.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))
    except ValueError as exc:
        raise PydanticCustomError(
            "datetime_value", _("not a valid date-time: {reason}"), {"reason": str(exc)}
        ) from None


def _not_null(value: object) -> object:
    if value is None:
        raise PydanticCustomError("not_nullable", _("may be left out but not null"))
    return value


def _base64(value: object) -> object:
    if isinstance(value, str):
        try:
            canonical = base64.b64encode(base64.b64decode(value, validate=True)).decode("ascii") == value
        except (binascii.Error, ValueError):
            canonical = False
        if not canonical:  # b64decode alone lets excess padding and stray bits through
            raise PydanticCustomError("base64", _("not base64 (format: byte)"))
    return value


# Types of the extract. "Opt" is a property that may be left out but, not being nullable, is
# never null; a plain "X | None" with a default is nullable.
Int32 = Annotated[StrictInt, Field(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]
DateTime = Annotated[dt.datetime, BeforeValidator(parse_datetime)]
OptDateTime = Annotated[DateTime | None, BeforeValidator(_not_null)]
OptInt32 = Annotated[Int32 | None, BeforeValidator(_not_null)]
OptInt64 = Annotated[Int64 | None, BeforeValidator(_not_null)]
OptBool = Annotated[StrictBool | None, BeforeValidator(_not_null)]
Base64 = Annotated[StrictStr, BeforeValidator(_base64)]
PostalCode = Annotated[StrictStr, Field(pattern=r"^[0-9]{4}$")]

AmqpTransportStatus = Literal["Inherited", "Disabled", "Enabled"]
CommunicationPartyType = Literal["Organization", "Person", "Service"]
EventType = Literal["CommunicationPartyCreated", "CommunicationPartyUpdated"]
CommunicationPartyTypeLegacy = Literal["None", "Person", "Organization", "Service", "All"]


class _V1(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, alias_generator=to_camel, defer_build=True)


class AdministrativeCode(_V1):
    code_list_id: StrictStr | None
    value: StrictStr | None
    name: StrictStr | None = None
    url: StrictStr | None = None


class AmqpAddress(_V1):
    amqp_sync_queue: StrictStr | None = None
    amqp_sync_reply_queue: StrictStr | None = None
    amqp_async_queue: StrictStr | None = None
    amqp_error_queue: StrictStr | None = None


class CertificateMetadata(_V1):
    thumbprint: StrictStr | None
    valid_from: OptDateTime = None
    valid_to: OptDateTime = None


class Certificate(_V1):
    """The body of ``GET /api/v1/certificate/{herId}/signing`` and ``/encryption``."""

    thumbprint: StrictStr | None
    valid_from: OptDateTime = None
    valid_to: OptDateTime = None
    certificate_value: Base64 | None

    def der(self) -> bytes | None:
        return base64.b64decode(self.certificate_value) if self.certificate_value is not None else None


class CertificatePairInfo(_V1):
    is_current: OptBool = None
    signing_certificate: CertificateMetadata | None = None
    encryption_certificate: CertificateMetadata | None = None


class ParentOrganization(_V1):
    name: StrictStr | None
    her_id: Int32
    organization_number: StrictStr | None = None


class OrganizationDetails(_V1):
    organization_number: StrictStr | None = None
    business_type: AdministrativeCode | None
    persons: list[Int32] | None
    services: list[Int32] | None


class PersonDetails(_V1):
    hpr_number: Int32
    parent_organization: ParentOrganization | None


class InterMunicipalityCoverageArea(_V1):
    municipality_her_ids: list[Int32] | None


class ServiceDetails(_V1):
    service_type: AdministrativeCode | None
    inter_municipality_coverage_area: InterMunicipalityCoverageArea | None = None
    service_specification: StrictStr | None = None
    parent_organization: ParentOrganization | None


class PostalAddress(_V1):
    address: StrictStr | None = None
    postal_box: StrictStr | None = None
    postal_code: PostalCode | None
    city: StrictStr | None


class CommunicationParty(_V1):
    """The body of ``GET /api/v1/communicationparty/{herId}``."""

    her_id: Int32
    name: StrictStr | None = None
    display_name: StrictStr | None = None
    type: CommunicationPartyType
    organization_details: OrganizationDetails | None = None
    person_details: PersonDetails | None = None
    service_details: ServiceDetails | None = None
    current_signing_certificate: CertificateMetadata | None = None
    current_encryption_certificate: CertificateMetadata | None = None
    email: StrictStr | None = None
    homepage_url: StrictStr | None = None
    phone_number: StrictStr | None = None
    fax_number: StrictStr | None = None
    edi_address: StrictStr | None = None
    fhir_address: StrictStr | None = None
    postal_address: PostalAddress | None = None
    amqp_transport_status: AmqpTransportStatus
    amqp_address: AmqpAddress | None = None
    valid_from: OptDateTime = None
    valid_to: OptDateTime = None


class CommunicationPartyExport(_V1):
    last_sequence_number: OptInt64 = None
    count: OptInt32 = None
    communication_parties: list[Int32] | None = None


class Event(_V1):
    sequence_number: OptInt64 = None
    her_id: OptInt32 = None
    event_type: Annotated[EventType | None, BeforeValidator(_not_null)] = None
    event_timestamp: OptDateTime = None


class EventsResponse(_V1):
    results: list[Event] | None
    count: OptInt32 = None


class HerIdInputCollection(_V1):
    her_ids: list[Int32] | None = None


# Extract schema name -> model, or the values of an enum schema.
V1_SCHEMAS: dict[str, type[BaseModel]] = {
    "AdministrativeCode": AdministrativeCode,
    "AmqpAddress": AmqpAddress,
    "Certificate": Certificate,
    "CertificateMetadata": CertificateMetadata,
    "CertificatePairInfo": CertificatePairInfo,
    "CommunicationParty": CommunicationParty,
    "CommunicationPartyExport": CommunicationPartyExport,
    "Event": Event,
    "EventsResponse": EventsResponse,
    "HerIdInputCollection": HerIdInputCollection,
    "InterMunicipalityCoverageArea": InterMunicipalityCoverageArea,
    "OrganizationDetails": OrganizationDetails,
    "ParentOrganization": ParentOrganization,
    "PersonDetails": PersonDetails,
    "PostalAddress": PostalAddress,
    "ServiceDetails": ServiceDetails,
}
V1_ENUMS: dict[str, Any] = {
    "AmqpTransportStatus": AmqpTransportStatus,
    "CommunicationPartyType": CommunicationPartyType,
    "EventType": EventType,
}


class _Legacy(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, strict=True, alias_generator=to_pascal, defer_build=True)


class LegacyCode(_Legacy):
    oid: Annotated[OptInt32, Field(alias="OID")] = None
    simple_type: StrictStr | None = None
    code_value: StrictStr | None = None
    code_text: StrictStr | None = None
    active: OptBool = None
    long_description: StrictStr | None = None


class LegacyElectronicAddress(_Legacy):
    last_changed: OptDateTime = None
    type_code_value: StrictStr | None = None
    type: LegacyCode | None = None
    address: Annotated[StrictStr, Field(min_length=1)]
    inherited: OptBool = None

    @property
    def code(self) -> str | None:
        """The kodeverk 9044 code (E_EDI, E_DS, E_SB_ASYNC, ...), from Type or the obsolete TypeCodeValue."""
        return (self.type.code_value if self.type else None) or self.type_code_value


class LegacyFutureElectronicAddress(LegacyElectronicAddress):
    valid_from: DateTime


class LegacyPeriod(_Legacy):
    from_: Annotated[OptDateTime, Field(alias="From")] = None
    to: Annotated[OptDateTime, Field(alias="To")] = None


class LegacyPhysicalAddress(_Legacy):
    last_changed: OptDateTime = None
    type: LegacyCode | None = None
    type_code_value: StrictStr | None = None
    postbox: StrictStr | None = None
    street_address: StrictStr | None = None
    postal_code: OptInt32 = None
    city: StrictStr | None = None
    description: StrictStr | None = None
    inherited: OptBool = None
    country: LegacyCode | None = None


class LegacyCoverageInfo(_Legacy):
    organization_number: OptInt32 = None
    her_id: OptInt32 = None
    name: StrictStr | None = None
    display_name: StrictStr | None = None


class LegacyHprInformation(_Legacy):
    hpr_number: Annotated[OptInt32, Field(alias="HPRNumber")] = None


class LegacyPerson(_Legacy):
    hpr_information: Annotated[LegacyHprInformation | None, Field(alias="HPRInformation")] = None


class CommunicationPartyLegacy(_Legacy):
    """``CommunicationParty_Legacy``: the body of ``GET /api/v1/communicationparty/{herId}/legacy``."""

    last_changed: DateTime | None = None
    her_id: OptInt32 = None
    type: CommunicationPartyTypeLegacy | None = None
    name: StrictStr | None = None
    display_name: StrictStr | None = None
    parent_her_id: Int32 | None = None
    parent_name: StrictStr | None = None
    parent_organization_number: Int32 | None = None
    parent_business_type: LegacyCode | None = None
    physical_addresses: list[LegacyPhysicalAddress] | None = None
    electronic_addresses: list[LegacyElectronicAddress] | None = None
    future_electronic_addresses: list[LegacyFutureElectronicAddress] | None = None
    municipality: LegacyCode | None = None
    valid: LegacyPeriod | None = None
    is_valid_communication_party: StrictBool | None = None
    coverage_area_type: LegacyCode | None = None
    organization_number: Int32 | None = None
    industry_codes: list[LegacyCode] | None = None
    business_type: LegacyCode | None = None
    properties: list[LegacyCode] | None = None
    code: LegacyCode | None = None
    location_description: StrictStr | None = None
    coverage_areas: list[LegacyCoverageInfo] | None = None
    description: StrictStr | None = None
    person: LegacyPerson | None = None
    title: StrictStr | None = None


class LegacyEnvelope(BaseModel):
    """The form of NHN's test file: the legacy party inside ``communicationParty``."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True, alias_generator=to_camel, defer_build=True)

    her_id: OptInt32 = None
    parent_her_id: Int32 | None = None
    type: CommunicationPartyTypeLegacy | None = None
    communication_party: CommunicationPartyLegacy
