"""Six-monthly access reviews and account use (RB7xx).

Each school reviews who can reach its data every six months, and removal is never automatic; these
rules make a review count only when it is complete and done by someone entitled to do it, and flag
schools whose review is overdue and accounts nobody uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rolebook.facts.dormancy import LoginFlag, login_flags
from rolebook.facts.review_status import overdue_reviews
from rolebook.facts.reviewers import (
    designated_reviewers,
    designated_reviewers_at,
    evidence_commit,
    is_office,
    login_index,
)
from rolebook.loading import Repository
from rolebook.loading.records import REVIEW_HINT, LoadedReview, ReviewSet, review_school
from rolebook.model.findings import Finding, Severity
from rolebook.model.review import Decision, ReviewFile, ReviewStatus, add_months
from rolebook.paths import DISTRICT_FILE, LOGINS_FILE
from rolebook.policy.rules.base import Context, Need, Rule, register


def _reviews(context: Context) -> ReviewSet:
    """The review files, as the loader read them (once, on first use): the rules do no I/O."""
    return context.repo.reviews


def _current(context: Context, review: LoadedReview) -> bool:
    """False for completed reviews older than the review interval: they are history, judged when merged.

    People move on; a principal who left since does not make last year's evidence wrong.
    """
    if review.model.status is not ReviewStatus.completed:
        return True
    interval = context.repo.policy.review_interval_months
    return add_months(review.effective_date, interval) >= context.today


class _ReviewRule(Rule):
    sources = ("000",)
    local = False  # a review PR changes no grants file, so every review file is checked every time
    needs = frozenset({Need.CHANGED_LOCATIONS, Need.REVIEW_RECORDS})

    def at(self, review: LoadedReview, message: str, hint: str, *path: str | int,
           employee: str | None = None, key: tuple[str, ...] = ()) -> Finding:
        return self.finding(review.file, review.line_of(*path), message, hint, location=review.school,
                            employee=employee, key=key or (review.school, review.period))


@register
class ReviewFileInvalid(_ReviewRule):
    """A review file cannot be read.

    Why: a review is the evidence that a school looked at who can reach its data "every 6 months"
    (000); a file that cannot be read proves nothing.

    Fix: correct the line named; `rolebook review open` writes a well-formed file to start from.

    .. rule-example:: fail

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: finished
          items: []

    .. rule-example:: pass

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: open
          reviewer: pat-park
          items:
            - {employee: "10000003", roles: [teacher], via: direct, decision: null, reason: null}
    """

    code = "RB700"
    name = "review-file-invalid"
    severity = Severity.error
    summary = "A review file cannot be read (bad YAML, unknown field, wrong school or period)."

    def check(self) -> Iterable[Finding]:
        for error in _reviews(self.context).errors:
            yield Finding(self.code, self.effective_severity, error.file, error.line, error.message,
                          error.hint or REVIEW_HINT, column=error.column, location=review_school(error.file),
                          key=(error.file, error.message))


@register
class ReviewIncomplete(_ReviewRule):
    """A submitted or completed review leaves a grant undecided, or a decision unexplained.

    Why: the review must cover "the information needed to remove or change access for employees that
    have left the school, or no longer need to view confidential student records" (000); a grant
    nobody decided on was not reviewed. A review with `status: open` is still being filled in.

    Fix: give every item a decision (keep, remove, or change with the new roles in `change_to`), a
    reason for remove and change, and the reviewer and `reviewed_on` date, or set `status: open`.

    .. rule-example:: fail

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: submitted
          reviewer: pat-park
          reviewed_on: 2026-11-20
          items:
            - {employee: "10000002", roles: [office-manager, health-office], via: direct, decision: keep, reason: null}
            - {employee: "10000003", roles: [teacher], via: direct, decision: null, reason: null}

    .. rule-example:: pass

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: submitted
          reviewer: pat-park
          reviewed_on: 2026-11-20
          items:
            - {employee: "10000002", roles: [office-manager, health-office], via: direct, decision: keep, reason: null}
            - {employee: "10000003", roles: [teacher], via: direct, decision: remove, reason: Left the school in June}
    """

    code = "RB701"
    name = "review-incomplete"
    severity = Severity.error
    summary = "A submitted or completed review has undecided items or decisions without a reason."

    def check(self) -> Iterable[Finding]:
        for review in _reviews(self.context).reviews:
            if review.model.status.must_be_complete:
                yield from self._check(review)

    def _check(self, review: LoadedReview) -> Iterator[Finding]:
        model = review.model
        status = model.status.value
        if model.reviewer is None:
            yield self.at(review, f"the review is {status} but names no reviewer",
                          "set reviewer: to the Git username of the principal who reviewed", "status")
        if model.status is ReviewStatus.completed and model.reviewed_on is None:
            yield self.at(review, "the review is completed but has no reviewed_on date",
                          "set reviewed_on: YYYY-MM-DD, the day the review was finished", "status")
        for index, item in enumerate(model.items):
            who = f"{item.employee} ({', '.join(item.roles)}, {item.via})"
            key = (model.school, model.period, item.employee, ",".join(item.roles), item.via)
            if item.decision is None:
                yield self.at(review, f"no decision for {who}",
                              "set decision: keep, remove or change, or set status: open while still reviewing",
                              "items", index, "decision", employee=item.employee, key=key)
                continue
            if item.decision in {Decision.remove, Decision.change} and not (item.reason or "").strip():
                yield self.at(review, f"the decision to {item.decision.value} access of {who} gives no reason",
                              "add reason: with a few words, e.g. 'left the school in June'",
                              "items", index, "decision", employee=item.employee, key=key)
            if item.decision is Decision.change and not item.change_to:
                yield self.at(review, f"the change to {who} does not say what to change to",
                              "list the new roles, e.g. change_to: [teacher]",
                              "items", index, "decision", employee=item.employee, key=key)
            if item.decision is not Decision.change and item.change_to is not None:
                yield self.at(review, f"{who} has change_to but the decision is {item.decision.value}",
                              "set decision: change, or delete change_to",
                              "items", index, "change_to", employee=item.employee, key=key)


@register
class ReviewerNotDesignated(_ReviewRule):
    """The reviewer is not a designated reviewer of the school (or office).

    Why: the administrators who approve a school's access are the ones who review it (000): a holder
    of an approver role there (`approver_roles`, the principal), known by the Git username in the
    staff directory, or a member of the school's cluster approvers group. A completed review is
    judged by the data of the commit that completed it: a principal suspended or moved since does not
    make last term's evidence wrong (a change that writes the review is judged by its own data).
    An office's designated reviewers are its approver group (`approvers` in access/district.yaml) and
    the level above it, who decide the approvers' own items: its cluster's approvers group, else the
    access administrators.

    Fix: set `reviewer:` (or `decided_by:` on an item) to one of the designated reviewers the
    message lists, or give the principal a `git_username` in `access/staff.yaml`.

    .. rule-example:: fail

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: submitted
          reviewer: ngozi-o
          reviewed_on: 2026-11-20
          items:
            - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}

    .. rule-example:: pass

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: submitted
          reviewer: pat-park
          reviewed_on: 2026-11-20
          items:
            - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
            - {employee: "10000001", roles: [principal], via: direct, decision: keep, reason: null, decided_by: lee-ld}
    """

    code = "RB702"
    name = "reviewer-not-designated"
    severity = Severity.error
    summary = "A review is done by someone who is not the school's approver or its cluster's approvers."

    def check(self) -> Iterable[Finding]:
        context = self.context
        for review in _reviews(context).reviews:
            if not _current(context, review):
                continue
            allowed = designated_reviewers(context.repo, review.school, context.accesses)
            model = review.model
            if _names_outsider(model, allowed):
                allowed = _designated_then(context, review) or allowed
            kind = _kind(context.repo, model.school)
            shown = ", ".join(sorted(allowed)) or f"nobody: no approver at this {kind} has a Git username"
            if model.reviewer is not None and model.reviewer.lower() not in allowed:
                yield self.at(review, f"{model.reviewer} is not a designated reviewer of {kind} {model.school}",
                              f"designated reviewers: {shown}", "reviewer")
            for index, item in enumerate(model.items):
                if item.decided_by is not None and item.decided_by.lower() not in allowed:
                    yield self.at(review, f"{item.decided_by} decided on {item.employee} but is not a designated "
                                  f"reviewer of {kind} {model.school}", f"designated reviewers: {shown}",
                                  "items", index, "decided_by", employee=item.employee,
                                  key=(model.school, model.period, item.employee, "decided_by"))


def _kind(repo: Repository, code: str) -> str:
    return "office" if is_office(repo, code) else "school"


def _names_outsider(model: ReviewFile, allowed: dict[str, str]) -> bool:
    names = [model.reviewer] + [item.decided_by for item in model.items]
    return any(name is not None and name.lower() not in allowed for name in names)


def _designated_then(context: Context, review: LoadedReview) -> dict[str, str] | None:
    """A completed review's designated reviewers in the data of the commit that completed it.

    Evidence is judged when it is made: a principal suspended since does not make it wrong. Only a
    review unchanged since that commit counts (the file as the commit has it), and in pull-request mode
    only one the change leaves alone: a review the change writes is judged by the change's own data.
    """
    if review.model.status is not ReviewStatus.completed:
        return None
    if context.base is not None:
        before = next((r for r in context.base.reviews.reviews if r.file == review.file), None)
        if before is None or before.model != review.model:
            return None
    commit = evidence_commit(context.repo.root, review.file)
    return designated_reviewers_at(context.repo, commit, review.school) if commit else None


@register
class ReviewSelfDecision(_ReviewRule):
    """Someone decided on their own access.

    Why: nobody reviews their own access. A principal's own access is approved by the local district
    in the first place (000), so the cluster's approvers review it too.

    Fix: leave that item to a member of the cluster's approvers group, who sets the decision and
    `decided_by:` with their Git username (`rolebook review decide ... --reviewer LOGIN`).

    .. rule-example:: fail

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: open
          reviewer: pat-park
          items:
            - {employee: "10000001", roles: [principal], via: direct, decision: keep, reason: null}

    .. rule-example:: pass

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: open
          reviewer: pat-park
          items:
            - {employee: "10000001", roles: [principal], via: direct, decision: keep, reason: null, decided_by: lee-ld}
    """

    code = "RB703"
    name = "review-self-decision"
    severity = Severity.error
    summary = "A reviewer decided on their own access."

    def check(self) -> Iterable[Finding]:
        context = self.context
        logins = login_index(context.repo)
        for review in _reviews(context).reviews:
            if not _current(context, review):
                continue
            for index, item in enumerate(review.model.items):
                decider = item.decided_by or review.model.reviewer
                if item.decision is None or decider is None or logins.get(decider.lower()) != item.employee:
                    continue
                yield self.at(review, f"{decider} decided on their own access ({', '.join(item.roles)})",
                              "leave the decision to the cluster's approvers: they set decision and "
                              "decided_by: <their Git username> on this item", "items", index, "decision",
                              employee=item.employee, key=(review.school, review.period, item.employee, "self"))


@register
class ReviewOverdue(_ReviewRule):
    """A school's (or office's) last completed access review is older than the review interval, or there is none.

    Why: schools review who can reach their data "every 6 months" (000), and removal "is not
    automatic in any situation" (000): without the review, leavers and movers keep their access.
    The interval is `review_interval_months` in `roles/policy.yaml`.

    Offices are reviewed on the same interval as schools.

    Fix: `rolebook review open --school CODE` (an office's code too); the review counts once completed
    and merged.

    .. rule-example:: fail

        access/schools/100/reviews/2026-H1.yaml: |
          school: "100"
          period: 2026-H1
          status: completed
          reviewer: pat-park
          reviewed_on: 2026-03-02
          items:
            - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}

    .. rule-example:: pass

        access/schools/100/reviews/2026-H2.yaml: |
          school: "100"
          period: 2026-H2
          status: completed
          reviewer: pat-park
          reviewed_on: 2026-09-15
          items:
            - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
        access/schools/200/reviews/2026-H2.yaml: |
          school: "200"
          period: 2026-H2
          status: completed
          reviewer: ngozi-o
          reviewed_on: 2026-09-16
          items:
            - {employee: "20000002", roles: [counselor], via: direct, decision: keep, reason: null}
        access/offices/SPEDOPS/reviews/2026-H2.yaml: |
          school: SPEDOPS
          period: 2026-H2
          status: completed
          reviewer: olga-sped
          reviewed_on: 2026-09-16
          items:
            - {employee: "30000001", roles: [sped-viewers], via: direct, decision: keep, reason: null}
        access/offices/ITD/reviews/2026-H2.yaml: |
          school: ITD
          period: 2026-H2
          status: completed
          reviewer: ada-itd
          reviewed_on: 2026-09-16
          items:
            - {employee: "90000005", roles: [district-administrator], via: cluster ld-test, decision: keep}
    """

    code = "RB704"
    name = "review-overdue"
    severity = Severity.warning
    summary = "A school or office has no completed access review within the review interval."

    def check(self) -> Iterable[Finding]:
        context = self.context
        months = context.repo.policy.review_interval_months
        repo = context.repo
        position = {code: ("offices", index) for index, code in enumerate(repo.offices)}
        position.update({code: ("schools", index) for index, code in enumerate(repo.schools)})
        for late in overdue_reviews(repo, context.today):
            if not context.in_scope(late.school):  # pull-request mode: only the locations the change touches
                continue
            kind = _kind(repo, late.school)
            if late.never_reviewed:
                line = repo.locate(DISTRICT_FILE, (*position[late.school], "code"))
                yield self.finding(
                    DISTRICT_FILE, line, f"{kind} {late.school} ({late.name}) has never completed an access review",
                    f"run `rolebook review open --school {late.school}`; reviews are due every {months} months",
                    location=late.school, key=(late.school, "never"))
                continue
            latest = late.latest
            assert latest is not None
            yield self.finding(
                latest.file, latest.line_of("reviewed_on"),
                f"the last access review of {kind} {late.school} ({late.name}) was {late.last_period}, "
                f"due again on {late.due_on}",
                f"run `rolebook review open --school {late.school}`; reviews are due every {months} months",
                location=late.school, key=(late.school, "overdue"))


class _LoginRule(Rule):
    sources = ("002",)
    local = True
    needs = frozenset({Need.CHANGED_LOCATIONS, Need.LOGIN_RECORDS})
    kind = ""

    def check(self) -> Iterable[Finding]:
        context = self.context
        stored = context.repo.logins  # read by the loader, once, on first use
        if not stored.present:
            return
        if stored.errors:
            if self.kind == "dormant":  # said once, not by both login rules
                problem = stored.errors[0]
                yield self.finding(problem.file, problem.line, f"the login data cannot be read: {problem.message}",
                                   problem.hint, key=(LOGINS_FILE,))
            return
        accesses = [a for a in context.accesses if context.in_scope(a.location)]
        for flag in login_flags(context.repo, accesses, stored.records, context.today):
            if flag.kind == self.kind:
                access = flag.access
                # Per role, as the MIS's Last Login is: the key names the roles, so a second role
                # going unused at the same place is a new finding, not the old one again.
                yield self.at_grant(access.source, access.index, self.message(flag), self.hint(flag),
                                    key=(flag.location, flag.employee, *flag.roles))

    def message(self, flag: LoginFlag) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def hint(self, flag: LoginFlag) -> str:
        roles = " ".join(f"--role {role}" for role in flag.roles)
        return (f"if they no longer need it, remove it (`rolebook revoke --employee {flag.employee} "
                f"--school {flag.location} {roles}`); the next access review decides otherwise")


@register
class DormantAccount(_LoginRule):
    """Someone holds a role at a location but has not logged in with it there for a long time.

    Why: "remove redundant user accounts as soon as possible" (002, section 7); an account nobody
    uses is a risk without a benefit. The district's Last Login is "the last time the user
    successfully logged in with that user role" (000), so each role is judged on its own: a Health
    Office role unused for months is flagged while the same person's Office Manager role is used
    daily. Login data comes from the MIS export (`rolebook logins import`); the limit is the role's
    `dormant_after_days` when it sets one, else `dormant_after_days` (90) in `roles/policy.yaml`. An
    export with one last login per person and location (no role column) judges every role there by it.

    Fix: remove the role if it is no longer needed (`rolebook revoke --role`), or keep it at the next
    access review.

    .. rule-example:: fail

        access/logins.csv: |
          employee_number,location_code,role,last_login
          10000003,100,teacher,2026-03-01T08:00:00Z

    .. rule-example:: fail

        access/logins.csv: |
          employee_number,location_code,role,last_login
          10000002,100,office-manager,2026-11-20T08:00:00Z
          10000002,100,health-office,2026-04-24T08:00:00Z

    .. rule-example:: pass

        access/logins.csv: |
          employee_number,location_code,role,last_login
          10000002,100,office-manager,2026-11-20T08:00:00Z
          10000002,100,health-office,2026-11-02T08:00:00Z
          10000003,100,teacher,2026-11-20T08:00:00Z
    """

    code = "RB705"
    name = "dormant-account"
    severity = Severity.warning
    summary = "A role not used for its dormant_after_days (else the policy's) at that location."
    kind = "dormant"

    def message(self, flag: LoginFlag) -> str:
        last = flag.last_login.date().isoformat() if flag.last_login else "never"
        return (f"{flag.employee} has not used {', '.join(flag.roles)} at {flag.location} for {flag.days} days "
                f"(last login in that role {last}; dormant after {flag.limit} days)")


@register
class NeverLoggedIn(_LoginRule):
    """Someone has held a role at a location for a long time but never logged in with it there.

    Why: access granted and never used is usually access that was not needed, or was granted at the
    wrong school (002, section 7: remove redundant accounts). As for RB705, each role is judged on
    its own (the MIS's Last Login is per user role). New grants get the role's `dormant_after_days`
    (else the policy's) to be used first.

    Fix: remove the access if it is not needed, or check the grant names the right location.

    .. rule-example:: fail

        access/logins.csv: |
          employee_number,location_code,role,last_login
          10000002,100,office-manager,2026-11-20T08:00:00Z

    .. rule-example:: pass

        access/logins.csv: |
          employee_number,location_code,role,last_login
          10000001,100,principal,2026-11-20T08:00:00Z
          10000002,100,office-manager,2026-11-20T08:00:00Z
          10000002,100,health-office,2026-11-20T08:00:00Z
          10000003,100,teacher,2026-11-20T08:00:00Z
          20000001,200,principal,2026-11-20T08:00:00Z
          20000002,200,counselor,2026-11-20T08:00:00Z
          20000003,200,office-manager,2026-11-20T08:00:00Z
          30000001,SPEDOPS,sped-viewers,2026-11-20T08:00:00Z
          90000005,100,district-administrator,2026-11-20T08:00:00Z
          90000005,200,district-administrator,2026-11-20T08:00:00Z
    """

    code = "RB706"
    name = "never-logged-in"
    severity = Severity.notice
    summary = "A role held for its dormant_after_days (else the policy's) and never used at that location."
    kind = "never"

    def message(self, flag: LoginFlag) -> str:
        return (f"{flag.employee} has held {', '.join(flag.roles)} at {flag.location} for {flag.days} days and "
                f"never logged in with it there")
