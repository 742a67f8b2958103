"""Conflicts of interest: who is in conflict with a paper, why, and the chairs' rulings.

The rule is written three times (one pair in Python, one person in SQL, many pairs in bulk for
the assignment); `verdicts` asks all three, and every test expects them to agree.
"""

import contextlib
import itertools
import uuid

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import services
from submissions.enums import ConflictReason, ConflictSource
from submissions.models import Conflict, Submission
from submissions.selectors import (
    conflict_pairs,
    conflict_reasons,
    conflicted_submissions,
    domains_match,
    is_conflicted,
    pairs_in_conflict,
)
from tests.factories import UserFactory
from workshop import services as workshop_services
from workshop.enums import Role
from workshop.models import User

pytestmark = pytest.mark.django_db

# The request's savepoint and release, session, user, memberships, workshop and its directions,
# the paper and its prefetches, the conflict check, the emails, and the conflicts section (members,
# their emails and facts, the paper's facts, the conflict rows, the form's members): fixed.
DETAIL_QUERY_BOUND = 24

_people = itertools.count(1)


def person(workshop, email, *, role=Role.REVIEWER, affiliation="", email_domains=(), verified=True, name=""):
    """A member of the workshop (or of no workshop, with role=None), made through the services."""
    user = UserFactory(email=email, name=name or f"Person {next(_people)}", affiliation=affiliation, verified=verified)
    if role is not None:
        workshop_services.add_member(workshop=workshop, user=user, role=role)
    if email_domains:
        workshop_services.update_profile(user=user, email_domains=list(email_domains))
    return user


def author(email, affiliation=""):
    return services.AuthorEntry(email.split("@")[0].title(), email, affiliation)


def verdicts(user, paper):
    """(one pair, SQL for one person, bulk), each from fresh objects: nothing cached."""
    fresh_user, fresh_paper = User.objects.get(pk=user.pk), Submission.objects.get(pk=paper.pk)
    return (
        is_conflicted(fresh_user, fresh_paper),
        conflicted_submissions(fresh_user, paper.workshop).filter(pk=paper.pk).exists(),
        (paper.pk, user.pk) in conflict_pairs(paper.workshop, [paper], [user]),
    )


IN_CONFLICT, FREE = (True, True, True), (False, False, False)


def reasons(user, paper):
    return conflict_reasons(paper, [user])[user.pk]


# --- each reason ------------------------------------------------------------------------------


def test_an_author_is_in_conflict_with_their_paper(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]])

    assert verdicts(cast["coauthor"], paper) == IN_CONFLICT
    assert reasons(cast["coauthor"], paper) == [ConflictReason.AUTHOR]


def test_an_unverified_address_does_not_make_an_author(workshop, cast, submit_paper):
    unverified = person(workshop, "someone@uni-q.example", verified=False)
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], author("someone@uni-q.example")])

    assert reasons(unverified, paper) == [ConflictReason.DOMAIN]  # the same domain still counts


def test_a_member_the_authors_declare_is_in_conflict(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["other_author"], conflicted_members=[cast["bystander_reviewer"]])

    assert verdicts(cast["bystander_reviewer"], paper) == IN_CONFLICT
    assert reasons(cast["bystander_reviewer"], paper) == [ConflictReason.DECLARED]


def test_a_named_institution_covers_its_subdomains_but_not_lookalikes(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["other_author"], conflict_domains=["mpg.de"])
    same = person(workshop, "r1@mpg.de")
    below = person(workshop, "r2@tuebingen.mpg.de")
    listed = person(workshop, "r3@uni-r.example", email_domains=["is.mpg.de"])
    lookalike = person(workshop, "r4@notmpg.de")

    assert [verdicts(user, paper) for user in (same, below, listed, lookalike)] == [IN_CONFLICT] * 3 + [FREE]
    assert reasons(below, paper) == [ConflictReason.INSTITUTION]


def test_the_same_institutional_email_domain_is_a_conflict(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])  # author@uni-a.example

    assert verdicts(cast["conflicted_reviewer"], paper) == IN_CONFLICT  # conflicted@uni-a.example
    assert reasons(cast["conflicted_reviewer"], paper) == [ConflictReason.DOMAIN]
    assert verdicts(cast["bystander_reviewer"], paper) == FREE


