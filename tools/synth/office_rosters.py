"""Who works at an office: each central office's roster, the programs an office hosts when the district
has no dedicated office for them, the local district offices, and the filler staff of every office."""

from __future__ import annotations

from tools.synth.people import Slot
from tools.synth.places import Location
from tools.synth.presets import CERT, CLASS

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



def program_roster(program: str) -> list[Slot]:
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


def office_slots(office: Location, offices: list[Location], clusters: list[Location]) -> list[Slot]:
    """One office's roster: its own duties, the programs it hosts, and a director to approve if nobody else does."""
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
            program_slots = program_roster(program)
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
