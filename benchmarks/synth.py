"""A deterministic, seeded generator of synthetic school districts.

It writes an access repository's `access/` tree (district, groups, staff and one grants file per school
and office) whose grants fit the role catalog it reads from `roles/*.yaml`: every role, school level,
quota, eligibility rule and extra approval comes from the catalog, so the data stays valid when the
catalog changes. It never writes `roles/`.

    python -m benchmarks.synth --preset demo --out .            # the committed demo district
    python -m benchmarks.synth --preset full --out benchmarks/out/full
    python -m benchmarks.synth --schools 20 --clusters 2 --offices 3 --staff 400 --seed 7 --out /tmp/d

The same parameters and catalog always give byte-identical files: all randomness comes from one
`random.Random(seed)`, and nothing iterates over a set or depends on the clock. YAML is written as plain
text by a small emitter for these known shapes (PyYAML's dumper is far too slow for the full preset).

The data is clean under the district's policy as of `TODAY`: every grant holder is in the staff file with
a processed HR record and the grant's location among their HR locations; school roles are only in school
files (at the levels they apply to) and office roles only in office files; per-school quotas (minimum by
level, maximum, one per n students) hold at every school, and office quotas hold district-wide; every
school has a principal with a Git username; grants are active, started on or before `TODAY`, end more
than 30 days after it and last no longer than the security level allows; contractors' grants end with
their contract; roles that need SPED Operations' approval are only held in office files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 11, 23)
EXPIRY_NOTICE_DAYS = 30
MAX_GRANT_DAYS = {"low": 730, "moderate": 400, "high": 400}
GRANTED_FROM = dt.date(2026, 7, 1)
GRANTED_TO = dt.date(2026, 10, 15)
EXPIRES = (dt.date(2027, 6, 30), dt.date(2027, 7, 31))
CONTRACT_END = dt.date(2027, 6, 30)
ORGANISATION_TYPES = ("school-district",)

CERT = "certificated"
CLASS = "classified"

REPO_ROOT = Path(__file__).resolve().parent.parent

# Shares of the staff budget (the rest, after the fixed roster of each school and office, are teachers).
OFFICE_SHARE = 0.03  # central and local district office staff
NON_GRANT_SHARE = 0.08  # custodians, aides, cafeteria workers: in the HR export, no student-records access
ITINERANT_SHARE = 0.22  # substitutes, nurses, psychologists, ... who serve several schools each


# --------------------------------------------------------------------------------------------- names

FIRST_NAMES = (
    # Latino
    "María", "José", "Juan", "Carlos", "Luis", "Ana", "Sofía", "Alejandro", "Guadalupe", "Rosa", "Miguel",
    "Jorge", "Verónica", "Adriana", "Ricardo", "Fernando", "Gabriela", "Daniela", "Javier", "Francisco",
    "Marisol", "Alma", "Esperanza", "Ramón", "Yesenia", "Itzel", "Xóchitl", "Diego", "Lucía", "Camila",
    "Valeria", "Mateo", "Santiago", "Elena", "Teresa", "Patricia", "Raúl", "Héctor", "Norma", "Leticia",
    "Arturo", "Ignacio", "Beatriz", "Pilar", "Marcos", "Claudia", "Rocío", "Joaquín", "Graciela", "Rubén",
    # Anglo / European
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
    "Mary", "Jennifer", "Linda", "Elizabeth", "Susan", "Jessica", "Sarah", "Karen", "Nancy", "Lisa",
    "Margaret", "Emily", "Rachel", "Laura", "Megan", "Kevin", "Brian", "Jason", "Matthew", "Andrew",
    "Ryan", "Eric", "Stephen", "Timothy", "Amanda", "Melissa", "Rebecca", "Katherine", "Heather",
    "Allison", "Caroline", "Hannah", "Olivia", "Ethan", "Nathan", "Benjamin", "Samuel", "Claire", "Siobhan",
    "Declan", "Ingrid", "Lars", "Giulia", "Marco", "Francesca", "Olga", "Dmitri", "Svetlana", "Ivan",
    # African American
    "Darnell", "Jamal", "Keisha", "Latoya", "Tanisha", "Marcus", "Andre", "DeShawn", "Imani", "Aaliyah",
    "Jasmine", "Tyrone", "Malik", "Ebony", "Kiara", "Terrence", "Monique", "Jerome", "Denise", "Cedric",
    # East, South and Southeast Asian
    "Wei", "Mei", "Jun", "Hiroshi", "Yuki", "Kenji", "Akiko", "Min-jun", "Ji-woo", "Seo-yeon", "Hyun",
    "Soo-jin", "Thanh", "Linh", "Minh", "Huong", "Duc", "Anh", "Priya", "Arjun", "Ravi", "Ananya",
    "Sanjay", "Deepa", "Vikram", "Rohan", "Xin", "Ming", "Jia", "Hao", "Maricel", "Rodel", "Jocelyn",
    "Arnel", "Rowena", "Liza",
    # Armenian, Middle Eastern, African, Pacific Islander
    "Armen", "Ani", "Narine", "Tigran", "Lusine", "Aram", "Gohar", "Vahe", "Omar", "Fatima", "Layla",
    "Yusuf", "Nadia", "Karim", "Samir", "Leila", "Rania", "Tariq", "Aisha", "Chinonso", "Adaeze",
    "Oluwaseun", "Kwame", "Abebe", "Tsion", "Noa", "Kalani", "Leilani", "Keanu",
)

LAST_NAMES = (
    "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez", "Ramirez",
    "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutierrez",
    "Chavez", "Ramos", "Ruiz", "Alvarez", "Mendoza", "Castillo", "Jimenez", "Vasquez", "Moreno", "Romero",
    "Herrera", "Medina", "Aguilar", "Vargas", "Castro", "Guzman", "Fernandez", "Juarez", "Mendez",
    "Salazar", "Soto", "Delgado", "Peña", "Rios", "Contreras", "Sandoval", "Estrada", "Navarro",
    "Cervantes", "Ochoa", "Campos", "Valenzuela", "Muñoz", "Ibarra", "Zamora", "Velásquez", "Orozco",
    "Villanueva", "Cortez", "Espinoza", "Fuentes", "Maldonado", "Figueroa", "Ayala", "Cabrera", "Lara",
    "Montoya", "Barajas", "Solís", "Rosales", "Arellano", "Quintero", "Pacheco", "Trujillo",
    "García-López", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
    "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
    "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ward", "Brooks", "Bennett", "Gray", "Hughes",
    "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell",
    "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Henry", "Graham",
    "Wallace", "Hayes", "Washington", "Freeman", "Webb", "Simmons", "Owens", "Jefferson", "Dixon",
    "O'Brien", "McCarthy", "Fitzgerald", "Kowalski", "Novak", "Schmidt", "Becker", "Larsen", "Lindqvist",
    "Rossi", "Romano", "Esposito", "Costa", "Silva", "Santos", "Oliveira", "Pereira", "Ivanova", "Volkov",
    "Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Ngo", "Kim", "Lee", "Park", "Choi",
    "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang",
    "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Lin", "Chang", "Wong", "Chan", "Leung", "Tanaka",
    "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Sato", "Ito", "Patel",
    "Shah", "Singh", "Kumar", "Sharma", "Gupta", "Reddy", "Iyer", "Rao", "Mehta", "Desai", "Dela Cruz",
    "Bautista", "Mercado", "Aquino", "Pascual", "Manalo", "Domingo", "Petrosyan", "Sargsyan", "Hakobyan",
    "Grigoryan", "Avetisyan", "Karapetyan", "Harutyunyan", "Manukyan", "Haddad", "Khalil", "Nasser",
    "Saleh", "Mansour", "Farah", "Rahimi", "Karimi", "Hosseini", "Ahmadi", "Okafor", "Adeyemi", "Mensah",
    "Okonkwo", "Tesfaye", "Bekele", "Haile", "Begay", "Yazzie", "Tsosie", "Kahananui", "Akana",
)

NAME_STEMS_PEOPLE = (
    "Lincoln", "Garfield", "Roosevelt", "Jefferson", "Washington", "Madison", "Monroe", "Jackson", "Grant",
    "Hamilton", "Franklin", "Kennedy", "Wilson", "Adams", "Cleveland", "McKinley", "Coolidge", "Hoover",
    "Truman", "Eisenhower", "Polk", "Taft", "Carver", "Douglass", "Tubman", "Bethune", "Parks", "Marshall",
    "Earhart", "Muir", "Steinbeck", "Emerson", "Thoreau", "Whitman", "Twain", "Dickinson", "Hughes",
    "Frost", "Sandburg", "Burbank", "Ride", "Ochoa", "Fremont", "Bancroft", "Audubon", "Edison", "Curie",
    "Huerta", "Chavez", "Mendez", "Sotomayor", "Kahlo", "Rivera", "Salazar", "Yamada", "Korematsu",
    "Inouye", "Mineta", "Bradley", "Robinson", "Baldwin", "Ellington", "Armstrong", "Angelou", "Morrison",
    "Keller", "Addams", "Anthony", "Stanton", "Nightingale", "Pasteur", "Galileo", "Newton", "Darwin",
    "Hawking", "Sagan", "Goodall", "Carson", "Chisholm", "Jordan", "Obama", "Lewis", "Evers", "Abbott",
    "Marquez", "Neruda", "Mistral", "Paz", "Cortines", "Estrada", "Vasconcelos", "Serrano", "Ramona",
    "Alcott", "Hawthorne", "Irving", "Longfellow", "Poe", "London", "Saroyan", "Bunche", "Drew", "Banneker",
)

NAME_STEMS_STREETS = (
    "Figueroa", "Vermont", "Western", "Normandie", "Hoover", "Olive", "Maple", "Sunset", "Main", "Broadway",
    "Alvarado", "Pico", "Olympic", "Crenshaw", "Manchester", "Florence", "Slauson", "Vernon", "Adams",
    "Jefferson", "Washington", "Venice", "Sepulveda", "Van Nuys", "Reseda", "Topanga", "Victory",
    "Sherman", "Roscoe", "Nordhoff", "Devonshire", "Chatsworth", "Lankershim", "Laurel", "Cahuenga",
    "Vineland", "Colfax", "Whitsett", "Fulton", "Hazeltine", "Woodman", "Tujunga", "Foothill", "Glenoaks",
    "Soto", "Cesar Chavez", "Whittier", "Atlantic", "Eastern", "Mission", "Huntington", "Valley", "York",
    "Colorado", "Eagle", "Avalon", "Central", "Compton", "Wilmington", "Gaffey", "Pacific", "Anaheim",
    "Harbor", "Vista", "Oak", "Cedar", "Elm", "Pine", "Walnut", "Sycamore", "Magnolia", "Juniper",
    "Orchard", "Hillside", "Canyon", "Ridge", "Meadow", "Lake", "Bay", "Mesa", "Palm", "Cypress",
)

NAME_STEMS_PLACES = (
    "Riverside", "Lakeview", "Hillcrest", "Valley View", "Oak Park", "Cedar Grove", "Willow Creek",
    "Sierra Vista", "Bay View", "Mountain View", "Mesa Verde", "Palm Crest", "Sunrise", "Rosewood",
    "Elmwood", "Pinecrest", "Fairview", "Highland Park", "Echo Park", "Eagle Rock", "Glen Oaks",
    "Vista del Mar", "Los Robles", "Las Palmas", "El Sereno", "Buena Vista", "Arroyo Seco", "Canoga Park",
    "Sun Valley", "Granada Hills", "Porter Ranch", "Woodland Hills", "Boyle Heights", "Lincoln Heights",
    "Cypress Park", "Mount Washington", "Atwater", "Los Feliz", "Silver Lake", "Westchester", "Playa",
    "Palisades", "Brentwood", "Encino", "Tarzana", "Northridge", "Pacoima", "Sylmar", "Sunland",
    "Tujunga Hills", "Harbor City", "San Pedro", "Wilmington Park", "Watts", "Florence Park", "Huntington",
    "Maywood", "Bell Gardens", "Vernon Heights", "Hyde Park", "Baldwin Hills", "View Park", "Leimert",
)

ORDINALS_UNITS = ("", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth")
CARDINAL_UNITS = ("", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
TEENS = ("Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth",
         "Seventeenth", "Eighteenth", "Nineteenth")
TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")
TENS_ORD = ("", "", "Twentieth", "Thirtieth", "Fortieth", "Fiftieth", "Sixtieth", "Seventieth",
            "Eightieth", "Ninetieth")


def _ordinal_words(n: int) -> str:
    """1..119 as words: 68 -> 'Sixty-Eighth', 112 -> 'One Hundred Twelfth'."""
    prefix = ""
    if n >= 100:
        prefix, n = "One Hundred ", n - 100
        if n == 0:
            return "One Hundredth"
    if n < 10:
        word = ORDINALS_UNITS[n]
    elif n < 20:
        word = TEENS[n - 10]
    elif n % 10 == 0:
        word = TENS_ORD[n // 10]
    else:
        word = f"{TENS[n // 10]}-{ORDINALS_UNITS[n % 10]}"
    return prefix + word


def _school_stems(rng: random.Random) -> list[str]:
    """School name stems in the order one level uses them: mostly people and places, then streets."""
    streets: list[str] = []
    for street in NAME_STEMS_STREETS:
        streets += [f"{street} Avenue", f"{street} Street"]
    streets += [f"{_ordinal_words(n)} Street" for n in range(1, 120)]
    streets += [f"{_ordinal_words(n)} Avenue" for n in range(1, 120)]
    pools = [rng.sample(kind, len(kind)) for kind in (NAME_STEMS_PEOPLE, NAME_STEMS_PLACES, streets)]
    weights = [0.6, 0.2, 0.2]
    stems: dict[str, None] = {}
    while any(pools):
        live = [i for i, pool in enumerate(pools) if pool]
        pool = pools[rng.choices(live, [weights[i] for i in live])[0]]
        stems.setdefault(pool.pop(), None)
    return list(stems)


LEVEL_SUFFIX = {
    "elementary": "Elementary School",
    "middle": "Middle School",
    "high": "High School",
    "span": "Span School",
}

CLUSTER_NAMES = ("North", "South", "Central", "East", "West", "Northeast", "Northwest", "Southeast",
                 "Southwest", "Harbor")
LD_CODES = {"North": "N", "South": "S", "Central": "C", "East": "E", "West": "W", "Northeast": "NE",
            "Northwest": "NW", "Southeast": "SE", "Southwest": "SW", "Harbor": "H"}

NON_GRANT_POSITIONS = ("Custodian", "Teacher Assistant", "Campus Aide", "Cafeteria Worker",
                       "Special Education Assistant", "Plant Manager", "Library Aide",
                       "Building and Grounds Worker", "Teacher Assistant", "Custodian")


# --------------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class RoleInfo:
    """What the generator needs to know about one role of the catalog."""

    id: str
    category: str
    security: str
    at_school: bool
    at_office: bool
    levels: tuple[str, ...] | None
    per_students: int | None
    minimum: int | None
    minimum_elementary: int | None
    minimum_secondary: int | None
    maximum: int | None
    extra_approval: tuple[str, ...]
    available_from: dt.date | None
    staff_types: tuple[str, ...]
    positions: tuple[str, ...]  # lowercase
    usable: bool
    combinable: bool

    def minimum_for(self, level: str | None) -> int:
        if level is not None and level != "elementary" and self.minimum_secondary is not None:
            return self.minimum_secondary
        if level == "elementary" and self.minimum_elementary is not None:
            return self.minimum_elementary
        return self.minimum or 0

    def cap_for(self, enrollment: int, level: str | None) -> int | None:
        """Most holders allowed at one location (None: no limit): the maximum and the ratio allowance."""
        caps: list[int] = []
        if self.maximum is not None:
            caps.append(self.maximum)
        if self.per_students is not None:
            caps.append(max(-(-enrollment // self.per_students), self.minimum_for(level)))
        return min(caps) if caps else None


def _import_models() -> Any:
    try:
        from rolebook.model import files as models
    except ImportError:  # running from a checkout without the package installed
        sys.path.insert(0, str(REPO_ROOT / "generator"))
        from rolebook.model import files as models
    return models


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def load_catalog(repo: Path) -> dict[str, RoleInfo]:
    """Read every role in `repo/roles/*.yaml` (one role per file, or a file with a `roles:` list)."""
    models = _import_models()
    roles_dir = Path(repo) / "roles"
    files = sorted(roles_dir.glob("*.yaml")) + sorted(roles_dir.glob("*.yml"))
    catalog: dict[str, RoleInfo] = {}
    for path in files:
        data = _yaml_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "id" in data and "quota" in data:
            items = [data]
        elif isinstance(data, dict) and isinstance(data.get("roles"), list):
            items = data["roles"]
        else:
            continue  # categories, policy, ...
        for item in items:
            role = models.Role.model_validate(item)
            el = role.eligibility
            usable = not (el.organisation_types and not set(el.organisation_types) & set(ORGANISATION_TYPES))
            if role.available_from is not None and role.available_from > TODAY:
                usable = False
            q = role.quota
            locations = [loc.value for loc in role.applies_to.locations]
            levels = role.applies_to.school_levels
            catalog[role.id] = RoleInfo(
                id=role.id,
                category=role.category,
                security=role.security_level.value,
                at_school="school" in locations,
                at_office="office" in locations,
                levels=tuple(lv.value for lv in levels) if levels else None,
                per_students=q.per_students,
                minimum=q.minimum,
                minimum_elementary=q.minimum_elementary,
                minimum_secondary=q.minimum_secondary,
                maximum=q.maximum,
                extra_approval=tuple(role.extra_approval),
                available_from=role.available_from,
                staff_types=tuple(t.value for t in el.staff_types),
                positions=tuple(p.lower() for p in el.positions),
                usable=usable,
                combinable=role.combinable,
            )
    if not catalog:
        raise SystemExit(f"no roles found in {roles_dir}: the generator needs the role catalog")
    return catalog


@dataclass(frozen=True)
class PolicyInfo:
    """The parts of the district policy (roles/policy.yaml) the data must respect."""

    max_grant_days: dict[str, int] = field(default_factory=lambda: dict(MAX_GRANT_DAYS))
    expiry_notice_days: int = EXPIRY_NOTICE_DAYS
    generic_patterns: tuple[re.Pattern[str], ...] = ()
    forbidden: tuple[frozenset[str], ...] = ()

    def generic(self, text: str) -> bool:
        return any(p.search(text) for p in self.generic_patterns)


def load_policy(repo: Path) -> PolicyInfo:
    """The policy file among `repo/roles/*.yaml` (or `repo/policy.yaml`); the model's defaults if none."""
    models = _import_models()
    policy = models.Policy()
    roles_dir = Path(repo) / "roles"
    for path in [*sorted(roles_dir.glob("*.yaml")), Path(repo) / "policy.yaml"]:
        if not path.is_file():
            continue
        data = _yaml_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and ("approver_roles" in data or "max_grant_days" in data):
            policy = models.Policy.model_validate(data)
            break
    return PolicyInfo(
        max_grant_days={level.value: days for level, days in policy.max_grant_days.items()},
        expiry_notice_days=policy.expiry_notice_days,
        generic_patterns=tuple(re.compile(p, re.IGNORECASE) for p in policy.generic_account_patterns),
        forbidden=tuple(frozenset(c.roles) for c in policy.forbidden_combinations),
    )


