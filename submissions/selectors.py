"""Reads of submissions, scoped to a workshop and a person. Blindness and conflicts live here."""

import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, reduce

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import Contains
from django.http import Http404

from submissions.enums import ConflictReason, ConflictSource, FileKind
from submissions.models import Conflict, Submission, SubmissionAuthor, SubmissionFile, reversed_domain
from workshop.affiliations import PUBLIC_EMAIL_DOMAINS, institutional_domain, normalise_affiliation
from workshop.enums import EmailAudience, Role
from workshop.models import OutboxEmail, OutboxEmailPaper, User
from workshop.selectors import outbox_of, papers_in_conflict_from


def verified_emails(user) -> set[str]:
    """The person's verified addresses, lower-cased; an author entry with one of them is theirs."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_verified_emails_cache"):
        emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        user._verified_emails_cache = {email.lower() for email in emails}
    return user._verified_emails_cache


def _with_details(queryset):
    return queryset.select_related("workshop", "primary_direction").prefetch_related(
        Prefetch("authors", queryset=SubmissionAuthor.objects.order_by("order")),
        Prefetch("files", queryset=SubmissionFile.objects.order_by("kind", "-version")),
        "secondary_directions",
    )


def submissions_of_author(user, workshop=None):
    """Every submission that lists one of the person's verified emails, newest first."""
    queryset = Submission.objects.filter(authors__email__in=verified_emails(user)).distinct()
    if workshop is not None:
        queryset = queryset.filter(workshop=workshop)
    return _with_details(queryset).order_by("-created_at")


def submission_for_author(user, workshop, pk) -> Submission:
    """The submission if the person is one of its authors; 404 otherwise (its existence does not leak)."""
    submission = submissions_of_author(user, workshop).filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


# --- conflicts of interest --------------------------------------------------------------------
#
# Person U is in conflict with paper P when
# 1. U is an author of P (one of U's verified emails is listed): never liftable; otherwise
# 2. a chair's ruling on the pair (a Conflict row with source CHAIR) decides, either way; otherwise
# 3. any of: the authors declared U (conflicted_members); an institution domain the authors named
#    matches one of U's domains; one of the authors' institutional email domains matches one of U's;
#    U's normalised affiliation equals an author's; U declared the conflict (a "conflict" bid).
#
# U's domains are their login email's domain and the domains on their account, public mail
# providers left out. Two domains match when they are equal or one is a subdomain of the other
# with at least two labels: cs.ox.ac.uk matches ox.ac.uk (either way round), mpg.de does not match
# notmpg.de, and nothing matches a bare top-level "uk".
#
# The rule is written three times, for three costs: in Python for one pair (is_conflicted,
# conflict_reasons), in SQL for one person (conflicted_submissions), and in Python with lookup
# tables for many pairs (conflict_pairs). tests/submissions/test_conflicts.py holds them equal.


