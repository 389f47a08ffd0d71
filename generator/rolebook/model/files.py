"""Typed models of everything in an access repository.

These models are the file format: the JSON Schema that editors use is generated from them
(`rolebook schema`), and the loader validates every YAML file against them. They describe any
school system (a US district, a UK trust, a single academy), not one district: roles say where
they apply and who may hold them, and the organisation says what it is.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# Identifiers are always strings. A number typed without quotes (`employee: 01234567`) is read by YAML
# as an integer and loses its leading zero, so the loader refuses it and asks for quotes.
EmployeeNumber = Annotated[str, StringConstraints(pattern=r"^\d{8}$", strict=True)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80, strict=True)]
LocationCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", max_length=40, strict=True)]
Text = Annotated[str, StringConstraints(strict=True, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
GitUsername = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$", strict=True)
]


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
    per_students: int | None = Field(None, ge=1, description="One holder allowed per this many students.")
    minimum: int | None = Field(None, ge=0, description="Minimum holders at every location.")
    minimum_elementary: int | None = Field(None, ge=0, description="Minimum at elementary schools.")
    minimum_secondary: int | None = Field(None, ge=0, description="Minimum at secondary schools.")
    maximum: int | None = Field(None, ge=1, description="Maximum holders at one location.")

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
    available_from: dt.date | None = None
    eligibility: Eligibility = Field(default_factory=Eligibility)
    combinable: bool = Field(True, description="May be held together with other roles.")



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


class Policy(Strict):
    """District policy: who approves, thresholds, and severities. Defaults come from the documents."""

    approver_roles: list[Slug] = Field(default_factory=lambda: ["principal"])
    audit_report_roles: list[Slug] = Field(
        default_factory=lambda: ["office-manager", "principal", "scheduling-administrator"]
    )
    access_administrators: Slug = Field("access-administrators", description="Reviewer group id.")
    minimum_access_administrators: int = Field(3, ge=1)
    expiry_notice_days: int = Field(30, ge=0)
    max_grant_days: dict[SecurityLevel, int] = Field(
        default_factory=lambda: {SecurityLevel.low: 730, SecurityLevel.moderate: 400, SecurityLevel.high: 400}
    )
    review_interval_months: int = Field(6, ge=1)
    dormant_after_days: int = Field(90, ge=1)
    max_removal_share: float = Field(0.5, gt=0, le=1)
    generic_account_patterns: list[ShortText] = Field(
        default_factory=lambda: [
            r"^user\s*\d*$", r"^guest", r"^test", r"^admin", r"department$", r"^shared", r"^generic",
            r"^temp\s*\d*$", r"^office\s*\d*$", r"^staff\s*\d*$",
        ]
    )
    forbidden_combinations: list[ForbiddenCombination] = Field(default_factory=list)
    rules: dict[str, RuleSetting] = Field(default_factory=dict)



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
    enrollment: int = Field(ge=0)
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
    contractor: bool = False
    sponsor: EmployeeNumber | None = None
    contract_end: dt.date | None = None

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


class Grant(Strict):
    employee: EmployeeNumber
    roles: list[Slug] = Field(min_length=1)
    scope: Scope = Field(
        "location",
        description="'location' (this school or office), {cluster: ID} or {all_schools: true}.",
    )
    granted: dt.date
    expires: dt.date | None = None
    status: GrantStatus = GrantStatus.active
    reason: Text | None = None
    verification: Text | None = None

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