# --------------------------------------------------------------------------------------------- params


@dataclass(frozen=True)
class Params:
    schools: int = 12
    clusters: int = 3
    offices: int = 9
    staff: int = 400
    seed: int = 2026
    roles_from: Path | None = None
    organisation: str = "Riverside Unified School District"
    min_enrollment: int = 150
    max_enrollment: int = 4000
    level_mix: tuple[int, int, int, int] | None = None  # elementary, middle, high, span
    itinerant_share: float = ITINERANT_SHARE


PRESETS: dict[str, Params] = {
    "demo": Params(schools=12, clusters=3, offices=11, staff=450, seed=2026, min_enrollment=200,
                   max_enrollment=3000, level_mix=(6, 2, 3, 1), itinerant_share=0.08),
    "full": Params(schools=1000, clusters=10, offices=20, staff=75_000, seed=1000),
}


@dataclass
class Summary:
    schools: int = 0
    clusters: int = 0
    offices: int = 0
    staff: int = 0
    staff_with_grants: int = 0
    contractors: int = 0
    grant_files: int = 0
    grants: int = 0  # grant entries (one person, one file, one or more roles)
    role_grants: int = 0  # (person, role, location) triples
    scoped_grants: int = 0  # entries with a cluster or all-schools scope
    grants_by_category: dict[str, int] = field(default_factory=dict)  # role grants per role category
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- model