def _lineage(domain) -> list[str]:
    """The domain and its parents that still have two labels: a.b.ox.ac.uk → [a.b.ox.ac.uk, b.ox.ac.uk,
    ox.ac.uk, ac.uk]. Two domains match when one is in the other's lineage."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(max(len(labels) - 1, 1))]


def domains_match(a, b) -> bool:
    """Whether two email domains name the same institution: equal, or one a subdomain of the other."""
    return a == b or (b.endswith("." + a) and "." in a) or (a.endswith("." + b) and "." in b)


def _user_domains(email, email_domains) -> set[str]:
    """The person's institutional domains: their login email's and those on their account."""
    domains = {institutional_domain(email), *(institutional_domain("@" + d) for d in email_domains or [])}
    return domains - {""}


@dataclass(frozen=True)
class _Person:
    pk: int | None
    emails: frozenset  # verified, lower-cased
    domains: frozenset  # institutional
    affiliation_key: str


@dataclass(frozen=True)
class _Paper:
    pk: int
    author_emails: frozenset
    author_domains: frozenset  # institutional
    affiliation_keys: frozenset
    named_domains: tuple
    declared: frozenset  # user ids the authors declared


def _person(user) -> _Person:
    if not user.is_authenticated:
        return _Person(None, frozenset(), frozenset(), "")
    return _Person(
        user.pk,
        frozenset(verified_emails(user)),
        frozenset(_user_domains(user.email, user.email_domains)),
        normalise_affiliation(user.affiliation),
    )


@lru_cache(maxsize=1 << 16)
def _institution(domain) -> str:
    """institutional_domain of an address at this domain, once per domain: a conference has
    86,000 author addresses at a few hundred domains."""
    return institutional_domain("@" + domain)


def _paper(submission, authors, declared_ids) -> _Paper:
    """`authors`: (email, affiliation_key) pairs."""
    emails = frozenset(email.lower() for email, _ in authors)
    return _Paper(
        submission.pk,
        emails,
        frozenset(_institution(email.rpartition("@")[2]) for email in emails) - {""},
        frozenset(key for _, key in authors if key),
        tuple(domain.lower() for domain in submission.conflict_domains or []),
        frozenset(declared_ids),
    )


def _paper_of(submission) -> _Paper:
    """The paper's facts from its prefetched relations (or a query each when not prefetched)."""
    authors = [(a.email, a.affiliation_key) for a in submission.authors.all()]
    return _paper(submission, authors, {member.pk for member in submission.conflicted_members.all()})


def _found_reasons(person, paper, declared_by_person) -> list[ConflictReason]:
    """Rule 3: the reasons found before any chair's ruling."""
    reasons = []
    if person.pk in paper.declared:
        reasons.append(ConflictReason.DECLARED)
    if any(domains_match(named, mine) for named in paper.named_domains for mine in person.domains):
        reasons.append(ConflictReason.INSTITUTION)
    if any(domains_match(theirs, mine) for theirs in paper.author_domains for mine in person.domains):
        reasons.append(ConflictReason.DOMAIN)
    if person.affiliation_key and person.affiliation_key in paper.affiliation_keys:
        reasons.append(ConflictReason.AFFILIATION)
    if declared_by_person:
        reasons.append(ConflictReason.REVIEWER)
    return reasons


def _assess(person, paper, rows) -> tuple[list[ConflictReason], list[ConflictReason]]:
    """(the reasons in force, the reasons found before a chair's ruling) for one pair; `rows`
    maps a ConflictSource to that row's is_conflict. No reasons in force: not in conflict."""
    if person.emails & paper.author_emails:
        return [ConflictReason.AUTHOR], [ConflictReason.AUTHOR]
    found = _found_reasons(person, paper, rows.get(ConflictSource.REVIEWER) is True)
    ruling = rows.get(ConflictSource.CHAIR)
    if ruling is None:
        return found, found
    return ([ConflictReason.CHAIR, *found] if ruling else []), found


def is_author(user, submission) -> bool:
    emails = verified_emails(user)
    return any(author.email.lower() in emails for author in submission.authors.all())


def is_conflicted(user, submission) -> bool:
    """Whether the person may neither handle nor see this paper (the rule above). Reads the
    paper's authors, declared members and conflict rows from prefetched relations when there."""
    person = _person(user)
    if person.pk is None:
        return False
    if "conflicts" in getattr(submission, "_prefetched_objects_cache", {}):
        rows = {row.source: row.is_conflict for row in submission.conflicts.all() if row.user_id == person.pk}
    else:
        rows = dict(Conflict.objects.filter(submission=submission, user=user).values_list("source", "is_conflict"))
    return bool(_assess(person, _paper_of(submission), rows)[0])


