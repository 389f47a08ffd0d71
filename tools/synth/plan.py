"""The plan of a whole district: places, people and grants, before anything is written.

All randomness comes from one `random.Random(seed)`, drawn in a fixed order (the phases of `build`
run one after the other), and nothing iterates over a set: the same parameters and catalog always give
the same district.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from tools.synth.book import Book
from tools.synth.catalog import Catalog
from tools.synth.names import NON_GRANT_POSITIONS
from tools.synth.office_rosters import GENERIC_FILLER, LD_FILLER, OFFICE_FILLER, office_slots
from tools.synth.people import People, Person, Slot
from tools.synth.places import MORE_OFFICES, Location, build_schools, cluster_locations, office_locations
from tools.synth.presets import CERT, CLASS, CONTRACT_END, NON_GRANT_SHARE, OFFICE_SHARE, Params
from tools.synth.school_rosters import ITINERANT_KINDS, school_slots, teacher_extras

Groups = dict[str, tuple[str, str, list[Person]]]  # id -> (name, description, members)

# Who to ask first when a school is short of a role's minimum (only if the rosters fall short,
# e.g. after a catalog change).
FALLBACK_POSITIONS = ("Office Manager", "Senior Office Technician", "Office Technician", "Principal",
                      "Assistant Principal", "Assistant Principal, Secondary Counseling Services",
                      "SIS Coordinator", "Counselor", "Academic Counselor", "Health Office Clerk")


@dataclass
class District:
    """Everything `emit` writes: the places, everyone in the HR export, the reviewer groups, the grants."""

    params: Params
    clusters: list[Location]
    schools: list[Location]
    offices: list[Location]
    people: list[Person]
    groups: Groups
    book: Book
    warnings: list[str]


@dataclass
class Budget:
    """How the staff count splits after the fixed rosters: teachers get whatever is left."""

    teachers: int
    itinerant: int
    non_grant: int
    office_filler: int


def build(params: Params, catalog: Catalog) -> District:
    """Plan the district `params` describes, fitted to `catalog`. ValueError if it cannot be done."""
    if params.schools < 1 or params.clusters < 1 or params.offices < 1:
        raise ValueError("a district needs at least one school, one cluster and one office")
    if params.clusters > params.schools:
        raise ValueError("more clusters than schools")
    rng = random.Random(params.seed)  # noqa: S311 - seeded on purpose: the same seed, the same district
    clusters = cluster_locations(params.clusters)
    schools = build_schools(rng, params, clusters)
    offices = office_locations(params.offices, clusters)
    book = Book(catalog, rng, sum(s.enrollment for s in schools))
    people = People(rng, params.staff <= 5000, catalog.generic)
    warnings: list[str] = []

    rosters = {s.code: school_slots(s, book, rng) for s in schools}
    office_rosters = {o.code: office_slots(o, offices, clusters) for o in offices}
    # Local district approvers need a home when their local district has no office of its own.
    homeless_clusters = [c for c in clusters if not any(o.cluster == c.code for o in offices)]
    budget = _budget(params, rosters, office_rosters, len(homeless_clusters))
    groups = _reviewer_groups(clusters, offices)

    school_people = _staff_schools(rng, people, book, schools, rosters, budget.teachers)
    _staff_itinerant(rng, people, book, schools, clusters, budget.itinerant)
    for school, n in zip(schools, apportion(budget.non_grant, [s.enrollment for s in schools]), strict=True):
        for _ in range(n):  # in the HR export, without student-records access
            status = rng.choices(("processed", "pending", "on-leave"), (0.95, 0.03, 0.02))[0]
            people.hire(rng.choice(NON_GRANT_POSITIONS), CLASS, [school.code], hr_status=status)
    office_people = _staff_offices(people, book, offices, office_rosters, groups)
    for cluster in homeless_clusters:
        host = next((o for o in offices if o.code == "PSA"), offices[0])
        for title in ("Local District Superintendent", "Administrator of Operations"):
            person = people.hire(f"{title}, {cluster.name}", CERT, [host.code], 1.0)
            groups[f"{cluster.code}-admins"][2].append(person)
            office_people[host.code].append(person)
    _office_filler(rng, people, book, offices, office_people, budget.office_filler)

    _fill_minimums(book, schools, offices, school_people, office_people, warnings)
    groups[AUDITORS] = ("District Auditors", "Read every page of the internal audit site: each school's "
                        "Security Audit Report, the dashboard and the person lookup.",
                        _auditors(offices, office_people, groups))
    groups[SENIOR_MANAGERS] = ("Senior managers", "Approve restoring a lost super user (the UK guide's section "
                               "10.2), when no access administrator is left to sign: policy.senior_managers.",
                               _senior_managers(offices, office_people, groups))
    return District(params, clusters, schools, offices, people.all, groups, book, warnings)


AUDITORS = "district-auditors"  # policy.site_access.auditors' default
AUDIT_OFFICE = "ODA"  # the Office of Data and Accountability, when the district has one


def _auditors(offices: list[Location], office_people: dict[str, list[Person]], groups: Groups) -> list[Person]:
    """Two office staff with a Git username, in no reviewer group, of the data office if there is one:
    chosen from the people already hired, so the staff count and every other draw stay as they were."""
    in_groups = {p.employee for _, _, members in groups.values() for p in members}
    order = sorted(offices, key=lambda o: o.code != AUDIT_OFFICE)
    chosen = [p for o in order for p in office_people.get(o.code, [])
              if p.git and not p.contractor and p.hr_status == "processed" and p.employee not in in_groups][:2]
    return chosen or list(groups["access-administrators"][2])


SENIOR_MANAGERS = "senior-managers"  # policy.senior_managers' default
SENIOR_TITLES = ("Local District Superintendent", "Director")


def _senior_managers(offices: list[Location], office_people: dict[str, list[Person]],
                     groups: Groups) -> list[Person]:
    """Two senior office staff with a Git username (local district superintendents first, then office
    directors), never an access administrator, whom they stand in for: chosen from the people already
    hired, so the staff count and every other draw stay as they were."""
    administrators = {p.employee for p in groups["access-administrators"][2]}
    found = [p for o in offices for p in office_people.get(o.code, [])
             if p.git and not p.contractor and p.hr_status == "processed" and p.employee not in administrators
             and p.position.startswith(SENIOR_TITLES)]
    found.sort(key=lambda p: not p.position.startswith(SENIOR_TITLES[0]))  # stable: office order kept
    return found[:2]


def _budget(params: Params, rosters: dict[str, list[Slot]], office_rosters: dict[str, list[Slot]],
            homeless_clusters: int) -> Budget:
    office_core = sum(slot.count for slots in office_rosters.values() for slot in slots)
    core = sum(slot.count for slots in rosters.values() for slot in slots) + office_core
    core += 2 * homeless_clusters
    rest = params.staff - core
    if rest < len(rosters):
        raise ValueError(f"{params.staff} staff is too few: the rosters alone need {core + len(rosters)}")
    available = rest - len(rosters)  # keep at least one teacher per school
    office_filler = min(available, max(0, round(params.staff * OFFICE_SHARE) - office_core))
    available -= office_filler
    non_grant = min(available, round(params.staff * NON_GRANT_SHARE))
    available -= non_grant
    itinerant = min(available, round(params.staff * params.itinerant_share))
    return Budget(rest - office_filler - non_grant - itinerant, itinerant, non_grant, office_filler)


def _reviewer_groups(clusters: list[Location], offices: list[Location]) -> Groups:
    groups: Groups = {
        "access-administrators": ("Access Administrators",
                                  "Super user and deputies: maintain the role catalog and this repository, "
                                  "and approve office staff access.", []),
        "sped-operations": ("SPED Operations",
                            "Approve every role that needs SPED Operations' approval.", []),
    }
    for cluster in clusters:
        groups[f"{cluster.code}-admins"] = (f"{cluster.name} Administrators",
                                            f"Approve access for {cluster.name} schools' principals and "
                                            f"{cluster.name} office staff.", [])
    for office in offices:
        if office.approvers and office.approvers not in groups:
            groups[office.approvers] = (f"{office.name} Approvers",
                                        f"Approve access for {office.name} staff.", [])
    return groups


def _staff_schools(rng: random.Random, people: People, book: Book, schools: list[Location],
                   rosters: dict[str, list[Slot]], teachers: int) -> dict[str, list[Person]]:
    """Each school's fixed roster first (principal first), then its teachers, by enrollment."""
    teacher_counts = apportion(teachers, [s.enrollment for s in schools], minimum=1)
    school_people: dict[str, list[Person]] = {}
    for school, n_teachers in zip(schools, teacher_counts, strict=True):
        here: list[Person] = []
        for slot in rosters[school.code]:
            for _ in range(slot.count):
                person = people.hire(slot.position, slot.staff_type, [school.code], slot.git)
                here.append(person)
                for role_id in slot.roles:
                    book.add(person, school, role_id)
        extras = teacher_extras(school, rng)
        for i in range(n_teachers):
            position, roles = extras[i] if i < len(extras) else ("Teacher", ("teacher",))
            person = people.hire(position, CERT, [school.code], 0.03)
            here.append(person)
            for role_id in roles:
                book.add(person, school, role_id)
        school_people[school.code] = here
    return school_people