@dataclass
class Location:
    code: str
    name: str
    kind: str  # school | office
    level: str | None = None
    enrollment: int = 0
    cluster: str | None = None
    approvers: str | None = None


@dataclass
class Person:
    employee: str
    first: str
    last: str
    staff_type: str
    position: str
    locations: list[str]
    hr_status: str = "processed"
    git: str | None = None
    contractor: bool = False
    sponsor: str | None = None
    contract_end: dt.date | None = None


@dataclass
class Entry:
    person: Person
    roles: list[str]
    scope: tuple[str, str] | None  # None: location; ("cluster", id); ("all", "")
    granted: dt.date
    expires: dt.date
    reason: str | None = None


@dataclass
class Slot:
    """A position on a roster: who to hire and which roles to try to grant them."""

    position: str
    staff_type: str
    roles: tuple[str, ...]
    git: float = 0.0
    count: int = 1
    scope: tuple[str, str] | None = None
    group: str | None = None  # reviewer group to join
    reason: str | None = None
    contractor: bool = False


class Book:
    """All grants, with the counts the quotas need; `add` refuses anything the policy would refuse."""

    def __init__(self, catalog: dict[str, RoleInfo], rng: random.Random, total_enrollment: int,
                 policy: PolicyInfo) -> None:
        self.catalog = catalog
        self.policy = policy
        self.held: dict[str, set[str]] = {}  # employee -> roles held anywhere
        self.rng = rng
        self.total_enrollment = total_enrollment
        self.entries: dict[str, dict[str, Entry]] = {}
        self.count: dict[tuple[str, str], int] = {}
        self.district: dict[str, int] = {}

    def bounds(self, role_id: str, loc: Location) -> tuple[int, int | None]:
        role = self.catalog.get(role_id)
        if role is None or not role.usable:
            return 0, 0
        if loc.kind == "school":
            return role.minimum_for(loc.level), role.cap_for(loc.enrollment, loc.level)
        return role.minimum_for(None), role.cap_for(self.total_enrollment, None)

    def applies(self, role_id: str, loc: Location) -> bool:
        role = self.catalog.get(role_id)
        if role is None or not role.usable:
            return False
        if loc.kind == "school":
            # Roles that need an extra approval (SPED Operations) are held in office files only.
            if not role.at_school or role.extra_approval:
                return False
            return role.levels is None or loc.level in role.levels
        return role.at_office

    def holders(self, role_id: str, loc: Location) -> int:
        if loc.kind == "school":
            return self.count.get((loc.code, role_id), 0)
        return self.district.get(role_id, 0)

    def add(self, person: Person, loc: Location, role_id: str, scope: tuple[str, str] | None = None,
            reason: str | None = None) -> bool:
        if not self.applies(role_id, loc):
            return False
        role = self.catalog[role_id]
        if role.staff_types and person.staff_type not in role.staff_types:
            return False
        if role.positions and person.position.lower() not in role.positions:
            return False
        if loc.code not in person.locations or person.hr_status != "processed":
            return False
        file_entries = self.entries.setdefault(loc.code, {})
        entry = file_entries.get(person.employee)
        if entry is not None:
            if role_id in entry.roles or entry.scope != scope:
                return False
            if not role.combinable or any(not self.catalog[r].combinable for r in entry.roles):
                return False
        _, cap = self.bounds(role_id, loc)
        if cap is not None and self.holders(role_id, loc) >= cap:
            return False
        held = self.held.setdefault(person.employee, set())
        if any(role_id in combo and combo - {role_id} <= held for combo in self.policy.forbidden):
            return False
        if entry is None:
            granted = GRANTED_FROM + dt.timedelta(days=self.rng.randint(0, (GRANTED_TO - GRANTED_FROM).days))
            expires = EXPIRES[0] if self.rng.random() < 0.75 else EXPIRES[1]
            entry = Entry(person, [], scope, granted, expires, reason)
            file_entries[person.employee] = entry
        entry.roles.append(role_id)
        held.add(role_id)
        if loc.kind == "school":
            self.count[(loc.code, role_id)] = self.count.get((loc.code, role_id), 0) + 1
        else:
            self.district[role_id] = self.district.get(role_id, 0) + 1
        return True