def conflicted_submissions(user, workshop, *, ignore_own_declaration=False):
    """The workshop's submissions `user` is in conflict with, as one queryset (the rule above).

    `ignore_own_declaration` leaves out the person's own "conflict" bid (and only that), so that
    the bidding page can still show the paper and let them take the bid back."""
    if not user.is_authenticated:
        return Submission.objects.none()
    person = _person(user)
    # The subqueries are not joined to the workshop: the outer query keeps its papers only.
    rows = Conflict.objects.filter(user_id=user.pk)
    authored = SubmissionAuthor.objects.filter(email__in=person.emails).values("submission_id")
    declared = Submission.conflicted_members.through.objects.filter(user_id=user.pk).values("submission_id")
    found = Q(pk__in=declared)
    # The authors' domains are matched on SubmissionAuthor.reversed_domain, through its index: the
    # domain or one above it is an equal value, a domain below it a prefix (uk.ac.ox.* for ox.ac.uk).
    author_match, same_or_above = [], set()
    named_domains = Cast("conflict_domains", TextField())
    for domain in person.domains:
        # Named domains are matched inside the JSON list's text, quotes included ("mpg.de" is not
        # "notmpg.de"); this works alike on SQLite and PostgreSQL. The form stores them lower-cased
        # (parse_email_domains), so the match need not fold case: on PostgreSQL, upper-casing every
        # paper's list made this scan four times slower.
        for parent in _lineage(domain):
            found |= Contains(named_domains, f'"{parent}"')
            if parent not in PUBLIC_EMAIL_DOMAINS:
                same_or_above.add(reversed_domain(parent))
        if "." in domain:
            found |= Contains(named_domains, f'.{domain}"')
            below = Q(reversed_domain__startswith=reversed_domain(domain) + ".")
            for public in PUBLIC_EMAIL_DOMAINS:
                if public.endswith(f".{domain}"):
                    below &= ~Q(reversed_domain=reversed_domain(public))
            author_match.append(below)
    if same_or_above:
        author_match.append(Q(reversed_domain__in=sorted(same_or_above)))
    if person.affiliation_key:
        author_match.append(Q(affiliation_key=person.affiliation_key))
    if author_match:
        matching_authors = SubmissionAuthor.objects.filter(reduce(operator.or_, author_match))
        found |= Q(pk__in=matching_authors.values("submission_id"))
    if not ignore_own_declaration:
        found |= Q(pk__in=rows.filter(source=ConflictSource.REVIEWER, is_conflict=True).values("submission_id"))
    rulings = rows.filter(source=ConflictSource.CHAIR)
    rule = (
        Q(pk__in=authored)
        | Q(pk__in=rulings.filter(is_conflict=True).values("submission_id"))
        | (found & ~Q(pk__in=rulings.filter(is_conflict=False).values("submission_id")))
    )
    return Submission.objects.filter(rule, workshop=workshop)


def _people(users) -> dict[int, _Person]:
    """The facts of many people in two queries, whatever their number."""
    ids = [getattr(user, "pk", user) for user in users]
    emails = defaultdict(set)
    for user_id, email in EmailAddress.objects.filter(user_id__in=ids, verified=True).values_list("user_id", "email"):
        emails[user_id].add(email.lower())
    return {
        pk: _Person(pk, frozenset(emails[pk]), frozenset(_user_domains(email, domains)), normalise_affiliation(aff))
        for pk, email, domains, aff in User.objects.filter(pk__in=ids).values_list(
            "pk", "email", "email_domains", "affiliation"
        )
    }


# More ids than this are not sent in the query: the workshop's rows are read and picked here. A
# list of 20,000 ids costs more to send and to plan than the rows it leaves out.
MANY_IDS = 1000


def _papers(workshop, submissions) -> dict[int, _Paper]:
    """The facts of many papers of the workshop in three queries, whatever their number."""
    ids = [getattr(submission, "pk", submission) for submission in submissions]
    of_papers = {"submission__workshop": workshop} if len(ids) > MANY_IDS else {"submission_id__in": ids}
    authors, declared = defaultdict(list), defaultdict(set)
    for submission_id, email, key in SubmissionAuthor.objects.filter(**of_papers).values_list(
        "submission_id", "email", "affiliation_key"
    ):
        authors[submission_id].append((email, key))
    for submission_id, user_id in Submission.conflicted_members.through.objects.filter(**of_papers).values_list(
        "submission_id", "user_id"
    ):
        declared[submission_id].add(user_id)
    papers = Submission.objects.filter(workshop=workshop).only("pk", "conflict_domains")
    if len(ids) <= MANY_IDS:
        papers = papers.filter(pk__in=ids)
    wanted = set(ids)
    return {paper.pk: _paper(paper, authors[paper.pk], declared[paper.pk]) for paper in papers if paper.pk in wanted}