def _staff_itinerant(rng: random.Random, people: People, book: Book, schools: list[Location],
                     clusters: list[Location], itinerant: int) -> None:
    """Itinerant staff: several schools of one local district each."""
    by_cluster: dict[str, list[Location]] = {c.code: [] for c in clusters}
    for school in schools:
        by_cluster[school.cluster or clusters[0].code].append(school)
    weights = [k[5] for k in ITINERANT_KINDS]
    for _ in range(itinerant):
        position, staff_type, roles, lo, hi, _w = rng.choices(ITINERANT_KINDS, weights)[0]
        pool = by_cluster[rng.choice(clusters).code] or schools
        k = min(len(pool), rng.randint(lo, hi))
        served = sorted(rng.sample(pool, k), key=lambda s: s.code)
        person = people.hire(position, staff_type, [s.code for s in served], 0.02)
        for school in served:
            for role_id in roles:
                book.add(person, school, role_id)


def _staff_offices(people: People, book: Book, offices: list[Location], rosters: dict[str, list[Slot]],
                   groups: Groups) -> dict[str, list[Person]]:
    """Each office's roster: approvers join their group, contractors get a sponsor and an end date."""
    office_people: dict[str, list[Person]] = {}
    sponsors: dict[str, Person] = {}
    for office in offices:
        here = []
        for slot in rosters[office.code]:
            for _ in range(slot.count):
                person = people.hire(slot.position, slot.staff_type, [office.code], slot.git)
                if slot.group is not None:
                    gid = office.approvers if slot.group == "approvers" else slot.group
                    if gid is not None and person.git is not None:
                        groups[gid][2].append(person)
                    sponsors.setdefault(office.code, person)
                if slot.contractor:
                    sponsor = sponsors.get(office.code)
                    person.contractor = True
                    person.sponsor = sponsor.employee if sponsor else None
                    person.contract_end = CONTRACT_END
                here.append(person)
                for role_id in slot.roles:
                    book.add(person, office, role_id, slot.scope, slot.reason)
        office_people[office.code] = here
    return office_people