# --------------------------------------------------------------------------------------------- people


class People:
    """Hires people: unique employee numbers, realistic names, Git usernames for some."""

    def __init__(self, rng: random.Random, unique_names: bool, policy: PolicyInfo) -> None:
        self.rng = rng
        self.policy = policy
        self.unique_names = unique_names
        self.numbers: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        self.usernames: set[str] = set()
        self.all: list[Person] = []

    def _number(self) -> str:
        while True:
            number = f"{self.rng.randrange(10**8):08d}"
            if number not in self.numbers and not number.startswith("000"):
                self.numbers.add(number)
                return number

    def _name(self) -> tuple[str, str]:
        rng = self.rng
        for _ in range(50):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if any(self.policy.generic(t) for t in (first, last, f"{first} {last}")):
                continue
            if (first, last) not in self.names or not self.unique_names:
                break
        self.names.add((first, last))
        return first, last

    def username(self, first: str, last: str) -> str:
        def ascii_slug(text: str) -> str:
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
            return re.sub(r"[^a-z0-9]+", "", text.lower())

        f, last_slug = ascii_slug(first), ascii_slug(last)
        style = self.rng.random()
        if style < 0.45:
            base = f"{f[0]}{last_slug}"
        elif style < 0.8:
            base = f"{f}-{last_slug}"
        else:
            base = f"{f}{last_slug[0]}-rusd"
        base = base[:36].strip("-")
        if self.policy.generic(base):
            base = f"rusd-{base}"[:36].strip("-")
        name, n = base, 1
        while name in self.usernames or self.policy.generic(name):
            n += 1
            name = f"{base}{n}"
        self.usernames.add(name)
        return name

    def hire(self, position: str, staff_type: str, locations: list[str], git: float = 0.0,
             hr_status: str = "processed") -> Person:
        first, last = self._name()
        person = Person(self._number(), first, last, staff_type, position, list(locations), hr_status)
        if git >= 1.0 or (git > 0 and self.rng.random() < git):
            person.git = self.username(first, last)
        self.all.append(person)
        return person


# --------------------------------------------------------------------------------------------- district


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _level_counts(params: Params) -> list[int]:
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


def _enrollment(rng: random.Random, level: str, lo: int, hi: int) -> int:
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


def _build_schools(rng: random.Random, params: Params, clusters: list[Location]) -> list[Location]:
    levels_order = ("elementary", "middle", "high", "span")
    levels: list[str] = []
    for level, count in zip(levels_order, _level_counts(params), strict=True):
        levels += [level] * count
    rng.shuffle(levels)
    codes = rng.sample(range(1000, 10000), params.schools) if params.schools <= 9000 else None
    if codes is None:
        raise ValueError("at most 9,000 schools (four-digit codes)")
    pools = {level: _school_stems(rng) for level in levels_order}
    used = dict.fromkeys(levels_order, 0)
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
        enrollment = _enrollment(rng, level, params.min_enrollment, params.max_enrollment)
        schools.append(Location(f"{codes[i]}", name, "school", level, enrollment, cluster_of[order[i]]))
    schools.sort(key=lambda s: s.code)
    return schools


def _cluster_locations(n: int) -> list[Location]:
    clusters = []
    for i in range(n):
        suffix = CLUSTER_NAMES[i] if i < len(CLUSTER_NAMES) else str(i + 1)
        cid = f"ld-{_slug(suffix)}"
        clusters.append(Location(cid, f"Local District {suffix}", "cluster", approvers=f"{cid}-admins"))
    return clusters


# Central offices in the order a district of n offices has them (local district offices come after
# the first five). `programs` maps a code to the roster that works there.
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

# Programs that live in a dedicated office when the district has one, or else in the first host present.
PROGRAM_HOSTS: dict[str, tuple[str, ...]] = {
    "MMED": ("MMED", "DOI"),
    "GATE": ("GATE", "DOI"),
    "ATH": ("ATH", "DOI"),
    "CTE": ("CTE", "DOI"),
    "BTB": ("BTB", "DOI"),
    "MEP": ("MEP", "MMED", "DOI"),
    "AIEP": ("AIEP", "DOI"),
    "NPS": ("NPS", "SPEDOPS"),
    "SDES": ("SDES", "PSA"),
    "OPTS": ("OPTS", "DOI"),
    "BSU": ("BSU", "PSA"),
    "SSPT": ("SSPT", "PSA"),
    "FYU": ("FYU", "PSA"),
    "NURS": ("NURS",),
    "HRD": ("HRD",),
    "FSD": ("FSD",),
    "SPD": ("SPD",),
}


def _office_locations(n: int, clusters: list[Location]) -> list[Location]:
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