@pytest.mark.parametrize(
    ("author_email", "reviewer_email", "reviewer_domains", "expected"),
    [
        ("ada@cs.ox.ac.uk", "rev@uni-r.example", ["ox.ac.uk"], IN_CONFLICT),  # the author's is below theirs
        ("ada@ox.ac.uk", "rev@cs.ox.ac.uk", [], IN_CONFLICT),  # theirs is below the author's
        ("ada@cs.ox.ac.uk", "rev@eng.ox.ac.uk", [], FREE),  # siblings: neither is below the other
        ("ada@ox.ac.uk", "rev@cam.ac.uk", [], FREE),  # "ac.uk" is no institution
        ("ada@mpg.de", "rev@notmpg.de", [], FREE),
        ("ada@OX.AC.UK", "rev@Ox.Ac.Uk", [], IN_CONFLICT),
        ("ada@uni-r.example", "rev@uni-s.example", ["uni-r.example"], IN_CONFLICT),  # a domain on the account
    ],
)
def test_email_domains_match_themselves_and_their_subdomains(
    workshop, cast, submit_paper, author_email, reviewer_email, reviewer_domains, expected
):
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], author(author_email)])
    reviewer = person(workshop, reviewer_email, email_domains=reviewer_domains)

    assert verdicts(reviewer, paper) == expected


def test_a_public_mail_provider_never_makes_a_conflict(workshop, cast, submit_paper):
    paper = submit_paper(
        workshop,
        cast["author"],
        authors=[cast["author"], author("ada.lovelace@gmail.com")],
        conflict_domains=["gmail.com"],
    )
    same_provider = person(workshop, "rev@gmail.com")
    listed = person(workshop, "rev2@uni-r.example", email_domains=["gmail.com", "hotmail.co.uk"])

    assert [verdicts(user, paper) for user in (same_provider, listed)] == [FREE, FREE]


def test_a_public_providers_address_is_no_subdomain_of_an_institution(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], author("ada@yahoo.co.uk")])
    broad = person(workshop, "rev@uni-r.example", email_domains=["co.uk"])

    assert verdicts(broad, paper) == FREE


@pytest.mark.parametrize(
    ("reviewer_affiliation", "author_affiliation", "expected"),
    [
        ("Univ. of Oxford", "The University of Oxford", IN_CONFLICT),
        ("Universität Tübingen", "University of Tubingen", IN_CONFLICT),
        ("Max Planck Inst. for Intelligent Systems", "Max-Planck-Institute for Intelligent Systems", IN_CONFLICT),
        ("University of Oxford", "University of Cambridge", FREE),
        ("", "", FREE),  # no affiliation is not a shared one
    ],
)
def test_the_same_affiliation_is_a_conflict(
    workshop, cast, submit_paper, reviewer_affiliation, author_affiliation, expected
):
    paper = submit_paper(
        workshop, cast["author"], authors=[cast["author"], author("ada@uni-y.example", author_affiliation)]
    )
    reviewer = person(workshop, "rev@uni-z.example", affiliation=reviewer_affiliation)

    assert verdicts(reviewer, paper) == expected
    assert reasons(reviewer, paper) == ([ConflictReason.AFFILIATION] if expected == IN_CONFLICT else [])


def test_domain_matching_is_symmetric_and_stops_above_institutions():
    pairs = [("cs.ox.ac.uk", "ox.ac.uk"), ("ox.ac.uk", "cs.ox.ac.uk"), ("ox.ac.uk", "ac.uk"), ("ox.ac.uk", "uk")]

    assert [domains_match(a, b) for a, b in pairs] == [True, True, True, False]
    assert domains_match("mpg.de", "notmpg.de") is False


# --- the reviewer's own declaration -----------------------------------------------------------


def test_a_reviewers_declaration_is_a_conflict_until_withdrawn(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["other_author"])
    reviewer = cast["bystander_reviewer"]

    services.declare_conflict(submission=paper, user=reviewer)
    services.declare_conflict(submission=paper, user=reviewer)
    declared = verdicts(reviewer, paper), reasons(reviewer, paper)
    services.withdraw_conflict_declaration(submission=paper, user=reviewer)
    services.withdraw_conflict_declaration(submission=paper, user=reviewer)

    assert declared == (IN_CONFLICT, [ConflictReason.REVIEWER])
    assert verdicts(reviewer, paper) == FREE
    assert Conflict.objects.filter(submission=paper).count() == 0


