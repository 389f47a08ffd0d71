"""Typed models of everything in an access repository.

These models are the file format: the JSON Schema that editors use is generated from them
(`rolebook schema`), and the loader validates every YAML file against them. They describe any
school system (a US district, a UK trust, a single academy), not one district: roles say where
they apply and who may hold them, and the organisation says what it is.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

# Identifiers are always strings. A number typed without quotes (`employee: 01234567`) is read by YAML
# as an integer and loses its leading zero, so the loader refuses it and asks for quotes.
# ASCII digits only: `\d` in pydantic's (Rust) regex would also take Arabic-Indic or full-width digits,
# which no HR system issues. The JSON Schema says `\d`, which is ASCII-only in its (ECMAScript) dialect.
EmployeeNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$", strict=True),
                           WithJsonSchema({"type": "string", "pattern": r"^\d{8}$"})]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80, strict=True)]
LocationCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", max_length=40, strict=True)]
Text = Annotated[str, StringConstraints(strict=True, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
GitUsername = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$", strict=True)
]

EmailAddress = Annotated[
    str, StringConstraints(pattern=r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$", max_length=254, strict=True)
]


class _DateWrittenAsDate:
    """A date is YYYY-MM-DD text (as the loader hands it over) or a date: never a number (a Unix time) or
    other text pydantic takes in lax mode, so `granted: 1788998400` is an error and not a day in 2026.
    Checked by pydantic-core itself (a pattern, then the date parser): no Python call per value."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        written = core_schema.chain_schema([
            core_schema.str_schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", strict=True),
            core_schema.date_schema(),
        ])
        return core_schema.union_schema(
            [core_schema.date_schema(strict=True), written],
            custom_error_type="date_written", custom_error_message="Input should be a date written YYYY-MM-DD",
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "format": "date"}


# Dates as YYYY-MM-DD, numbers as numbers, yes/no as true/false: no lax coercion (`enrollment: true` is
# not 1, `"400"` is not 400).
Date = Annotated[dt.date, _DateWrittenAsDate]


def _valid_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"'{pattern}' is not a valid regular expression: {exc}") from None
    return pattern


RegularExpression = Annotated[ShortText, BeforeValidator(lambda v: _valid_pattern(v) if isinstance(v, str) else v)]
# Bounds that keep date arithmetic inside the calendar (dt.date + timedelta overflows past year 9999).
MAX_DAYS = 36_600  # about a hundred years
MAX_MONTHS = 1_200