def _program_slots(program: str) -> list[Slot]:
    """The roster of a program that may share an office with others."""
    a = "approvers"
    return {
        "SPD": [
            Slot("School Police Chief", CLASS, (), git=1.0, group=a),
            Slot("School Police", CLASS, ("school-police", "district-limited-read"), scope=("all", ""),
                 reason="School police watch commander"),
        ],
        "MMED": [
            Slot("Director, Multilingual and Multicultural Education", CERT,
                 ("multilingual-multicultural-education-department",), git=1.0, group=a),
            Slot("English Learner Program Coordinator", CERT,
                 ("multilingual-multicultural-education-department",)),
        ],
        "GATE": [Slot("GATE Program Coordinator", CERT, ("gate-office-administrator",), git=0.5, count=2)],
        "ATH": [Slot("Coordinator, Interscholastic Athletics", CERT, ("athletic-director",), git=0.5)],
        "CTE": [Slot("CTE Administrator", CERT, ("cte-district-admin",), git=0.5)],
        "BTB": [Slot("Enrichment Program Administrator", CERT, ("enrichment-admin",), git=0.5)],
        "MEP": [Slot("Migrant Education Advisor", CERT, ("district-migrant-education",))],
        "AIEP": [Slot("Indian Education Program Advisor", CERT, ("district-american-indian-program",))],
        "NPS": [Slot("Nonpublic Schools Coordinator", CERT, ("nps-district-admin",), git=0.5)],
        "SDES": [Slot("Student Discipline Specialist", CERT,
                      ("student-discipline-and-expulsion-support-unit",), count=2)],
        "OPTS": [Slot("Options Schools Administrator", CERT, ("option-school-district-admin",), git=0.5)],
        "BSU": [Slot("Behavior Support Coordinator", CERT, ("behavior-emergency-admin",))],
        "SSPT": [Slot("District Intervention Coordinator", CERT, ("district-sspt",))],
        "FYU": [Slot("Foster Youth Counselor", CERT, ("transportation-requestor",))],
        "NURS": [
            Slot("Director, Nursing Services", CERT, ("nursing-office-admin",), git=1.0, group=a),
            Slot("Nursing Services Coordinator", CERT, ("nursing-office-admin",)),
        ],
        "HRD": [
            Slot("Director, Certificated Human Resources", CERT, (), git=1.0, group=a),
            Slot("Credentials Analyst", CLASS, ("hr-credentialing",), count=2),
        ],
        "FSD": [
            Slot("Director, Food Services", CLASS, (), git=1.0, group=a),
            Slot("Food Services Area Supervisor", CLASS, ("district-limited-read",), count=2),
        ],
    }.get(program, [])


def _office_slots(office: Location, offices: list[Location], clusters: list[Location]) -> list[Slot]:
    a = "approvers"
    code = office.code
    slots: list[Slot]
    if code == "ITD":
        slots = [
            Slot("IT Security Manager", CLASS, ("district-administrator",), git=1.0, scope=("all", ""),
                 group="access-administrators", reason="Access administrator (super user): audits every school"),
            Slot("Access Administrator", CLASS, (), git=1.0, count=2, group="access-administrators"),
            Slot("SIS Support Analyst", CLASS, ("district-administrator",), git=0.5, count=2),
        ]
        if not any(o.code == "SPEDOPS" for o in offices):  # someone must still approve SPED roles
            slots.append(Slot("Special Education Operations Liaison", CERT, (), git=1.0, count=2,
                              group="sped-operations"))
    elif code == "SPEDOPS":
        slots = [
            Slot("Director, SPED Operations", CERT, ("sped-placement-admin",), git=1.0, group="sped-operations"),
            Slot("SPED Operations Coordinator", CERT, ("sped-placement-admin", "sped-viewers"), git=1.0,
                 group="sped-operations"),
            Slot("CDS Director", CERT, ("sped-cds-director",)),
            Slot("Resolution Coordinator", CERT, ("sped-district-admin",)),
            Slot("Due Process Specialist", CLASS, ("sped-district-admin",)),
            Slot("Program Specialist", CERT, ("sped-placement-program-specialist",), count=2),
            Slot("Customer Service Representative", CLASS, ("sped-viewers",)),
            Slot("Itinerant Special Education Specialist", CERT, ("district-special-education-provider",),
                 scope=("all", ""), reason="District-wide itinerant special education support"),
            Slot("Contract Occupational Therapist", CLASS, ("district-special-education-provider",),
                 contractor=True, reason="Contracted occupational therapy services, 2026-27 school year"),
        ]
    elif code == "PSA":
        slots = [
            Slot("Director, Pupil Services", CERT, ("pupil-services-admin",), git=1.0, group=a),
            Slot("Pupil Services Coordinator", CERT, ("pupil-services-admin", "student-support-administrator"),
                 git=1.0, group=a),
            Slot("Homeless Education Coordinator", CERT, ("pupil-services-homeless", "transportation-requestor")),
            Slot("Homeless Program Specialist", CLASS, ("pupil-services-homeless",)),
            Slot("SARB Coordinator", CERT, ("pupil-services-sarb",)),
        ]
        for cluster in clusters:
            slots.append(Slot("Pupil Services Administrator", CERT, ("student-support-administrator",),
                              scope=("cluster", cluster.code),
                              reason=f"Pupil Services oversight for {cluster.name}"))
    elif code == "TRANS":
        slots = [
            Slot("Director, Transportation Services", CLASS, ("transportation-administrator",), git=1.0, group=a),
            Slot("Transportation Supervisor", CLASS, ("transportation-administrator", "sped-viewers")),
            Slot("Transportation Router", CLASS, ("sped-viewers",), count=2),
            Slot("Transportation Specialist", CLASS, ("sped-viewers", "transportation-requestor")),
        ]
    elif code == "ODA":
        slots = [
            Slot("Director, Data and Accountability", CERT, (), git=1.0, group=a),
            Slot("Testing Administrator", CERT, ("oda-testing-score-administrator",), git=0.5),
            Slot("Testing Specialist", CLASS, ("oda-testing-score-user",), count=2),
            Slot("Assessment Data Consultant", CLASS, ("oda-testing-score-user",), contractor=True,
                 reason="Contracted assessment data support, 2026-27 school year"),
        ]
    elif office.cluster is not None:
        cluster_scope = ("cluster", office.cluster)
        cluster = next(c for c in clusters if c.code == office.cluster)
        slots = [
            Slot("Local District Superintendent", CERT, ("district-administrator",), git=1.0,
                 scope=cluster_scope, group=a, reason=f"Oversight of {cluster.name} schools"),
            Slot("Administrator of Operations", CERT, ("operations-administrators", "district-administrator"),
                 git=1.0, scope=cluster_scope, group=a, reason=f"Operations for {cluster.name}"),
            Slot("Pupil Services Coordinator", CERT, ("pupil-services-sarb", "student-support-administrator"),
                 scope=cluster_scope, reason=f"SARB and student support for {cluster.name}"),
            Slot("LRE Specialist", CERT, ("sped-district-admin",)),
        ]
    else:
        slots = []
    # Programs hosted here: those whose first present host is this office.
    present = [o.code for o in offices]
    for program, hosts in PROGRAM_HOSTS.items():
        host = next((h for h in hosts if h in present), None)
        if host == code:
            program_slots = _program_slots(program)
            if program == "SPD":  # one officer per local district, scoped to it
                for cluster in clusters:
                    program_slots.append(Slot("School Police", CLASS, ("school-police",),
                                              scope=("cluster", cluster.code),
                                              reason=f"School police, {cluster.name}"))
            if program != code:  # a guest program's director does not approve for the host office
                for slot in program_slots:
                    slot.group = None
            slots += program_slots
    if not any(s.group in (a, "access-administrators", "sped-operations") for s in slots):
        slots.insert(0, Slot(f"Director, {office.name}", CERT, (), git=1.0, group=a))
    return slots