def test_ignoring_the_own_declaration_keeps_every_other_conflict(workshop, cast, submit_paper):
    own_only = submit_paper(workshop, cast["other_author"])
    also_declared = submit_paper(workshop, cast["other_author"], conflicted_members=[cast["bystander_reviewer"]])
    for paper in (own_only, also_declared):
        services.declare_conflict(submission=paper, user=cast["bystander_reviewer"])

    hidden = conflicted_submissions(cast["bystander_reviewer"], workshop, ignore_own_declaration=True)

    assert list(hidden) == [also_declared]


def test_only_members_can_declare_a_conflict(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])

    with pytest.raises(services.SubmissionRefused, match="neither a reviewer nor a chair"):
        services.declare_conflict(submission=paper, user=cast["other_workshop_chair"])


# --- the chairs' rulings ----------------------------------------------------------------------


def test_a_chair_sets_a_conflict_and_clears_it(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["other_author"])
    reviewer = cast["bystander_reviewer"]

    services.set_conflict_ruling(submission=paper, user=reviewer, is_conflict=True, by=cast["chair"], note="Advisor")
    ruled = verdicts(reviewer, paper), reasons(reviewer, paper)
    services.clear_conflict_ruling(submission=paper, user=reviewer, by=cast["chair"])

    assert ruled == (IN_CONFLICT, [ConflictReason.CHAIR])
    assert verdicts(reviewer, paper) == FREE


def test_a_chairs_lift_beats_automatic_and_declared_conflicts(workshop, cast, submit_paper):
    reviewer = cast["conflicted_reviewer"]  # same domain as the author
    paper = submit_paper(workshop, cast["author"], conflicted_members=[reviewer], conflict_domains=["uni-a.example"])
    services.declare_conflict(submission=paper, user=reviewer)
    before = reasons(reviewer, paper)

    services.set_conflict_ruling(submission=paper, user=reviewer, is_conflict=False, by=cast["chair"])
    lifted = verdicts(reviewer, paper), reasons(reviewer, paper)
    services.clear_conflict_ruling(submission=paper, user=reviewer, by=cast["chair"])

    assert before == [
        ConflictReason.DECLARED,
        ConflictReason.INSTITUTION,
        ConflictReason.DOMAIN,
        ConflictReason.REVIEWER,
    ]
    assert lifted == (FREE, [])
    assert verdicts(reviewer, paper) == IN_CONFLICT


def test_a_new_ruling_replaces_the_earlier_one(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])
    second_chair = person(workshop, "chair2@uni-s.example", role=Role.CHAIR, name="Sam Second")

    services.set_conflict_ruling(
        submission=paper, user=cast["conflicted_reviewer"], is_conflict=False, by=cast["chair"], note="Old"
    )
    services.set_conflict_ruling(
        submission=paper, user=cast["conflicted_reviewer"], is_conflict=True, by=second_chair, note="New"
    )

    rows = list(Conflict.objects.filter(submission=paper).values_list("source", "is_conflict", "note", "created_by"))
    assert rows == [(ConflictSource.CHAIR, True, "New", second_chair.pk)]


def test_authorship_cannot_be_lifted(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]])
    workshop_services.add_member(workshop=workshop, user=cast["coauthor"], role=Role.REVIEWER)

    with pytest.raises(services.SubmissionRefused, match="is an author of this paper: that conflict cannot be lifted"):
        services.set_conflict_ruling(submission=paper, user=cast["coauthor"], is_conflict=False, by=cast["chair"])

    assert not Conflict.objects.exists()


def test_authorship_outweighs_a_lifting_row_written_by_other_means(workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]])
    # Not through the service (which refuses it): the rule itself must hold against such a row.
    Conflict.objects.create(
        submission=paper,
        user=cast["coauthor"],
        source=ConflictSource.CHAIR,
        is_conflict=False,
        created_by=cast["chair"],
    )

    assert verdicts(cast["coauthor"], paper) == IN_CONFLICT


@pytest.mark.parametrize("persona", ["other_author", "other_workshop_chair"])
def test_rulings_are_only_for_the_workshops_members(workshop, cast, submit_paper, persona):
    paper = submit_paper(workshop, cast["author"])

    with pytest.raises(services.SubmissionRefused, match="neither a reviewer nor a chair of this workshop"):
        services.set_conflict_ruling(submission=paper, user=cast[persona], is_conflict=True, by=cast["chair"])

    assert not Conflict.objects.exists()


# --- bulk and single agree --------------------------------------------------------------------