def _office_filler(rng: random.Random, people: People, book: Book, offices: list[Location],
                   office_people: dict[str, list[Person]], total: int) -> None:
    """The rest of the office staff, most of them in the local district offices."""
    more = {c for c, _ in MORE_OFFICES}
    weights = [3.0 if o.cluster else (0.6 if o.code in more else 1.5) for o in offices]
    for office, n in zip(offices, apportion(total, weights), strict=True):
        kinds = LD_FILLER if office.cluster else OFFICE_FILLER.get(office.code, GENERIC_FILLER)
        for _ in range(n):
            position, staff_type, roles = rng.choice(kinds)
            person = people.hire(position, staff_type, [office.code], 0.05)
            office_people[office.code].append(person)
            scope = ("cluster", office.cluster) if office.cluster and roles else None
            for role_id in roles:
                book.add(person, office, role_id, scope)


def _fill_minimums(book: Book, schools: list[Location], offices: list[Location],
                   school_people: dict[str, list[Person]], office_people: dict[str, list[Person]],
                   warnings: list[str]) -> None:
    """Grant what is still short of a quota's minimum to the staff best placed to hold it."""
    catalog = book.catalog
    for school in schools:
        here = school_people[school.code]
        ranked = sorted(here, key=lambda p: (FALLBACK_POSITIONS.index(p.position)
                                             if p.position in FALLBACK_POSITIONS else len(FALLBACK_POSITIONS)))
        for role_id in catalog.roles:
            if not book.applies(role_id, school):
                continue
            need, _ = book.bounds(role_id, school)
            for person in ranked:
                if book.holders(role_id, school) >= need:
                    break
                book.add(person, school, role_id)
            if book.holders(role_id, school) < need:
                warnings.append(f"{school.code}: {role_id} has {book.holders(role_id, school)} holders, "
                                f"minimum {need}")
    # Office roles count district-wide; ask staff without approver duties first.
    everyone = [(office, p) for office in offices for p in office_people[office.code]]
    everyone.sort(key=lambda op: op[1].git is not None)
    for role_id in catalog.roles:
        if not catalog.at_office(role_id) or role_id not in catalog.usable:
            continue
        need = catalog.minimum(role_id, None)
        for office, person in everyone:
            if book.holders(role_id, offices[0]) >= need:
                break
            book.add(person, office, role_id)
        if book.holders(role_id, offices[0]) < need:
            warnings.append(f"district: {role_id} has {book.holders(role_id, offices[0])} holders, "
                            f"minimum {need}")


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split total into integers proportional to weights (largest remainder), each at least minimum."""
    n = len(weights)
    if n == 0:
        return []
    base = [minimum] * n
    rest = total - minimum * n
    if rest <= 0:
        return base
    wsum = sum(weights) or 1.0
    shares = [rest * w / wsum for w in weights]
    out = [b + int(s) for b, s in zip(base, shares, strict=True)]
    left = total - sum(out)
    order = sorted(range(n), key=lambda i: (-(shares[i] - int(shares[i])), i))
    for i in order[:left]:
        out[i] += 1
    return out