# Filler office staff: mostly without student-records access, some with the office's usual role.
OFFICE_FILLER: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "ITD": (("Programmer Analyst", CLASS, ()), ("SIS Support Analyst", CLASS, ("district-administrator",))),
    "SPEDOPS": (("Special Education Program Specialist", CERT, ("district-special-education-provider",)),
                ("Senior Office Technician", CLASS, ())),
    "PSA": (("Pupil Services Coordinator", CERT, ("student-support-administrator",)),
            ("Office Technician", CLASS, ())),
    "TRANS": (("Transportation Router", CLASS, ("sped-viewers",)), ("Bus Dispatcher", CLASS, ())),
    "ODA": (("Testing Specialist", CLASS, ("oda-testing-score-user",)), ("Data Analyst", CLASS, ())),
    "SPD": (("School Police", CLASS, ("school-police",)), ("Police Dispatcher", CLASS, ())),
    "NURS": (("Nursing Services Coordinator", CERT, ("nursing-office-admin",)), ("Office Technician", CLASS, ())),
    "FSD": (("Food Services Area Supervisor", CLASS, ("district-limited-read",)),
            ("Office Technician", CLASS, ())),
    "HRD": (("Credentials Analyst", CLASS, ("hr-credentialing",)), ("Personnel Specialist", CLASS, ())),
}
LD_FILLER = (("Instructional Director", CERT, ("district-administrator",)),
             ("Operations Coordinator", CERT, ("operations-administrators",)),
             ("Administrative Analyst", CLASS, ()))
GENERIC_FILLER = (("Program Coordinator", CERT, ("district-administrator",)),
                  ("Administrative Analyst", CLASS, ()), ("Senior Office Technician", CLASS, ()))