def _rows_of(workshop, paper_ids, user_ids) -> dict[tuple[int, int], dict[str, bool]]:
    """Conflict rows by (submission id, user id), as {source: is_conflict}, in one query."""
    rows = Conflict.objects.filter(submission__workshop=workshop)
    if len(paper_ids) <= MANY_IDS:
        rows = rows.filter(submission_id__in=paper_ids)
    if len(user_ids) <= MANY_IDS:
        rows = rows.filter(user_id__in=user_ids)
    papers, users = set(paper_ids), set(user_ids)
    found = defaultdict(dict)
    for submission_id, user_id, source, value in rows.values_list("submission_id", "user_id", "source", "is_conflict"):
        if submission_id in papers and user_id in users:
            found[submission_id, user_id][source] = value
    return found


def conflict_reasons(submission, users) -> dict[int, list[ConflictReason]]:
    """Why each person is in conflict with the paper, by user id, for the chairs' page: an empty
    list when not in conflict (also when a chair lifted the conflict). Constant queries."""
    people = _people(users)
    paper = _papers(submission.workshop_id, [submission])[submission.pk]
    rows = _rows_of(submission.workshop_id, [submission.pk], list(people))
    return {pk: _assess(person, paper, rows.get((submission.pk, pk), {}))[0] for pk, person in people.items()}


def conflict_pairs(workshop, submissions, users) -> set[tuple[int, int]]:
    """Every (submission id, user id) pair in conflict, among these submissions of the workshop
    and these people (instances or ids), for the assignment. Six queries whatever the sizes; the
    matching is done with lookup tables (domain → people, affiliation → people, email → person)
    rather than 300 million comparisons: 20,000 papers by 15,000 people, two million pairs in
    conflict, take about three seconds on SQLite, two of them reading the rows."""
    people = _people(users)
    papers = _papers(workshop, submissions)
    return _pairs(people, papers, _rows_of(workshop, list(papers), list(people)))


def pairs_in_conflict(workshop, pairs) -> set[tuple[int, int]]:
    """Which of these (submission id, user id) pairs of the workshop are in conflict, each judged
    by the one-pair rule (is_conflicted's): for a few pairs among many papers and people, such as
    a proposed assignment before it is committed, where conflict_pairs would find every paper's
    conflicts with everyone. Five queries whatever the number of pairs."""
    pairs = set(pairs)
    people = _people({user_id for _, user_id in pairs})
    papers = _papers(workshop, {paper_id for paper_id, _ in pairs})
    rows = _rows_of(workshop, list(papers), list(people))
    return {
        (paper_id, user_id)
        for paper_id, user_id in pairs
        if paper_id in papers
        and user_id in people
        and _assess(people[user_id], papers[paper_id], rows.get((paper_id, user_id), {}))[0]
    }


def conflicts_by_paper(workshop, submissions, users) -> tuple[dict, list["PaperConflicts"]]:
    """conflict_pairs paper by paper, in groups: (members, one PaperConflicts per paper).

    `members` maps a group (the people whose domain matches one domain, or who share one
    affiliation) to their user ids; a paper names its groups rather than listing their people.
    The assignment fills its matrix of conflicts from that, a group's columns at a time, without
    a set of millions of people: 20,000 papers by 15,000 reviewers of seed_scale's institutions
    have 15 million pairs in conflict, but 1,200 groups."""
    people = _people(users)
    papers = _papers(workshop, submissions)
    return _conflict_groups(people, papers, _rows_of(workshop, list(papers), list(people)))