class Strict(BaseModel):
    """Base of every model: unknown fields are errors, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


# --------------------------------------------------------------------------- roles/


class SecurityLevel(StrEnum):
    low = "low"
    moderate = "moderate"
    high = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "moderate": 2, "high": 3}[self.value]


class RequestChannel(StrEnum):
    one_access = "one-access"
    central_office_form = "central-office-form"


class LocationKind(StrEnum):
    school = "school"
    office = "office"


class SchoolLevel(StrEnum):
    elementary = "elementary"
    middle = "middle"
    high = "high"
    span = "span"

    @property
    def is_secondary(self) -> bool:
        # A span school (K-8, 6-12, K-12) teaches secondary grades, so secondary rules apply to it.
        return self is not SchoolLevel.elementary


class StaffType(StrEnum):
    certificated = "certificated"
    classified = "classified"


class Quota(Strict):
    """The guide's recommended number of users, as data, with the guide's own words beside it."""

    text: ShortText = Field(description="The guide's wording, e.g. '1 per 500 students; 2 minimum'.")
    per_students: StrictInt | None = Field(None, ge=1, description="One holder allowed per this many students.")
    minimum: StrictInt | None = Field(None, ge=0, description="Minimum holders at every location.")
    minimum_elementary: StrictInt | None = Field(None, ge=0, description="Minimum at elementary schools.")
    minimum_secondary: StrictInt | None = Field(None, ge=0, description="Minimum at secondary schools.")
    maximum: StrictInt | None = Field(None, ge=1, description="Maximum holders at one location.")

    def minimum_for(self, level: SchoolLevel | None) -> int | None:
        if level is not None and level.is_secondary and self.minimum_secondary is not None:
            return self.minimum_secondary
        if level is not None and not level.is_secondary and self.minimum_elementary is not None:
            return self.minimum_elementary
        return self.minimum

    def allowed_by_ratio(self, enrollment: int, level: SchoolLevel | None) -> int | None:
        """ceil(enrollment / n), never fewer than the minimum; None when the guide gives no ratio."""
        if self.per_students is None:
            return None
        by_ratio = -(-enrollment // self.per_students)
        return max(by_ratio, self.minimum_for(level) or 0)


class AppliesTo(Strict):
    """Where a role may be granted."""

    locations: list[LocationKind] = Field(
        default_factory=lambda: [LocationKind.school], min_length=1,
        description="Kinds of location whose grants file may carry this role.",
    )
    school_levels: list[SchoolLevel] | None = Field(
        None, description="Only schools of these levels (e.g. secondary only). Null: every level."
    )


class Eligibility(Strict):
    """Who may hold a role, where the guide says so. Empty lists mean no restriction."""

    staff_types: list[StaffType] = Field(default_factory=list)
    positions: list[ShortText] = Field(
        default_factory=list, description="HR positions allowed (case-insensitive), e.g. 'School Police'."
    )
    organisation_types: list[Slug] = Field(
        default_factory=list, description="Only organisations of these types may use the role."
    )
    note: Text | None = None


class RequiredFor(Strict):
    """Who must hold a role where they work, as the guide says ("must be assigned to all certificated
    teachers"). A staff member matches when both lists match (an empty list matches everyone)."""

    staff_types: list[StaffType] = Field(default_factory=list)
    positions: list[ShortText] = Field(
        default_factory=list, description="HR positions (case-insensitive), e.g. 'Teacher'."
    )
    note: Text | None = Field(None, description="The guide's own words, shown with the notice.")


class Role(Strict):
    """One access role, as the district's guide to user roles describes it."""

    id: Slug
    name: ShortText
    category: Slug
    description: Text
    security_level: SecurityLevel
    modules: list[ShortText] = Field(min_length=1)
    user_types: list[ShortText] = Field(min_length=1, description="The guide's 'Types of Users'.")
    quota: Quota
    request_via: RequestChannel
    request_form: ShortText | None = Field(None, description="The guide's wording of 'How to Request'.")
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    extra_approval: list[Slug] = Field(
        default_factory=list, description="Reviewer groups whose approval is needed too."
    )
    available_from: Date | None = None
    eligibility: Eligibility = Field(default_factory=Eligibility)
    combinable: StrictBool = Field(True, description="May be held together with other roles.")
    required_for: list[RequiredFor] = Field(
        default_factory=list, description="Staff who must hold this role at their locations (completeness)."
    )
    dormant_after_days: int | None = Field(
        None, ge=1, le=MAX_DAYS, description="Unused this long, a holder is dormant in this role. "
                                             "Null: policy.dormant_after_days.",
    )



class Category(Strict):
    id: Slug
    name: ShortText
    group: Literal["schools", "district-offices"]
    description: Text | None = None


class CategoriesFile(Strict):
    categories: list[Category] = Field(min_length=1)



class ForbiddenCombination(Strict):
    roles: list[Slug] = Field(min_length=2)
    reason: Text


class RuleSetting(Strict):
    severity: Literal["error", "warning", "notice", "off"] | None = None


class ExportField(StrEnum):
    """What one column of the SIS import file holds (`rolebook apply --export`)."""

    action = "action"
    employee = "employee"
    last_name = "last_name"
    first_name = "first_name"
    location = "location"
    location_name = "location_name"
    role = "role"
    role_name = "role_name"
    expires = "expires"
    commit = "commit"


class ExportColumn(Strict):
    header: ShortText = Field(description="The column's heading, as the SIS's import expects it.")
    field: ExportField = Field(description="What the column holds.")


def _template_names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class ApplySettings(Strict):
    """`rolebook apply`: how the live systems are made to follow the repository (SCIM, or an import file)."""

    user_name: ShortText = Field(
        "{employee}", description="The SCIM userName of a provisioned user; may use {employee}."
    )
    group_name: ShortText = Field(
        "rolebook-{location}-{role}",
        description="The SCIM group for one role at one location; may use {role}, {location}, {role_name}, "
                    "{location_name}.",
    )
    groups: dict[Slug, ShortText] = Field(
        default_factory=dict,
        description="Per role, a group name (same placeholders) instead of group_name; without {location} "
                    "one group holds the role's holders everywhere.",
    )
    max_removal_share: float | None = Field(
        None, gt=0, le=1,
        description="Apply stops when a run would remove more than this share of a location's or the "
                    "district's memberships, unless acknowledged. Null: policy.max_removal_share.",
    )
    removal_guard_minimum: int = Field(
        2, ge=1, description="Fewer removals than this never stop apply (one leaver at a small school)."
    )
    adopt_users: list[EmployeeNumber] = Field(
        default_factory=list,
        description="Employee numbers (SCIM externalId) of users Rolebook did not create but may manage.",
    )
    adopt_groups: list[ShortText] = Field(
        default_factory=list, description="Display names of SCIM groups Rolebook did not create but may manage."
    )
    export_columns: list[ExportColumn] = Field(
        default_factory=lambda: [
            ExportColumn(header="Action", field=ExportField.action),
            ExportColumn(header="Employee ID", field=ExportField.employee),
            ExportColumn(header="Last Name", field=ExportField.last_name),
            ExportColumn(header="First Name", field=ExportField.first_name),
            ExportColumn(header="Location Code", field=ExportField.location),
            ExportColumn(header="User Role", field=ExportField.role_name),
            ExportColumn(header="End Date", field=ExportField.expires),
        ],
        min_length=1, description="The columns of `rolebook apply --export`, in the SIS's import layout.",
    )
    export_actions: dict[Literal["add", "remove"], ShortText] = Field(
        default_factory=lambda: {"add": "ADD", "remove": "REMOVE"},  # type: ignore[arg-type]
        description="The words the SIS's import reads for a role added and a role removed.",
    )

    @model_validator(mode="after")
    def _known_placeholders(self) -> ApplySettings:
        group_names = {"role", "location", "role_name", "location_name"}
        checks = [("user_name", self.user_name, {"employee"}), ("group_name", self.group_name, group_names)]
        checks += [(f"groups.{role}", name, group_names) for role, name in self.groups.items()]
        for where, template, allowed in checks:
            try:
                unknown = _template_names(template) - allowed
            except ValueError as exc:
                raise ValueError(f"{where}: {exc} (write literal braces as {{{{ and }}}})") from None
            if unknown:
                raise ValueError(f"{where} uses {{{', '.join(sorted(unknown))}}}; it may use "
                                 f"{', '.join('{' + n + '}' for n in sorted(allowed))}")
        return self


# The documents Rolebook's rules were written from (each rule's `sources` names their codes).
SOURCE_DOCUMENTS = {
    "000": "Staff-access instructions for school administrators",
    "001": "Guide to User Roles",
    "002": "UK guide to managing users (super users)",
    "003": "Trust MIS help article on staff profiles",
}


class EscalationStep(StrEnum):
    """A level an approval requirement climbs to when nobody at the level below can sign."""

    location = "location"
    local_district = "local-district"
    access_administrators = "access-administrators"


class RemovalApprovers(Strict):
    """Who signs a change that only removes or narrows access: any one of them, once for the whole change."""

    groups: list[Slug] = Field(
        default_factory=lambda: ["access-administrators"],
        description="Reviewer groups (access/groups.yaml) any member of which may approve a removal.",
    )
    location_approvers: StrictBool = Field(
        True, description="Any designated approver of any location the change touches may approve it too.",
    )


class IdentityField(StrEnum):
    email = "email"
    git_username = "git_username"


class SiteAccess(Strict):
    """Who may read the internal site's pages, and how the web server knows who is asking."""

    auditors: Slug | None = Field(
        "district-auditors",
        description="Reviewer group (access/groups.yaml) that reads every audit page, district-wide ones included.",
    )
    identity_header: ShortText = Field(
        "X-Forwarded-Email",
        description="The request header the single-sign-on proxy sets to the signed-in person "
                    "(oauth2-proxy --pass-user-headers: X-Forwarded-Email or X-Forwarded-User).",
    )
    identity_field: IdentityField = Field(
        IdentityField.email, description="The staff field the header's value is matched against."
    )
    contact: ShortText = Field(
        "the access administrators",
        description="Whom a refused reader is told to ask, on the 403 page.",
    )


class ResponsibleUse(Strict):
    """The district's responsible-use policy that holders accept when they request access."""

    version: ShortText | None = Field(None, description="The policy's current version, e.g. '2026-08'.")
    url: ShortText | None = Field(None, description="Where staff read it.")
    required_from: SecurityLevel | None = Field(
        None, description="Grants of roles at or above this security level must record an acceptance. "
                          "Null: never required.",
    )


class Policy(Strict):
    """District policy: who approves, thresholds, and severities. Defaults come from the documents."""

    approver_roles: list[Slug] = Field(default_factory=lambda: ["principal"])
    audit_report_roles: list[Slug] = Field(
        default_factory=lambda: ["office-manager", "principal", "scheduling-administrator"]
    )
    access_administrators: Slug = Field("access-administrators", description="Reviewer group id.")
    minimum_access_administrators: StrictInt = Field(3, ge=1)
    expiry_notice_days: StrictInt = Field(30, ge=0, le=MAX_DAYS)
    max_grant_days: dict[SecurityLevel, Annotated[StrictInt, Field(ge=1, le=MAX_DAYS)]] = Field(
        default_factory=lambda: {SecurityLevel.low: 730, SecurityLevel.moderate: 400, SecurityLevel.high: 400}
    )
    review_interval_months: StrictInt = Field(6, ge=1, le=MAX_MONTHS)
    review_months: list[Annotated[StrictInt, Field(ge=1, le=12)]] = Field(
        default_factory=lambda: [1, 7],
        description="The months in which the scheduled access reviews open (January and July).",
    )
    responsible_use: ResponsibleUse = Field(default_factory=ResponsibleUse)
    senior_managers: Slug | None = Field(
        "senior-managers",
        description="Reviewer group that approves restoring a lost super user (access administrator).",
    )
    dormant_after_days: StrictInt = Field(90, ge=1, le=MAX_DAYS)
    max_removal_share: StrictFloat = Field(0.5, gt=0, le=1)
    generic_account_patterns: list[RegularExpression] = Field(
        default_factory=lambda: [
            r"^user\s*\d*$", r"^guest", r"^test", r"^admin", r"department$", r"^shared", r"^generic",
            r"^temp\s*\d*$", r"^office\s*\d*$", r"^staff\s*\d*$",
        ]
    )
    forbidden_combinations: list[ForbiddenCombination] = Field(default_factory=list)
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    removal_approvers: RemovalApprovers = Field(
        default_factory=RemovalApprovers,
        description="A change that only removes or narrows access needs one approval from this set.",
    )
    escalation: list[EscalationStep] = Field(
        default_factory=lambda: [EscalationStep.location, EscalationStep.local_district,
                                 EscalationStep.access_administrators],
        description="When nobody but the author (or the requester) can sign at a level, the requirement "
                    "climbs to the next level in this list.",
    )
    site_access: SiteAccess = Field(
        default_factory=SiteAccess, description="Who may read the internal site, and how readers are known."
    )
    apply: ApplySettings = Field(
        default_factory=ApplySettings, description="`rolebook apply`: SCIM provisioning and the SIS import file."
    )
    source_documents: dict[str, ShortText] = Field(
        default_factory=lambda: dict(SOURCE_DOCUMENTS),
        description="The documents the rules cite, by the code each rule gives (000, 001, ...): the name "
                    "the guide's rule pages show.",
    )



# --------------------------------------------------------------------------- access/


class Cluster(Strict):
    """A group of schools: a local district, a trust's cluster."""

    id: Slug
    name: ShortText
    approvers: Slug | None = Field(None, description="Reviewer group that approves at this level.")


class School(Strict):
    code: LocationCode
    name: ShortText
    level: SchoolLevel
    enrollment: StrictInt = Field(ge=0)
    cluster: Slug


class Office(Strict):
    code: LocationCode
    name: ShortText
    approvers: Slug | None = Field(None, description="Reviewer group that approves this office's grants.")
    cluster: Slug | None = None


class Organisation(Strict):
    name: ShortText
    types: list[Slug] = Field(min_length=1, description="e.g. school-district, trust, awarding-body.")


class DistrictFile(Strict):
    """`access/district.yaml`: the organisation, its clusters, schools and offices."""

    organisation: Organisation
    clusters: list[Cluster] = Field(default_factory=list)
    schools: list[School] = Field(default_factory=list)
    offices: list[Office] = Field(default_factory=list)



class Group(Strict):
    id: Slug
    name: ShortText
    members: list[EmployeeNumber] = Field(default_factory=list)
    description: Text | None = None
    github_team: Slug | None = Field(
        None, description="The GitHub team (its slug) of the same people: asked for review as a team.",
    )


class GroupsFile(Strict):
    """`access/groups.yaml`: reviewer groups (access administrators, SPED Operations, local districts)."""

    groups: list[Group] = Field(default_factory=list)



class HRStatus(StrEnum):
    processed = "processed"
    pending = "pending"
    on_leave = "on-leave"
    separated = "separated"


class StaffMember(Strict):
    employee: EmployeeNumber
    last_name: ShortText
    first_name: ShortText
    staff_type: StaffType
    position: ShortText
    hr_status: HRStatus
    locations: list[LocationCode] = Field(default_factory=list, description="Assigned locations in HR.")
    git_username: GitUsername | None = None
    email: EmailAddress | None = Field(None, description="Work e-mail, as the single sign-on knows it.")
    contractor: StrictBool = False
    sponsor: EmployeeNumber | None = None
    contract_end: Date | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StaffFile(Strict):
    """`access/staff.yaml`: the staff directory, as imported from the HR export."""

    source: Text | None = Field(None, description="Which HR export this was taken from.")
    staff: list[StaffMember] = Field(default_factory=list)



class GrantStatus(StrEnum):
    active = "active"
    locked = "locked"
    suspended = "suspended"


class ClusterScope(Strict):
    cluster: Slug
    exclude: list[LocationCode] = Field(
        default_factory=list,
        description="Not allowed: a school reached through a cluster cannot be left out on its own.",
    )


class AllSchoolsScope(Strict):
    all_schools: Literal[True]


Scope = Literal["location"] | ClusterScope | AllSchoolsScope


class AcceptedUse(Strict):
    """Who accepted which version of the responsible-use policy, when, and where it was recorded."""

    version: ShortText
    accepted_on: Date
    by: EmployeeNumber
    via: ShortText | None = Field(None, description="Where: the request issue or pull request, e.g. '#42'.")


class Grant(Strict):
    employee: EmployeeNumber
    roles: list[Slug] = Field(min_length=1)
    scope: Scope = Field(
        "location",
        description="'location' (this school or office), {cluster: ID} or {all_schools: true}.",
    )
    granted: Date
    expires: Date | None = None
    status: GrantStatus = GrantStatus.active
    reason: Text | None = None
    verification: Text | None = None
    accepted_use: AcceptedUse | None = Field(
        None, description="The holder's acceptance of the responsible-use policy, as the request recorded it."
    )

    @model_validator(mode="after")
    def _expires_after_granted(self) -> Grant:
        if self.expires is not None and self.expires < self.granted:
            raise ValueError(f"expires ({self.expires}) is before granted ({self.granted})")
        return self

    @property
    def scope_kind(self) -> str:
        if isinstance(self.scope, ClusterScope):
            return "cluster"
        if isinstance(self.scope, AllSchoolsScope):
            return "all-schools"
        return "location"


class GrantsFile(Strict):
    """`access/schools/<code>/grants.yaml` or `access/offices/<code>/grants.yaml`."""

    location: LocationCode
    acknowledge_removals: Text | None = Field(
        None, description="Why this change may remove many grants at once (the removal-delta rule)."
    )
    grants: list[Grant] = Field(default_factory=list)



SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "role": Role,
    "categories": CategoriesFile,
    "policy": Policy,
    "district": DistrictFile,
    "groups": GroupsFile,
    "staff": StaffFile,
    "grants": GrantsFile,
}