def _school_slots(school: Location, book: Book, rng: random.Random) -> list[Slot]:
    """The fixed roster of a school (not its teachers): sized by enrollment, level and the quotas."""
    e = school.enrollment
    secondary = school.level != "elementary"

    def between(role_id: str, default_lo: int, default_hi: int) -> int:
        lo, cap = book.bounds(role_id, school)
        lo = max(lo, default_lo)
        hi = default_hi if cap is None else cap
        return rng.randint(lo, max(lo, hi))

    slots: list[Slot] = []
    principal_roles = ["principal", "discipline-designee-s"]
    if not secondary:
        principal_roles.insert(1, "scheduling-administrator")
    if rng.random() < 0.3:
        principal_roles.append("is-administrator")
    if rng.random() < 0.06:
        principal_roles.append("sped-cds-school-admin")
    slots.append(Slot("Principal", CERT, tuple(principal_roles), git=1.0))
    if secondary or e >= 650:
        ap_roles = ["principal", "discipline-designee-s"]
        if school.level == "high" and rng.random() < 0.4:
            ap_roles.append("cte-scheduling-administrator")
        if rng.random() < 0.3:
            ap_roles.append("is-supervising-designee")
        slots.append(Slot("Assistant Principal", CERT, tuple(ap_roles), git=1.0))
    if secondary:
        slots.append(Slot("Assistant Principal, Secondary Counseling Services", CERT,
                          ("scheduling-administrator", "school-office-mark-reporting", "school-full-read"),
                          git=1.0))
        extra_aps = min(2, e // 1100)
        if extra_aps:
            slots.append(Slot("Assistant Principal", CERT, ("discipline-designee-s", "school-full-read"),
                              git=1.0, count=extra_aps))
        deans = (e >= 1200) + (e >= 2500)
        if deans:
            slots.append(Slot("Dean of Students", CERT, ("discipline-designee-s", "school-full-read"),
                              git=0.2, count=deans))
        slots.append(Slot("SIS Coordinator", CLASS, ("scheduling-administrator", "school-office-mark-reporting"),
                          git=0.3))
        slots.append(Slot("Office Manager", CLASS, ("office-manager", "health-office"), git=0.5))
    else:
        slots.append(Slot("Office Manager", CLASS, ("office-manager", "health-office", "scheduling-administrator"),
                          git=0.5))
    om_lo, om_cap = book.bounds("office-manager", school)
    technicians = max(om_lo - 1, 1)
    if om_cap is not None and om_cap - 1 > technicians:
        technicians = rng.randint(technicians, om_cap - 1)
    title = "Senior Office Technician" if secondary else "Office Technician"
    slots.append(Slot(title, CLASS, ("office-manager", "health-office"), git=0.1))
    if technicians > 1:
        slots.append(Slot("Office Technician", CLASS, ("office-manager", "health-office"), count=technicians - 1))
    if rng.random() < (0.5 if secondary else 0.25):
        slots.append(Slot("Health Office Clerk", CLASS, ("health-office",)))
    counselors = between("counselor", 2 if not secondary else 4, 2 + e // 600)
    slots.append(Slot("Counselor", CERT, ("counselor",), git=0.1, count=counselors))
    if secondary:
        plus = between("counselor-plus", 3, 2 + e // 700)
        slots.append(Slot("Academic Counselor", CERT, ("counselor-plus",), git=0.1, count=plus))
        if e >= 1500:
            slots.append(Slot("Pupil Services and Attendance Counselor", CERT, ("pupil-services-school-based",)))
        if rng.random() < 0.5:
            slots.append(Slot("Librarian", CERT, ("school-full-read",)))
    if e >= 350 or rng.random() < 0.5:
        slots.append(Slot("Categorical Programs Coordinator", CERT,
                          ("categorical-programs-coordinator", "school-full-read")))
    slots.append(Slot("Resource Specialist Teacher", CERT,
                      ("special-education-provider", "student-support-school-based", "school-full-read"),
                      count=1 + e // 700))
    if not secondary and rng.random() < 0.3:
        slots.append(Slot("Intervention Coordinator", CERT, ("school-full-read", "student-support-school-based")))
    slots.append(Slot("Cafeteria Manager", CLASS, ("school-limited-read",)))
    return slots


def _teacher_extras(school: Location, rng: random.Random) -> list[tuple[str, tuple[str, ...]]]:
    """Teachers with a duty that needs a second role, most important first."""
    e = school.enrollment
    extras: list[tuple[str, tuple[str, ...]]] = []
    if school.level in ("high", "span"):
        extras.append(("Teacher", ("teacher", "secondary-athletic-director")))
    if school.level == "high":
        extras.append(("Teacher", ("teacher", "secondary-auxiliary-director")))
    if rng.random() < (0.7 if school.level != "elementary" else 0.5):
        extras.append(("Teacher", ("teacher", "school-gate-coordinator")))
    if school.level == "elementary":
        if rng.random() < 0.2:
            extras.append(("Physical Education Teacher", ("teacher", "pe-teacher")))
    else:
        extras += [("Physical Education Teacher", ("teacher", "pe-teacher"))] * max(1, e // 800)
    if school.level == "high" or (school.level != "elementary" and rng.random() < 0.2):
        cte = 1 + (e >= 1500) + (e >= 2500)
        extras.append(("CTE Teacher", ("teacher", "cte-teacher", "cte-instructor")))
        extras += [("CTE Teacher", ("teacher", "cte-teacher"))] * (cte - 1)
    return extras


ITINERANT_KINDS: tuple[tuple[str, str, tuple[str, ...], int, int, float], ...] = (
    # position, staff type, roles, min schools, max schools, weight
    ("Substitute Teacher", CERT, ("teacher",), 3, 8, 0.55),
    ("School Nurse", CERT, ("health-office",), 2, 4, 0.12),
    ("Psychiatric Social Worker", CERT, ("student-support-school-based", "school-full-read"), 2, 4, 0.08),
    ("Pupil Services and Attendance Counselor", CERT, ("pupil-services-school-based",), 2, 4, 0.07),
    ("Speech and Language Pathologist", CERT, ("special-education-provider",), 2, 5, 0.10),
    ("School Psychologist", CERT, ("special-education-provider", "student-support-school-based",
                                   "school-full-read"), 2, 5, 0.08),
)


def _apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
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


# --------------------------------------------------------------------------------------------- build


@dataclass
class District:
    params: Params
    clusters: list[Location]
    schools: list[Location]
    offices: list[Location]
    people: list[Person]
    groups: dict[str, tuple[str, str, list[Person]]]  # id -> (name, description, members)
    book: Book
    warnings: list[str]


def build(params: Params, catalog: dict[str, RoleInfo], policy: PolicyInfo | None = None) -> District:
    policy = policy or PolicyInfo()
    if params.schools < 1 or params.clusters < 1 or params.offices < 1:
        raise ValueError("a district needs at least one school, one cluster and one office")
    if params.clusters > params.schools:
        raise ValueError("more clusters than schools")
    rng = random.Random(params.seed)
    clusters = _cluster_locations(params.clusters)
    schools = _build_schools(rng, params, clusters)
    offices = _office_locations(params.offices, clusters)
    book = Book(catalog, rng, sum(s.enrollment for s in schools), policy)
    people = People(rng, params.staff <= 5000, policy)
    warnings: list[str] = []

    school_slots = {s.code: _school_slots(s, book, rng) for s in schools}
    office_slots = {o.code: _office_slots(o, offices, clusters) for o in offices}
    core = sum(slot.count for slots in school_slots.values() for slot in slots)
    core += sum(slot.count for slots in office_slots.values() for slot in slots)
    # Local district approvers need a home when their local district has no office of its own.
    homeless_clusters = [c for c in clusters if not any(o.cluster == c.code for o in offices)]
    core += 2 * len(homeless_clusters)
    rest = params.staff - core
    if rest < len(schools):
        raise ValueError(f"{params.staff} staff is too few: the rosters alone need {core + len(schools)}")
    available = rest - len(schools)  # keep at least one teacher per school
    office_core = sum(slot.count for slots in office_slots.values() for slot in slots)
    office_filler = min(available, max(0, round(params.staff * OFFICE_SHARE) - office_core))
    available -= office_filler
    non_grant = min(available, round(params.staff * NON_GRANT_SHARE))
    available -= non_grant
    itinerant = min(available, round(params.staff * params.itinerant_share))
    teachers = rest - office_filler - non_grant - itinerant

    groups: dict[str, tuple[str, str, list[Person]]] = {
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

    # Schools: fixed roster first (principal first), then teachers.
    teacher_counts = _apportion(teachers, [s.enrollment for s in schools], minimum=1)
    school_people: dict[str, list[Person]] = {}
    for school, n_teachers in zip(schools, teacher_counts, strict=True):
        here: list[Person] = []
        for slot in school_slots[school.code]:
            for _ in range(slot.count):
                person = people.hire(slot.position, slot.staff_type, [school.code], slot.git)
                here.append(person)
                for role_id in slot.roles:
                    book.add(person, school, role_id)
        extras = _teacher_extras(school, rng)
        for i in range(n_teachers):
            position, roles = extras[i] if i < len(extras) else ("Teacher", ("teacher",))
            person = people.hire(position, CERT, [school.code], 0.03)
            here.append(person)
            for role_id in roles:
                book.add(person, school, role_id)
        school_people[school.code] = here

    # Itinerant staff: several schools of one local district each.
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

    # Staff in the HR export without student-records access.
    for school, n in zip(schools, _apportion(non_grant, [s.enrollment for s in schools]), strict=True):
        for _ in range(n):
            status = rng.choices(("processed", "pending", "on-leave"), (0.95, 0.03, 0.02))[0]
            people.hire(rng.choice(NON_GRANT_POSITIONS), CLASS, [school.code], hr_status=status)

    # Offices.
    office_people: dict[str, list[Person]] = {}
    sponsors: dict[str, Person] = {}
    for office in offices:
        here = []
        for slot in office_slots[office.code]:
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
    for cluster in homeless_clusters:
        host = next((o for o in offices if o.code == "PSA"), offices[0])
        for title in ("Local District Superintendent", "Administrator of Operations"):
            person = people.hire(f"{title}, {cluster.name}", CERT, [host.code], 1.0)
            groups[f"{cluster.code}-admins"][2].append(person)
            office_people[host.code].append(person)
    office_weights = [3.0 if o.cluster else (0.6 if o.code in {c for c, _ in MORE_OFFICES} else 1.5)
                      for o in offices]
    for office, n in zip(offices, _apportion(office_filler, office_weights), strict=True):
        kinds = LD_FILLER if office.cluster else OFFICE_FILLER.get(office.code, GENERIC_FILLER)
        for _ in range(n):
            position, staff_type, roles = rng.choice(kinds)
            person = people.hire(position, staff_type, [office.code], 0.05)
            office_people[office.code].append(person)
            scope = ("cluster", office.cluster) if office.cluster and roles else None
            for role_id in roles:
                book.add(person, office, role_id, scope)

    _fill_minimums(book, schools, offices, school_people, office_people, warnings)
    return District(params, clusters, schools, offices, people.all, groups, book, warnings)


# Who to ask first when a school is short of a role's minimum (only if the rosters above fall short,
# e.g. after a catalog change).
FALLBACK_POSITIONS = ("Office Manager", "Senior Office Technician", "Office Technician", "Principal",
                      "Assistant Principal", "Assistant Principal, Secondary Counseling Services",
                      "SIS Coordinator", "Counselor", "Academic Counselor", "Health Office Clerk")


def _fill_minimums(book: Book, schools: list[Location], offices: list[Location],
                   school_people: dict[str, list[Person]], office_people: dict[str, list[Person]],
                   warnings: list[str]) -> None:
    catalog = book.catalog
    for school in schools:
        here = school_people[school.code]
        ranked = sorted(here, key=lambda p: (FALLBACK_POSITIONS.index(p.position)
                                             if p.position in FALLBACK_POSITIONS else len(FALLBACK_POSITIONS)))
        for role_id in catalog:
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
    for role_id, role in catalog.items():
        if not role.at_office or not role.usable:
            continue
        need = role.minimum_for(None)
        for office, person in everyone:
            if book.holders(role_id, offices[0]) >= need:
                break
            book.add(person, office, role_id)
        if book.holders(role_id, offices[0]) < need:
            warnings.append(f"district: {role_id} has {book.holders(role_id, offices[0])} holders, "
                            f"minimum {need}")


# --------------------------------------------------------------------------------------------- YAML

_PLAIN = re.compile(r"^[^\W\d_][\w .,'()/&+-]*$")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _s(text: str) -> str:
    """A string as a plain scalar when YAML reads it back unchanged, else double-quoted."""
    if _PLAIN.match(text) and not text.endswith(" ") and text.lower() not in _RESERVED:
        return text
    return _q(text)


def _q(text: str) -> str:
    """Always double-quoted (identifiers: employee numbers, location codes)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: Iterable[str], quote: bool = False) -> str:
    return "[" + ", ".join(_q(i) if quote else i for i in items) + "]"


def _header(schema: str, depth: int) -> str:
    return f"# yaml-language-server: $schema={'../' * depth}generator/schema/{schema}.schema.json\n"


def _district_yaml(d: District, origin: str) -> str:
    org = d.params.organisation
    out = [_header("district", 1),
           f"# {org}: synthetic district data written by {origin}.\n",
           "# Local districts are the clusters; every school and office names who approves its access.\n",
           "organisation:\n", f"  name: {_s(org)}\n", f"  types: {_flow(ORGANISATION_TYPES)}\n",
           "clusters:\n"]
    for c in d.clusters:
        out.append(f"  - id: {c.code}\n    name: {_s(c.name)}\n    approvers: {c.approvers}\n")
    out.append("schools:\n")
    for s in d.schools:
        out.append(f"  - code: {_q(s.code)}\n    name: {_s(s.name)}\n    level: {s.level}\n"
                   f"    enrollment: {s.enrollment}\n    cluster: {s.cluster}\n")
    out.append("offices:\n")
    for o in d.offices:
        out.append(f"  - code: {_q(o.code)}\n    name: {_s(o.name)}\n    approvers: {o.approvers}\n")
        if o.cluster:
            out.append(f"    cluster: {o.cluster}\n")
    return "".join(out)


def _groups_yaml(d: District) -> str:
    out = [_header("groups", 1),
           "# Reviewer groups: who approves what. Every member has a Git username in staff.yaml.\n",
           "groups:\n"]
    for gid, (name, description, members) in d.groups.items():
        out.append(f"  - id: {gid}\n    name: {_s(name)}\n    description: {_s(description)}\n")
        if not members:
            out.append("    members: []\n")
            continue
        out.append("    members:\n")
        for p in members:
            out.append(f"      - {_q(p.employee)}  # {p.first} {p.last}, {p.position}\n")
    return "".join(out)


def _staff_yaml(d: District, origin: str) -> str:
    out = [_header("staff", 1),
           "# The staff directory as HR exports it: everyone, with or without access to student records.\n",
           f"source: {_q(f'HR export of {TODAY.isoformat()} (synthetic, {origin})')}\n",
           "staff:\n"]
    for p in sorted(d.people, key=lambda p: p.employee):
        out.append(f"  - employee: {_q(p.employee)}\n    last_name: {_s(p.last)}\n"
                   f"    first_name: {_s(p.first)}\n    staff_type: {p.staff_type}\n"
                   f"    position: {_s(p.position)}\n    hr_status: {p.hr_status}\n"
                   f"    locations: {_flow(p.locations, quote=True)}\n")
        if p.git:
            out.append(f"    git_username: {p.git}\n")
        if p.contractor:
            out.append("    contractor: true\n")
            if p.sponsor:
                out.append(f"    sponsor: {_q(p.sponsor)}\n")
            if p.contract_end:
                out.append(f"    contract_end: {p.contract_end.isoformat()}\n")
    return "".join(out)


def _dates(entry: Entry, catalog: dict[str, RoleInfo], policy: PolicyInfo) -> tuple[dt.date, dt.date]:
    roles = [catalog[r] for r in entry.roles]
    granted = max([entry.granted] + [r.available_from for r in roles if r.available_from is not None])
    expires = entry.expires
    if entry.person.contract_end is not None:
        expires = min(expires, entry.person.contract_end)
    limit = min(policy.max_grant_days.get(r.security, 400) for r in roles)
    expires = min(expires, granted + dt.timedelta(days=limit))
    return granted, expires


def _grants_yaml(loc: Location, entries: Iterable[Entry], catalog: dict[str, RoleInfo],
                 clusters: dict[str, Location], policy: PolicyInfo) -> str:
    if loc.kind == "school":
        cluster = clusters[loc.cluster].name if loc.cluster else ""
        about = f"{loc.name} ({loc.code}): {loc.level} school, {loc.enrollment:,} students, {cluster}."
    else:
        about = f"{loc.name} ({loc.code}): district office."
    out = [_header("grants", 3), f"# {about}\n", f"location: {_q(loc.code)}\n", "grants:\n"]
    for e in entries:
        p = e.person
        granted, expires = _dates(e, catalog, policy)
        out.append(f"  - employee: {_q(p.employee)}  # {p.first} {p.last}, {p.position}\n"
                   f"    roles: {_flow(e.roles)}\n")
        if e.scope is not None:
            kind, value = e.scope
            out.append("    scope: {all_schools: true}\n" if kind == "all" else f"    scope: {{cluster: {value}}}\n")
        out.append(f"    granted: {granted.isoformat()}\n    expires: {expires.isoformat()}\n")
        if e.reason:
            out.append(f"    reason: {_s(e.reason)}\n")
    if out[-1] == "grants:\n":
        out[-1] = "grants: []\n"
    return "".join(out)


# --------------------------------------------------------------------------------------------- output


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def generate(out_dir: Path, params: Params, origin: str | None = None) -> Summary:
    """Write `out_dir/access/` for a district described by params, and count what was written."""
    out_dir = Path(out_dir)
    repo = Path(params.roles_from) if params.roles_from else REPO_ROOT
    catalog = load_catalog(repo)
    policy = load_policy(repo)
    d = build(params, catalog, policy)
    origin = origin or (f"benchmarks/synth.py, seed {params.seed}, {params.schools} schools, "
                        f"{params.staff} staff")
    access = out_dir / "access"
    _write(access / "district.yaml", _district_yaml(d, origin))
    _write(access / "groups.yaml", _groups_yaml(d))
    _write(access / "staff.yaml", _staff_yaml(d, origin))

    clusters = {c.code: c for c in d.clusters}
    summary = Summary(schools=len(d.schools), clusters=len(d.clusters), offices=len(d.offices),
                      staff=len(d.people), contractors=sum(p.contractor for p in d.people),
                      warnings=list(d.warnings))
    holders: set[str] = set()
    by_category: dict[str, int] = {}
    written: dict[Path, None] = {}
    for loc, folder in [(s, "schools") for s in d.schools] + [(o, "offices") for o in d.offices]:
        entries = list(d.book.entries.get(loc.code, {}).values())
        path = access / folder / loc.code / "grants.yaml"
        _write(path, _grants_yaml(loc, entries, catalog, clusters, policy))
        written[path] = None
        summary.grant_files += 1
        summary.grants += len(entries)
        for e in entries:
            holders.add(e.person.employee)
            summary.role_grants += len(e.roles)
            summary.scoped_grants += e.scope is not None
            for r in e.roles:
                by_category[catalog[r].category] = by_category.get(catalog[r].category, 0) + 1
    summary.staff_with_grants = len(holders)
    summary.grants_by_category = dict(sorted(by_category.items()))
    # Grants files of schools and offices this district no longer has.
    for folder in ("schools", "offices"):
        for stale in sorted((access / folder).glob("*/grants.yaml")):
            if stale not in written:
                stale.unlink()
                if not any(stale.parent.iterdir()):
                    stale.parent.rmdir()
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), help="demo: the committed demo district; "
                        "full: 1,000 schools and 75,000 staff for the benchmark")
    parser.add_argument("--out", type=Path, required=True, help="repository to write access/ into")
    parser.add_argument("--schools", type=int)
    parser.add_argument("--clusters", type=int)
    parser.add_argument("--offices", type=int)
    parser.add_argument("--staff", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--roles-from", type=Path,
                        help="repository whose roles/*.yaml to fit (default: this checkout)")
    args = parser.parse_args(argv)
    params = PRESETS[args.preset] if args.preset else Params()
    overrides: dict[str, Any] = {k: getattr(args, k) for k in ("schools", "clusters", "offices", "staff", "seed")
                                 if getattr(args, k) is not None}
    if args.roles_from is not None:
        overrides["roles_from"] = args.roles_from
    if args.preset is None or "schools" in overrides:
        overrides["level_mix"] = None  # explicit sizes: the default mix of levels
    params = Params(**{**asdict(params), **overrides})
    origin = (f"`python -m benchmarks.synth --preset {args.preset}`" if args.preset and not overrides
              else f"benchmarks/synth.py, seed {params.seed}")
    try:
        summary = generate(args.out, params, origin)
    except ValueError as exc:
        parser.error(str(exc))
    for key, value in asdict(summary).items():
        if key == "warnings":
            continue
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v:,}")
        else:
            print(f"{key}: {value:,}")
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
