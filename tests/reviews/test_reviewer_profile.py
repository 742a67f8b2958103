"""Reviewers tell each workshop their expertise, papers, directions, conflicts and load; chairs set loads."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import ReviewerProfile, split_own_papers
from reviews.services import reviewers as services
from tests.factories import UserFactory, member
from tests.reviews.conftest import invitation_emails, invite, links_in
from workshop.enums import Role
from workshop.services import add_member

pytestmark = pytest.mark.django_db

# The request's savepoint and release, session, user, workshop and its directions, memberships, the
# invitations, the reviewers and their profiles: fixed, whatever the number of rows.
REVIEWERS_PAGE_QUERY_BOUND = 10


def profile_url():
    return reverse("reviews:profile", args=["calm"])


def reviewers_url():
    return reverse("reviews:chair_reviewers", args=["calm"])


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def profile_data(workshop, **overrides):
    return {
        "expertise": "Causal discovery with language models.",
        "own_papers": "Causal parrots\nWe show that...\n\n  \nLLMs and DAGs\nA study of graphs.",
        "directions": [workshop.directions.get(slug="in").pk],
        "email_domains": "@MPG.de\ncs.ox.ac.uk",
        "affiliation": " Max Planck Institute ",
        "max_load": "3",
        **overrides,
    }


def test_split_own_papers_gives_one_text_per_paper():
    text = "Causal parrots\nLarge models talk causality.\n\n \t\nLLMs and DAGs\r\n\r\nThird paper  \n\n\n"

    assert split_own_papers(text) == [
        "Causal parrots Large models talk causality.",
        "LLMs and DAGs",
        "Third paper",
    ]
    assert split_own_papers("") == []


def test_reviewer_saves_their_profile(client, workshop, cast):
    client.force_login(cast["reviewer"])

    response = client.post(profile_url(), profile_data(workshop), follow=True)

    assert page_messages(response) == ["Your reviewer profile for CaLM is saved."]
    profile = ReviewerProfile.objects.get(workshop=workshop, user=cast["reviewer"])
    assert profile.expertise == "Causal discovery with language models."
    assert profile.own_paper_texts == ["Causal parrots We show that...", "LLMs and DAGs A study of graphs."]
    assert [d.slug for d in profile.directions.all()] == ["in"]
    assert (profile.max_load, profile.effective_max_load) == (3, 3)
    cast["reviewer"].refresh_from_db()
    assert (cast["reviewer"].email_domains, cast["reviewer"].affiliation) == (
        ["mpg.de", "cs.ox.ac.uk"],
        "Max Planck Institute",
    )
    assert '<strong id="effective-load">3</strong>' in response.content.decode()


def test_profile_form_starts_from_the_account_profile(client, workshop, cast):
    reviewer = cast["reviewer"]
    reviewer.expertise, reviewer.email_domains = "Interpretability.", ["uni-d.example"]
    reviewer.save()
    client.force_login(reviewer)

    form = client.get(profile_url()).context["form"]

    assert (form.initial["expertise"], form.initial["email_domains"]) == ("Interpretability.", "uni-d.example")
    assert not ReviewerProfile.objects.exists()


def test_profile_shows_only_this_workshops_directions(client, workshop, other_workshop, cast):
    client.force_login(cast["reviewer"])

    form = client.get(profile_url()).context["form"]

    assert [d.name for d in form.fields["directions"].queryset] == [
        "Causality in large models",
        "Causality for large models",
    ]


def test_profile_rejects_bad_input_with_clear_messages(client, workshop, other_workshop, cast):
    client.force_login(cast["reviewer"])
    foreign = other_workshop.directions.first()

    response = client.post(
        profile_url(),
        profile_data(workshop, max_load="-1", email_domains="mpg.de, not!domain", directions=[foreign.pk]),
    )

    errors = response.context["form"].errors
    assert errors["max_load"] == ["A load is a number of papers: 0 or more (empty for the default)."]
    assert errors["email_domains"] == ["“not!domain” is not an email domain such as mpg.de or cs.ox.ac.uk."]
    assert errors["directions"][0].startswith("Select a valid choice.")
    assert not ReviewerProfile.objects.exists()


def test_max_load_defaults_to_the_workshops_and_can_be_overridden(client, workshop, cast):
    client.force_login(cast["reviewer"])

    client.post(profile_url(), profile_data(workshop, max_load=""))
    default = ReviewerProfile.objects.get()
    client.post(profile_url(), profile_data(workshop, max_load="0"))
    override = ReviewerProfile.objects.get()

    assert (default.max_load, default.effective_max_load) == (None, workshop.default_reviewer_load)
    assert (override.max_load, override.effective_max_load) == (0, 0)


def test_profile_service_refuses_non_reviewers_and_foreign_directions(workshop, other_workshop, cast):
    with pytest.raises(ValidationError, match="not a reviewer of CaLM"):
        services.update_reviewer_profile(workshop=workshop, user=cast["author"], expertise="x")
    with pytest.raises(ValidationError, match="Choose directions of this workshop"):
        services.update_reviewer_profile(
            workshop=workshop, user=cast["reviewer"], directions=[other_workshop.directions.first()]
        )

    assert not ReviewerProfile.objects.exists()


def test_profile_is_per_workshop(client, workshop, other_workshop, cast):
    services.update_reviewer_profile(workshop=workshop, user=cast["reviewer"], expertise="Here.", max_load=2)
    add_member(workshop=other_workshop, user=cast["reviewer"], role=Role.REVIEWER)
    services.update_reviewer_profile(workshop=other_workshop, user=cast["reviewer"], expertise="There.")

    profiles = ReviewerProfile.objects.filter(user=cast["reviewer"]).order_by("workshop__slug")
    assert [(p.workshop.slug, p.expertise, p.effective_max_load) for p in profiles] == [
        ("calm", "Here.", 2),
        ("other", "There.", other_workshop.default_reviewer_load),
    ]


def test_accepting_an_invitation_leads_to_the_profile_page(client, workshop, cast):
    client.force_login(UserFactory(email="ada@uni.example"))
    invite(workshop, cast["chair"], "ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    response = client.post(accept, follow=True)

    assert response.request["PATH_INFO"] == profile_url()
    assert "Your reviewer profile for CaLM" in response.content.decode()


def test_reviewer_menu_links_to_the_workshops_reviewer_profile(client, cast):
    client.force_login(cast["reviewer"])

    html = client.get(reverse("home")).content.decode()

    assert f'<a class="dropdown-item" href="{profile_url()}">Expertise and profile</a>' in html


def test_chair_menu_and_tabs_link_to_the_reviewers_page(chair_client):
    html = chair_client.get(reverse("workshop:settings", args=["calm"])).content.decode()

    assert f'<a class="dropdown-item" href="{reviewers_url()}">Reviewers</a>' in html
    assert f'<a class="nav-link" href="{reviewers_url()}">Reviewers</a>' in html


# --- the chair's reviewers page ----------------------------------------------------------------


def test_chair_sees_each_reviewer_with_affiliation_and_load(chair_client, workshop, cast):
    services.set_max_load(workshop=workshop, reviewer=cast["bystander_reviewer"], max_load=2, by=cast["chair"])

    response = chair_client.get(reviewers_url())

    rows = [
        (r.name, r.affiliation, r.profile.effective_max_load, r.profile.max_load) for r in response.context["reviewers"]
    ]
    assert [(name, load, own) for name, _, load, own in rows] == [
        ("Bea Bystander", 2, 2),
        ("Conrad Conflict", 5, None),
        ("Rita Reviewer", 5, None),
    ]
    html = response.content.decode()
    assert cast["reviewer"].affiliation in html
    assert '<span class="small text-nowrap load">5 (default)</span>' in html


def test_chair_sets_a_reviewers_load(chair_client, workshop, cast):
    url = reverse("reviews:chair_set_load", args=["calm", cast["reviewer"].pk])

    response = chair_client.post(url, {"max_load": "7"}, follow=True)
    reset = chair_client.post(url, {"max_load": ""}, follow=True)

    assert page_messages(response) == ["Rita Reviewer now reviews at most 7 papers."]
    assert page_messages(reset) == ["Rita Reviewer now reviews at most 5 papers (the workshop's default)."]
    assert ReviewerProfile.objects.get(user=cast["reviewer"]).max_load is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-2", "A load is a number of papers: 0 or more (empty for the default)."),
        ("many", "A load is a whole number of papers, such as 4 (empty for the default)."),
    ],
)
def test_chair_load_must_be_a_number_of_papers(chair_client, workshop, cast, value, message):
    services.set_max_load(workshop=workshop, reviewer=cast["reviewer"], max_load=4, by=cast["chair"])

    response = chair_client.post(
        reverse("reviews:chair_set_load", args=["calm", cast["reviewer"].pk]), {"max_load": value}, follow=True
    )

    assert page_messages(response) == [f"Load of Rita Reviewer not changed: {message}"]
    assert ReviewerProfile.objects.get(user=cast["reviewer"]).max_load == 4


def test_chair_cannot_set_the_load_of_someone_who_is_not_a_reviewer(chair_client, cast):
    response = chair_client.post(reverse("reviews:chair_set_load", args=["calm", cast["author"].pk]), {"max_load": "3"})

    assert response.status_code == 404
    assert not ReviewerProfile.objects.exists()


def test_set_max_load_service_refuses_a_negative_load(workshop, cast):
    with pytest.raises(ValidationError) as refusal:
        services.set_max_load(workshop=workshop, reviewer=cast["reviewer"], max_load=-1, by=cast["chair"])

    assert refusal.value.message_dict == {
        "max_load": ["A load is a number of papers: 0 or more (empty for the default)."]
    }


@pytest.mark.parametrize("rows", [1, 30])
def test_reviewers_page_queries_do_not_grow_with_reviewers_and_invitations(
    client, workshop, cast, django_assert_max_num_queries, rows
):
    chair = cast["chair"]
    for n in range(rows):
        reviewer = member(workshop, Role.REVIEWER, email=f"r{n}@uni.example", name=f"Reviewer {n}")
        services.update_reviewer_profile(workshop=workshop, user=reviewer, directions=workshop.directions.all())
    invite(workshop, chair, *[f"Invitee {n} <i{n}@uni.example>" for n in range(rows)])
    client.force_login(chair)

    with django_assert_max_num_queries(REVIEWERS_PAGE_QUERY_BOUND):
        response = client.get(reviewers_url())

    assert len(response.context["reviewers"]) == rows + 3
    assert response.content.decode().count('<tr data-email="i') == rows