def test_bulk_pairs_match_the_single_rule_on_a_mixed_workshop(workshop, cast, submit_paper):
    sibling = person(workshop, "rev@cs.uni-a.example")
    oxford = person(workshop, "ox@uni-o.example", affiliation="Univ. of Oxford")
    mpg = person(workshop, "mpg@tuebingen.mpg.de")
    gmail = person(workshop, "someone@gmail.com")
    papers = [
        submit_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]]),
        submit_paper(workshop, cast["other_author"], conflicted_members=[cast["conflicted_chair"]]),
        submit_paper(
            workshop,
            cast["other_author"],
            authors=[cast["other_author"], author("x@gmail.com", "The University of Oxford")],
            conflict_domains=["mpg.de"],
        ),
        submit_paper(workshop, cast["other_author"]),
    ]
    services.declare_conflict(submission=papers[3], user=cast["reviewer"])
    services.set_conflict_ruling(submission=papers[3], user=gmail, is_conflict=True, by=cast["chair"])
    services.set_conflict_ruling(submission=papers[0], user=sibling, is_conflict=False, by=cast["chair"])
    people = [user for user in cast.values() if user is not None] + [sibling, oxford, mpg, gmail]

    single = {
        (paper.pk, user.pk)
        for paper in Submission.objects.filter(pk__in=[p.pk for p in papers])
        for user in User.objects.filter(pk__in=[u.pk for u in people])
        if is_conflicted(user, paper)
    }
    sql = {
        (pk, user.pk) for user in people for pk in conflicted_submissions(user, workshop).values_list("pk", flat=True)
    }
    explained = {
        (paper.pk, user_id) for paper in papers for user_id, why in conflict_reasons(paper, people).items() if why
    }
    every = [(paper.pk, user.pk) for paper in papers for user in people]

    assert conflict_pairs(workshop, papers, people) == single == sql == explained == pairs_in_conflict(workshop, every)
    assert {(papers.index(Submission.objects.get(pk=p)), User.objects.get(pk=u).email) for p, u in single} == {
        (0, "author@uni-a.example"),
        (0, "coauthor@uni-b.example"),
        (0, "conflicted@uni-a.example"),
        (0, "cochair@uni-a.example"),
        (1, "other.author@uni-c.example"),
        (1, "cochair@uni-a.example"),
        (2, "other.author@uni-c.example"),
        (2, "ox@uni-o.example"),
        (2, "mpg@tuebingen.mpg.de"),
        (3, "other.author@uni-c.example"),
        (3, "reviewer@uni-d.example"),
        (3, "someone@gmail.com"),
    }


@pytest.mark.parametrize("size", [1, 6])
def test_bulk_pairs_take_a_constant_number_of_queries(workshop, cast, submit_paper, size, django_assert_num_queries):
    papers = [submit_paper(workshop, cast["author"], conflicted_members=[cast["reviewer"]]) for _ in range(size)]
    people = [person(workshop, f"p{n}@uni-a.example", affiliation="University of Somewhere") for n in range(size)]
    for paper in papers:
        services.declare_conflict(submission=paper, user=cast["bystander_reviewer"])

    with django_assert_num_queries(6):
        pairs = conflict_pairs(workshop, papers, [*people, cast["reviewer"], cast["bystander_reviewer"]])

    assert len(pairs) == size * (size + 2)


DOMAINS = ["ox.ac.uk", "cs.ox.ac.uk", "cam.ac.uk", "ac.uk", "mpg.de", "is.mpg.de", "notmpg.de", "co.uk", "gmail.com"]
DOMAINS += ["yahoo.co.uk", "uni-a.example"]
AFFILIATIONS = ["", "Univ. of Oxford", "University of Oxford", "MPI", "Max Planck Inst."]
SOURCES = [None, (ConflictSource.REVIEWER, True), (ConflictSource.CHAIR, True), (ConflictSource.CHAIR, False)]
PEOPLE, PAPERS = 4, 3

