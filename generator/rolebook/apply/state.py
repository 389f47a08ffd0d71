"""The two sides a plan compares: what the repository wants (Desired) and what the server holds (ServerState)."""

from __future__ import annotations

from dataclasses import dataclass, field

GROUP_MARKER = "rolebook:"  # the externalId prefix of every group Rolebook creates


@dataclass(frozen=True, slots=True)
class DesiredUser:
    employee: str
    user_name: str
    given_name: str | None
    family_name: str | None
    display_name: str
    active: bool


@dataclass
class DesiredGroup:
    name: str
    members: set[str] = field(default_factory=set)  # employees whose grant is live
    locations: set[str] = field(default_factory=set)


@dataclass
class Desired:
    users: dict[str, DesiredUser]
    groups: dict[str, DesiredGroup]


@dataclass(frozen=True, slots=True)
class ServerUser:
    id: str
    external_id: str | None
    user_name: str
    active: bool
    display_name: str | None
    given_name: str | None
    family_name: str | None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class ServerGroup:
    id: str
    display_name: str
    external_id: str | None
    members: frozenset[str]  # user ids
    version: str | None = None


@dataclass
class ServerState:
    users: list[ServerUser]
    groups: list[ServerGroup]