@dataclass(frozen=True)
class PaperConflicts:
    """One paper's conflicts, from conflicts_by_paper: the people in conflict with it are
    ((the members of its groups) | found) - lifted) | forced."""

    pk: int
    groups: tuple  # keys of the members dict
    found: frozenset  # declared by the authors, or by the person (a "conflict" bid)
    lifted: frozenset  # a chair ruled there is no conflict
    forced: frozenset  # a chair ruled there is one, or an author of the paper: never lifted

    def people(self, members) -> set[int]:
        conflicted = set(self.found).union(*(members[key] for key in self.groups))
        return (conflicted - self.lifted) | self.forced


def _pairs(people, papers, rows) -> set[tuple[int, int]]:
    """conflict_pairs on the facts already read: lookup tables instead of comparing every pair."""
    members, conflicts = _conflict_groups(people, papers, rows)
    return {(paper.pk, user_id) for paper in conflicts for user_id in paper.people(members)}


def _conflict_groups(people, papers, rows) -> tuple[dict, list[PaperConflicts]]:
    """The rule for many pairs, with lookup tables (domain → people, affiliation → people, email →
    person); each paper's conflicts as groups of people (see conflicts_by_paper)."""
    by_email, by_affiliation = defaultdict(set), defaultdict(set)
    by_domain, by_lineage = defaultdict(set), defaultdict(set)
    for person in people.values():
        for email in person.emails:
            by_email[email].add(person.pk)
        if person.affiliation_key:
            by_affiliation[person.affiliation_key].add(person.pk)
        for domain in person.domains:
            by_domain[domain].add(person.pk)
            for parent in _lineage(domain):
                by_lineage[parent].add(person.pk)

    members = {("affiliation", key): users for key, users in by_affiliation.items()}

    def domain_group(domain):
        """The group of the people with a domain that matches this one (see domains_match)."""
        key = ("domain", domain)
        if key not in members:
            found = set(by_lineage.get(domain, ()))  # theirs is this domain or below it
            for parent in _lineage(domain)[1:]:  # theirs is above it
                found |= by_domain.get(parent, set())
            members[key] = found
        return key

    found, set_by_chair, lifted = defaultdict(set), defaultdict(set), defaultdict(set)
    for (paper_id, user_id), sources in rows.items():
        if sources.get(ConflictSource.REVIEWER):
            found[paper_id].add(user_id)
        if ConflictSource.CHAIR in sources:
            (set_by_chair if sources[ConflictSource.CHAIR] else lifted)[paper_id].add(user_id)

    conflicts = []
    for paper in papers.values():
        groups = {domain_group(domain) for domain in (*paper.named_domains, *paper.author_domains)}
        groups.update(("affiliation", key) for key in paper.affiliation_keys if key in by_affiliation)
        authors = set().union(*(by_email.get(email, ()) for email in paper.author_emails))
        conflicts.append(
            PaperConflicts(
                paper.pk,
                tuple(sorted(key for key in groups if members[key])),
                frozenset(found[paper.pk] | (paper.declared & people.keys())),
                frozenset(lifted[paper.pk]),
                frozenset(set_by_chair[paper.pk] | authors),
            )
        )
    return members, conflicts


def workshop_members(workshop):
    """The workshop's reviewers and chairs, by name: the people conflicts are recorded for."""
    return (
        User.objects.filter(memberships__workshop=workshop, memberships__role__in=[Role.REVIEWER, Role.CHAIR])
        .distinct()
        .order_by("name", "email")
    )


@dataclass(frozen=True)
class MemberConflict:
    """One member's standing with a paper, for the chairs' page."""

    member: User
    reasons: list  # ConflictReasons in force; empty when a chair lifted the conflict
    found: list  # the ConflictReasons found before any chair's ruling
    ruling: Conflict | None  # the chairs' ruling, with created_by

    @property
    def is_lifted(self) -> bool:
        return self.ruling is not None and not self.ruling.is_conflict

    @property
    def may_be_lifted(self) -> bool:
        """No ruling yet and not an author: a chair may lift it (a ruling is cleared instead)."""
        return self.ruling is None and ConflictReason.AUTHOR not in self.reasons

    @property
    def reason_labels(self) -> list[str]:
        """The reasons in force, or the ones a chair lifted, in words; the ruling is shown apart."""
        return [ConflictReason(r).label for r in self.reasons or self.found if r != ConflictReason.CHAIR]