workshops = st.fixed_dictionaries(
    {
        "people": st.lists(
            st.fixed_dictionaries(
                {
                    "domain": st.sampled_from(DOMAINS),
                    "extra": st.lists(st.sampled_from(DOMAINS), max_size=2, unique=True),
                    "affiliation": st.sampled_from(AFFILIATIONS),
                    "verified": st.booleans(),
                }
            ),
            min_size=PEOPLE,
            max_size=PEOPLE,
        ),
        "papers": st.lists(
            st.fixed_dictionaries(
                {
                    "authors": st.lists(
                        st.tuples(st.sampled_from(DOMAINS), st.sampled_from(AFFILIATIONS)), min_size=1, max_size=3
                    ),
                    "people_as_authors": st.sets(st.integers(0, PEOPLE - 1), max_size=1),
                    "named": st.lists(st.sampled_from(DOMAINS), max_size=2, unique=True),
                    "declared": st.sets(st.integers(0, PEOPLE - 1), max_size=2),
                    "rows": st.lists(st.sampled_from(SOURCES), min_size=PEOPLE, max_size=PEOPLE),
                }
            ),
            min_size=PAPERS,
            max_size=PAPERS,
        ),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=workshops)
def test_every_implementation_of_the_rule_agrees_on_random_workshops(workshop, cast, data):
    # Each example runs in a savepoint that is rolled back: the next one starts from the cast alone.
    with transaction.atomic():
        run = uuid.uuid4().hex[:8]
        people = [
            person(
                workshop,
                f"p{i}-{run}@{p['domain']}",
                affiliation=p["affiliation"],
                email_domains=p["extra"],
                verified=p["verified"],
            )
            for i, p in enumerate(data["people"])
        ]
        papers = []
        for paper in data["papers"]:
            authors = [author(f"a{j}-{run}@{d}", aff) for j, (d, aff) in enumerate(paper["authors"])]
            authors += [author(people[i].email, people[i].affiliation) for i in paper["people_as_authors"]]
            papers.append(
                draft(workshop, cast["author"], authors, paper["named"], [people[i] for i in paper["declared"]])
            )
            for user, row in zip(people, paper["rows"], strict=True):
                _record(papers[-1], user, row, cast["chair"])

        single = {
            (paper.pk, user.pk)
            for paper in Submission.objects.filter(pk__in=[p.pk for p in papers])
            for user in User.objects.filter(pk__in=[u.pk for u in people])
            if is_conflicted(user, paper)
        }
        sql = {(pk, u.pk) for u in people for pk in conflicted_submissions(u, workshop).values_list("pk", flat=True)}
        explained = {(p.pk, u) for p in papers for u, why in conflict_reasons(p, people).items() if why}
        bulk = conflict_pairs(workshop, papers, people)
        ignoring_own = {
            (pk, u.pk)
            for u in people
            for pk in conflicted_submissions(u, workshop, ignore_own_declaration=True).values_list("pk", flat=True)
        }
        for paper, user in itertools.product(papers, people):
            services.withdraw_conflict_declaration(submission=paper, user=user)
        without_declarations = {
            (p.pk, u.pk)
            for p in Submission.objects.filter(pk__in=[p.pk for p in papers])
            for u in people
            if is_conflicted(User.objects.get(pk=u.pk), p)
        }
        transaction.set_rollback(True)

    assert bulk == single == sql == explained
    assert ignoring_own == without_declarations


def draft(workshop, by, authors, named, declared):
    """A draft through the real service: conflicts do not depend on the paper's status or files."""
    return services.create_submission(
        workshop=workshop,
        by=by,
        creation_key=uuid.uuid4(),
        fields={
            "title": "A paper",
            "abstract": "On causes.",
            "primary_direction": workshop.directions.first(),
            "conflict_domains": list(named),
        },
        authors=authors,
        conflicted_members=declared,
    )


def _record(paper, user, row, chair):
    if row is None:
        return
    source, is_conflict = row
    if source == ConflictSource.REVIEWER:
        services.declare_conflict(submission=paper, user=user)
        return
    with contextlib.suppress(services.SubmissionRefused):  # lifting an author's conflict is refused
        services.set_conflict_ruling(submission=paper, user=user, is_conflict=is_conflict, by=chair)


# --- the chairs' page -------------------------------------------------------------------------


def detail_url(paper):
    return reverse("submissions:chair_detail", args=["calm", paper.pk])


def set_url(paper):
    return reverse("submissions:chair_set_conflict", args=["calm", paper.pk])


def clear_url(paper):
    return reverse("submissions:chair_clear_conflict", args=["calm", paper.pk])


def conflicts_section(response):
    html = response.content.decode()
    return html[html.index('id="conflicts-heading"') : html.index('id="set-conflict-form"')]


def shown_messages(response):
    """The messages the page that a POST redirected to shows."""
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def paper(workshop, cast, submit_paper):
    return submit_paper(
        workshop, cast["author"], authors=[cast["author"], cast["coauthor"]], conflicted_members=[cast["reviewer"]]
    )


def test_chair_sees_each_conflicted_member_with_the_reasons_in_words(chair_client, cast, paper):
    services.declare_conflict(submission=paper, user=cast["reviewer"])

    section = conflicts_section(chair_client.get(detail_url(paper)))

    assert "Rita Reviewer" in section and "Declared by the authors; Declared by the reviewer" in section
    assert "Conrad Conflict" in section and "Same institutional email domain as an author" in section
    assert "Carl Cochair" in section
    assert "Bea Bystander" not in section and "Clara Chair" not in section


def test_chair_lifts_a_conflict_and_restores_it(chair_client, cast, paper):
    reviewer = cast["conflicted_reviewer"]

    lifted = chair_client.post(
        set_url(paper), {"member": reviewer.pk, "is_conflict": "no", "note": "Left in 2019"}, follow=True
    )
    restored = chair_client.post(clear_url(paper), {"member": reviewer.pk}, follow=True)

    assert lifted.redirect_chain == [(detail_url(paper) + "#conflicts-heading", 302)]
    assert shown_messages(lifted) == [
        "The conflict between Conrad Conflict and paper #1 is lifted: they may be assigned."
    ]
    assert "lifted by Clara Chair" in conflicts_section(lifted) and "Left in 2019" in conflicts_section(lifted)
    assert "Restore" in conflicts_section(lifted)
    assert shown_messages(restored) == [
        "The chairs' ruling on Conrad Conflict for paper #1 is removed: by the declarations and the automatic "
        "rules, they are in conflict with it."
    ]
    assert "lifted by" not in conflicts_section(restored)
    assert verdicts(reviewer, paper) == IN_CONFLICT


def test_chair_sets_a_conflict_for_any_member_with_a_note(chair_client, cast, paper):
    response = chair_client.post(
        set_url(paper), {"member": cast["bystander_reviewer"].pk, "note": "Former student"}, follow=True
    )

    section = conflicts_section(response)
    assert shown_messages(response) == [
        "Bea Bystander is now in conflict with paper #1: never assigned to it, nor shown it."
    ]
    assert "Bea Bystander" in section and "<strong>Set by Clara Chair</strong>" in section
    assert "Former student" in section
    assert verdicts(cast["bystander_reviewer"], paper) == IN_CONFLICT


def test_chair_cannot_lift_an_authors_conflict(chair_client, workshop, cast, paper):
    workshop_services.add_member(workshop=workshop, user=cast["coauthor"], role=Role.REVIEWER)

    page = chair_client.get(detail_url(paper))
    response = chair_client.post(set_url(paper), {"member": cast["coauthor"].pk, "is_conflict": "no"}, follow=True)

    row = conflicts_section(page).split(f'data-member="{cast["coauthor"].pk}"')[1].split("</tr>")[0]
    assert "Is an author" in row and "Lift" not in row
    assert shown_messages(response) == ["Cole Coauthor is an author of this paper: that conflict cannot be lifted."]
    assert not Conflict.objects.exists()


def test_chair_can_only_choose_the_workshops_members(chair_client, cast, paper):
    response = chair_client.post(set_url(paper), {"member": cast["other_author"].pk})

    assert "Choose one of this workshop&#x27;s reviewers or chairs." in response.content.decode()
    assert not Conflict.objects.exists()


def test_a_chair_who_declares_themself_in_conflict_goes_back_to_the_list(chair_client, cast, paper):
    response = chair_client.post(set_url(paper), {"member": cast["chair"].pk}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("submissions:chair_list", args=["calm"])
    assert shown_messages(response) == [
        "Clara Chair is now in conflict with paper #1: never assigned to it, nor shown it."
    ]
    assert chair_client.get(detail_url(paper)).status_code == 404


@pytest.mark.parametrize("extra", [0, 8])
def test_detail_queries_do_not_grow_with_conflicts(
    chair_client, workshop, cast, submit_paper, extra, django_assert_max_num_queries
):
    paper = submit_paper(workshop, cast["other_author"], conflicted_members=[cast["reviewer"]])
    for n in range(extra):
        user = person(workshop, f"colleague{n}@uni-c.example", affiliation="Elsewhere")
        if n % 3 == 1:
            services.set_conflict_ruling(submission=paper, user=user, is_conflict=False, by=cast["chair"])
        if n % 3 == 2:
            services.declare_conflict(submission=paper, user=user)

    with django_assert_max_num_queries(DETAIL_QUERY_BOUND):
        response = chair_client.get(detail_url(paper))

    assert conflicts_section(response).count("<tr data-member=") == 1 + extra
