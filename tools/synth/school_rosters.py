"""Who works at a school: the fixed roster (sized by enrollment, level and the quotas), the teachers with a
second duty, and the itinerant staff who serve several schools of one local district."""

from __future__ import annotations

import random

from tools.synth.book import Book
from tools.synth.people import Slot
from tools.synth.places import Location
from tools.synth.presets import CERT, CLASS


def school_slots(school: Location, book: Book, rng: random.Random) -> list[Slot]:
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


def teacher_extras(school: Location, rng: random.Random) -> list[tuple[str, tuple[str, ...]]]:
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

