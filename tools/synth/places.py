"""The places of a district: local districts (clusters), schools with their levels and enrollment, offices.

Who approves each place is decided here too: a local district's administrators, an office's approver
group, the access administrators and SPED Operations for the two offices that hold those duties.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tools.synth.names import CLUSTER_NAMES, LD_CODES, LEVEL_SUFFIX, school_stems, slug
from tools.synth.presets import Params

LEVELS = ("elementary", "middle", "high", "span")


@dataclass
class Location:
    """A school, an office or a cluster, with what the plan needs of it."""

    code: str
    name: str
    kind: str  # school | office | cluster
    level: str | None = None
    enrollment: int = 0
    cluster: str | None = None
    approvers: str | None = None


def level_counts(params: Params) -> list[int]:
    """Schools per level (elementary, middle, high, span): as asked, or mostly elementary like a real district."""
    n = params.schools
    if params.level_mix is not None:
        mix = list(params.level_mix)
        if sum(mix) != n:
            raise ValueError(f"level_mix {mix} does not add up to {n} schools")
        return mix
    if n < 4:
        return [n, 0, 0, 0]
    middle, high, span = max(1, round(n * 0.12)), max(1, round(n * 0.12)), max(1, round(n * 0.06))
    return [n - middle - high - span, middle, high, span]


def enrollment(rng: random.Random, level: str, lo: int, hi: int) -> int:
    """Students at one school: elementary schools small, high schools large, within [lo, hi]."""
    shape = {
        "elementary": (lo, min(hi, 1100), 450),
        "middle": (max(lo, 400), min(hi, 2400), 1000),
        "high": (max(lo, 500), hi, 2000),
        "span": (lo, min(hi, 2000), 700),
    }[level]
    low, high, mode = shape
    high = max(high, low + 1)
    mode = min(max(mode, low), high)
    return max(lo, min(hi, int(rng.triangular(low, high, mode))))


def build_schools(rng: random.Random, params: Params, clusters: list[Location]) -> list[Location]:
    """The schools, by code: levels mixed as asked, named without repeats, spread over the clusters."""
    levels: list[str] = []
    for level, count in zip(LEVELS, level_counts(params), strict=True):
        levels += [level] * count
    rng.shuffle(levels)
    codes = rng.sample(range(1000, 10000), params.schools) if params.schools <= 9000 else None
    if codes is None:
        raise ValueError("at most 9,000 schools (four-digit codes)")
    pools = {level: school_stems(rng) for level in LEVELS}
    used = dict.fromkeys(LEVELS, 0)
    order = list(range(params.schools))
    rng.shuffle(order)
    cluster_of = [clusters[i % len(clusters)].code for i in range(params.schools)]
    schools: list[Location] = []
    for i, level in enumerate(levels):
        pool = pools[level]
        k = used[level]
        used[level] += 1
        stem = pool[k % len(pool)]
        name = f"{stem} {LEVEL_SUFFIX[level]}"
        if k >= len(pool):
            name += f" No. {k // len(pool) + 1}"
        students = enrollment(rng, level, params.min_enrollment, params.max_enrollment)
        schools.append(Location(f"{codes[i]}", name, "school", level, students, cluster_of[order[i]]))
    schools.sort(key=lambda s: s.code)
    return schools


def cluster_locations(n: int) -> list[Location]:
    """Local districts North, South, ...: each approved by its own administrators' group."""
    clusters = []
    for i in range(n):
        suffix = CLUSTER_NAMES[i] if i < len(CLUSTER_NAMES) else str(i + 1)
        cid = f"ld-{slug(suffix)}"
        clusters.append(Location(cid, f"Local District {suffix}", "cluster", approvers=f"{cid}-admins"))
    return clusters


# Central offices in the order a district of n offices has them (local district offices come after
# the first five, then MORE_OFFICES). Each office's roster is in office_rosters.py.
CENTRAL_OFFICES: tuple[tuple[str, str], ...] = (
    ("ITD", "Information Technology Division"),
    ("SPEDOPS", "SPED Operations"),
    ("PSA", "Pupil Services and Attendance"),
    ("TRANS", "Transportation Services Division"),
    ("ODA", "Office of Data and Accountability"),
)
MORE_OFFICES: tuple[tuple[str, str], ...] = (
    ("SPD", "School Police Department"),
    ("DOI", "Division of Instruction"),
    ("NURS", "District Nursing Services"),
    ("HRD", "Human Resources Division"),
    ("FSD", "Food Services Division"),
    ("MMED", "Multilingual and Multicultural Education"),
    ("GATE", "Advanced Learning Options"),
    ("ATH", "Interscholastic Athletics"),
    ("CTE", "Linked Learning and Career Technical Education"),
    ("BTB", "Beyond the Bell"),
    ("MEP", "Migrant Education Program"),
    ("AIEP", "American Indian Education Program"),
    ("NPS", "Nonpublic Schools Office"),
    ("SDES", "Student Discipline and Expulsion Support Unit"),
    ("OPTS", "Options Schools Office"),
    ("BSU", "Behavior Support Unit"),
    ("SSPT", "District Intervention Office"),
    ("FYU", "Foster Youth Achievement Unit"),
    ("BUD", "Budget Services"),
    ("FAC", "Facilities Services Division"),
)


def office_locations(n: int, clusters: list[Location]) -> list[Location]:
    """The first n offices: the central ones, one per local district, then the rest in a fixed order."""
    codes: list[Location] = []
    for code, name in CENTRAL_OFFICES:
        codes.append(Location(code, name, "office"))
    for cluster in clusters:
        suffix = cluster.name.removeprefix("Local District ")
        code = "LD" + LD_CODES.get(suffix, suffix.upper())
        codes.append(Location(code, f"{cluster.name} Office", "office", cluster=cluster.code,
                              approvers=cluster.approvers))
    for code, name in MORE_OFFICES:
        codes.append(Location(code, name, "office"))
    if n > len(codes):
        raise ValueError(f"at most {len(codes)} offices with {len(clusters)} clusters")
    offices = codes[:n]
    for office in offices:
        if office.approvers is None:
            office.approvers = {"ITD": "access-administrators", "SPEDOPS": "sped-operations"}.get(
                office.code, f"{office.code.lower()}-approvers")
    return offices