def member_conflicts(submission) -> list[MemberConflict]:
    """The workshop's members in conflict with the paper, and those whose conflict a chair lifted
    (or ruled on), by name. Seven queries, whatever the number of members and conflicts."""
    members = list(workshop_members(submission.workshop_id))
    people = _people(members)
    paper = _papers(submission.workshop_id, [submission])[submission.pk]
    rows, rulings = defaultdict(dict), {}
    for row in Conflict.objects.filter(submission=submission).select_related("created_by"):
        rows[row.user_id][row.source] = row.is_conflict
        if row.source == ConflictSource.CHAIR:
            rulings[row.user_id] = row
    listed = []
    for member in members:
        reasons, found = _assess(people[member.pk], paper, rows.get(member.pk, {}))
        if reasons or member.pk in rulings:
            listed.append(MemberConflict(member, reasons, found, rulings.get(member.pk)))
    return listed


@papers_in_conflict_from
def conflicted_paper_ids(user, workshop):
    """The ids of the papers the user is in conflict with, for the chairs' outbox (a subquery):
    an email concerning one of them names its authors or reviewers."""
    return conflicted_submissions(user, workshop).values("pk")


def submissions_for_chair(workshop):
    """All submissions of a workshop except drafts, for the chairs' list (conflicts are marked per
    row), with what the list shows of their authors. The primary direction is the workshop's
    (workshop_by_slug prefetched them): submission.primary_direction is not read from here."""
    authors = SubmissionAuthor.objects.order_by("order").only("submission_id", "order", "name", "affiliation")
    return Submission.objects.filter(workshop=workshop, number__isnull=False).prefetch_related(
        Prefetch("authors", queryset=authors)
    )


def submission_for_chair(user, workshop, pk) -> Submission:
    """A numbered submission of the workshop the chair is not in conflict with; 404 otherwise."""
    submission = _with_details(Submission.objects.filter(workshop=workshop, number__isnull=False, pk=pk)).first()
    if submission is None or is_conflicted(user, submission):
        raise Http404("No such submission.")
    return submission


def current_file(submission, kind=FileKind.PAPER):
    """The newest version of the paper (or supplementary material), from the prefetched files."""
    return next((f for f in submission.files.all() if f.kind == kind), None)


def emails_to_authors_of(submissions) -> dict[int, list[OutboxEmail]]:
    """The emails sent to the authors of these papers, grouped by paper id, newest first, in one
    query: those recorded as addressed to the paper's authors when they were written, whatever the
    author list says now. The other emails about a paper (to its reviewers, to the chairs) name its
    reviewers ("Rita Reviewer submitted a review of paper #1"), and an address added to the author
    list later (a chair's, a reviewer's) must not bring them onto the authors' pages."""
    grouped = {submission.pk: [] for submission in submissions}
    links = (
        OutboxEmailPaper.objects.filter(paper_id__in=list(grouped), email__audience=EmailAudience.AUTHORS)
        .select_related("email")
        .defer("email__body_text", "email__body_html")
        .order_by("-email__created_at", "-email_id")
    )
    for link in links:
        grouped[link.paper_id].append(link.email)
    return grouped


def emails_about(viewer, workshop, submission) -> list[OutboxEmail]:
    """The emails concerning this paper that the chair may read in the outbox (none that also
    concerns a paper they are in conflict with: an assignment email lists several), newest first."""
    return list(outbox_of(workshop, viewer).filter(papers__paper_id=submission.pk).defer("body_text", "body_html"))


def file_for_download(submission, file_id) -> SubmissionFile:
    file = next((f for f in submission.files.all() if f.pk == file_id), None)
    if file is None:
        raise Http404("No such file.")
    return file


def search_filter(queryset, text):
    """Search by title or number only: searching author names would tell a conflicted chair who wrote what."""
    text = text.strip().lstrip("#")
    return queryset.filter(
        Q(title__icontains=text) | Q(number=int(text)) if text.isdigit() else Q(title__icontains=text)
    )
