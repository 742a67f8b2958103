"""Chairs invite reviewers by email; invitees accept or decline through the links they receive."""

import re
from datetime import UTC, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reviews.enums import InvitationStatus
from reviews.models import RESEND_INTERVAL, Invitation
from reviews.services import reviewers as services
from tests.factories import UserFactory, unconfirmed_claim
from tests.reviews.conftest import invitation_emails, links_in
from workshop.enums import Role
from workshop.models import Membership, OutboxEmail
from workshop.services import add_member

pytestmark = pytest.mark.django_db

User = get_user_model()


def reviewers_url():
    return reverse("reviews:chair_reviewers", args=["calm"])


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def an_hour_passes():
    """Every invitation was last emailed a little over RESEND_INTERVAL ago: the chairs may send again."""
    Invitation.objects.update(last_sent_at=timezone.now() - RESEND_INTERVAL - timedelta(minutes=1))


def is_reviewer(workshop, email):
    return Membership.objects.filter(workshop=workshop, user__email=email, role=Role.REVIEWER).exists()


# --- the parser --------------------------------------------------------------------------------


def test_parse_invitees_reads_names_with_addresses_bare_addresses_and_comma_lines():
    text = (
        'Ada Lovelace <Ada@Uni.example>\n\nbob@lab.example\ncarol@inst.example, Carol Chen\n"Doe, Dan", dan@x.example'
    )

    invitees, errors = services.parse_invitees(text)

    assert invitees == [
        services.Invitee("ada@uni.example", "Ada Lovelace"),
        services.Invitee("bob@lab.example", ""),
        services.Invitee("carol@inst.example", "Carol Chen"),
        services.Invitee("dan@x.example", "Doe, Dan"),
    ]
    assert errors == []


def test_parse_invitees_reports_each_bad_line_by_number_and_keeps_the_good_ones():
    text = "Ada <ada@uni.example>\nJust A Name\nbob@\n\nEve <eve@nowhere>\ncarol@inst.example"

    invitees, errors = services.parse_invitees(text)

    assert [invitee.email for invitee in invitees] == ["ada@uni.example", "carol@inst.example"]
    assert errors == [
        "Line 2: “Just A Name” has no email address.",
        "Line 3: “bob@” is not an email address.",
        "Line 5: “eve@nowhere” is not an email address.",
    ]


def test_parse_invitees_reads_a_csv_with_a_header_in_any_column_order():
    text = "affiliation,email,name\nMPI,ada@mpg.example,Ada Lovelace\nOxford,not-an-email,Bob\nETH,eve@eth.example,\n"

    invitees, errors = services.parse_invitees(text, label="CSV line")

    assert invitees == [
        services.Invitee("ada@mpg.example", "Ada Lovelace"),
        services.Invitee("eve@eth.example", ""),
    ]
    assert errors == ["CSV line 3: “not-an-email” is not an email address."]


def test_parse_invitees_counts_an_address_given_twice_once():
    invitees, _ = services.parse_invitees("ada@uni.example\nAda L <ADA@uni.example>")

    assert invitees == [services.Invitee("ada@uni.example", "")]


# --- inviting --------------------------------------------------------------------------------


def test_chair_invites_pasted_people_with_one_email_each(chair_client, workshop):
    response = chair_client.post(
        reviewers_url(), {"invitees": "Ada Lovelace <ada@uni.example>\nbob@lab.example"}, follow=True
    )

    assert page_messages(response) == ["Invitation sent to 2 persons."]
    assert list(Invitation.objects.order_by("email").values_list("email", "name", "status", "sent_count")) == [
        ("ada@uni.example", "Ada Lovelace", "pending", 1),
        ("bob@lab.example", "", "pending", 1),
    ]
    ada = Invitation.objects.get(email="ada@uni.example")
    [email] = invitation_emails("ada@uni.example")
    assert (email.subject, email.topic, email.workshop) == (
        "[CaLM] Would you review for Causality and Large Models?",
        f"invitation:{ada.pk}",
        workshop,
    )
    # The name the chair typed is not the invitee's own: no "Dear <name>" from someone else.
    assert email.body_text.startswith("Hello,\n") and "Ada Lovelace" not in email.body_text + email.body_html
    assert links_in(email) == (ada.get_accept_url(), ada.get_decline_url())
    assert len(invitation_emails("bob@lab.example")) == 1
    table = response.content.decode()
    assert 'data-email="ada@uni.example"' in table and "Pending" in table


def test_chair_invite_keeps_good_lines_and_gives_back_the_bad_ones_to_fix(chair_client):
    response = chair_client.post(reviewers_url(), {"invitees": "ada@uni.example\nAda twin\nbob@\ncarol@inst.example"})

    html = response.content.decode()
    assert response.status_code == 200
    assert page_messages(response) == ["Invitation sent to 2 persons."]
    assert "Line 2: “Ada twin” has no email address." in html
    assert "Line 3: “bob@” is not an email address." in html
    assert response.context["form"].initial["invitees"] == "Ada twin\nbob@"
    assert set(Invitation.objects.values_list("email", flat=True)) == {"ada@uni.example", "carol@inst.example"}


def test_chair_invite_with_nothing_to_invite_says_what_to_paste(chair_client):
    response = chair_client.post(reviewers_url(), {"invitees": "  \n"})

    assert response.context["form"].non_field_errors() == [
        "Paste at least one line such as “Ada Lovelace <ada@uni.example>”, or upload a CSV."
    ]
    assert Invitation.objects.count() == 0


def test_chair_invites_from_an_uploaded_csv(chair_client):
    upload = SimpleUploadedFile(
        "reviewers.csv", "\ufeffname,email\nAda Lovelace,ada@uni.example\nBob,bob@\n".encode(), "text/csv"
    )

    response = chair_client.post(reviewers_url(), {"invitees": "", "csv_file": upload})

    assert "CSV line 3: “bob@” is not an email address." in response.content.decode()
    assert list(Invitation.objects.values_list("email", "name")) == [("ada@uni.example", "Ada Lovelace")]


def test_chair_upload_that_is_not_text_is_refused_clearly(chair_client):
    upload = SimpleUploadedFile("reviewers.csv", b"\xff\xfe\x00\x81binary", "text/csv")

    response = chair_client.post(reviewers_url(), {"invitees": "", "csv_file": upload})

    assert response.context["form"].non_field_errors() == [
        "The CSV file is not UTF-8 text; save it as “CSV UTF-8” and upload it again."
    ]


def test_inviting_the_same_email_twice_reuses_the_invitation_and_sends_it_again(chair_client, invited):
    invited("Ada <ada@uni.example>")
    an_hour_passes()

    response = chair_client.post(reviewers_url(), {"invitees": "ADA@uni.example"}, follow=True)

    assert page_messages(response) == [
        "Invited before, so the invitation was sent again (not duplicated) to ada@uni.example."
    ]
    invitation = Invitation.objects.get()
    assert (invitation.name, invitation.sent_count) == ("Ada", 2)
    assert len(invitation_emails("ada@uni.example")) == 2


def test_inviting_someone_who_already_reviews_sends_nothing(chair_client, cast):
    response = chair_client.post(reviewers_url(), {"invitees": "Rita <reviewer@uni-d.example>"}, follow=True)

    assert page_messages(response) == ["Not invited, already reviewers: reviewer@uni-d.example."]
    assert Invitation.objects.count() == 0
    assert invitation_emails("reviewer@uni-d.example") == []


def test_reinviting_a_declined_person_asks_them_again(workshop, cast, invited):
    invitation = invited("ada@uni.example").invited[0]
    services.decline_invitation(invitation=invitation, reason="Too busy")
    an_hour_passes()

    report = invited("ada@uni.example")

    invitation.refresh_from_db()
    assert report.sent_again == [invitation]
    assert (invitation.status, invitation.decline_reason, invitation.sent_count) == ("pending", "", 2)


# --- accepting -------------------------------------------------------------------------------


def test_invitee_signed_in_with_the_invited_address_accepts_with_one_click(client, workshop, invited):
    ada = UserFactory(email="ada@uni.example", name="Ada Lovelace")
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])
    client.force_login(ada)

    page = client.get(accept)
    response = client.post(accept, follow=True)

    assert "Accept the invitation" in page.content.decode()
    assert response.redirect_chain == [(reverse("reviews:profile", args=["calm"]), 302)]
    assert page_messages(response)[0].startswith("Welcome to the reviewers of Causality and Large Models!")
    assert is_reviewer(workshop, "ada@uni.example")
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.responded_at is not None


def test_opening_the_link_does_not_accept_by_itself(client, workshop, invited):
    # Mail scanners open links: only the button (a POST) accepts.
    client.force_login(UserFactory(email="ada@uni.example"))
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    client.get(accept)

    assert not is_reviewer(workshop, "ada@uni.example")
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_invitee_with_an_account_who_is_signed_out_is_asked_to_log_in_then_accepts(client, workshop, invited):
    ada = UserFactory(email="ada@uni.example")
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    page = client.get(accept)
    post_while_signed_out = client.post(accept, {"name": "Mallory", "password1": "x", "password2": "x"})
    client.force_login(ada)
    client.post(accept)

    html = page.content.decode()
    assert "You have an account with this address. Log in with it, then accept." in html
    assert f'href="{reverse("account_login")}?next={accept.replace("/", "%2F")}"' in html
    assert post_while_signed_out.status_code == 200
    assert User.objects.filter(email="ada@uni.example").count() == 1
    assert is_reviewer(workshop, "ada@uni.example")


def test_invitee_without_an_account_creates_a_verified_one_and_is_signed_in(client, workshop, invited):
    invited("Ada Lovelace <ada@uni.example>")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    page = client.get(accept)
    response = client.post(
        accept,
        {"name": "Ada Lovelace", "password1": "analytical engine 1843", "password2": "analytical engine 1843"},
        follow=True,
    )

    assert "Create my account and accept" in page.content.decode()
    assert page.context["form"].initial["name"] == "Ada Lovelace"
    assert response.redirect_chain == [(reverse("reviews:profile", args=["calm"]), 302)]
    assert response.context["user"].email == "ada@uni.example"
    ada = User.objects.get(email="ada@uni.example")
    assert ada.name == "Ada Lovelace" and ada.check_password("analytical engine 1843")
    assert EmailAddress.objects.get(user=ada).verified
    assert is_reviewer(workshop, "ada@uni.example")


def test_invitee_whose_address_someone_else_claimed_unconfirmed_gets_their_own_account(client, workshop, invited):
    mallory = unconfirmed_claim("ada@uni.example")
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    page = client.get(accept)
    client.post(accept, {"name": "Ada", "password1": "analytical engine 1843", "password2": "analytical engine 1843"})

    assert "Create my account and accept" in page.content.decode()
    ada = User.objects.get(email="ada@uni.example")
    assert ada != mallory and is_reviewer(workshop, "ada@uni.example")
    assert list(EmailAddress.objects.filter(email="ada@uni.example").values_list("user", "verified")) == [
        (ada.pk, True)
    ]


def test_invitee_whose_address_an_unfinished_sign_up_holds_gets_their_own_account(client, workshop, invited):
    mallorys_sign_up = {
        "name": "Mallory",
        "email": "ada@uni.example",
        "password1": "m4llory's own",
        "password2": "m4llory's own",
    }
    client.post(reverse("account_signup"), mallorys_sign_up)
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    page = client.get(accept)
    client.post(accept, {"name": "Ada", "password1": "analytical engine 1843", "password2": "analytical engine 1843"})

    assert "Create my account and accept" in page.content.decode()
    ada = User.objects.get(email="ada@uni.example")
    assert ada.name == "Ada" and ada.check_password("analytical engine 1843")
    assert is_reviewer(workshop, "ada@uni.example")


def test_new_account_with_differing_passwords_is_not_created(client, workshop, invited):
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    response = client.post(accept, {"name": "Ada", "password1": "analytical engine", "password2": "analytic engine"})

    assert response.context["form"].errors == {"password2": ["The two passwords differ: type the same one twice."]}
    assert not User.objects.filter(email="ada@uni.example").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_new_account_with_a_weak_password_is_refused(client, invited):
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    response = client.post(accept, {"name": "Ada", "password1": "12345678", "password2": "12345678"})

    assert "This password is too common." in response.context["form"].errors["password1"]
    assert not User.objects.filter(email="ada@uni.example").exists()


def test_someone_signed_in_with_another_address_cannot_accept(client, workshop, cast, invited):
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])
    client.force_login(cast["author"])

    page = client.get(accept)
    client.post(accept)

    assert "You are signed in as author@uni-a.example, not as ada@uni.example." in page.content.decode()
    assert not is_reviewer(workshop, "author@uni-a.example")
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_accepting_again_changes_nothing(client, workshop, invited):
    ada = UserFactory(email="ada@uni.example")
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])
    client.force_login(ada)
    client.post(accept, follow=True)
    first = Invitation.objects.get().responded_at

    response = client.get(accept, follow=True)

    assert page_messages(response) == ["You are a reviewer of CaLM already."]
    assert Membership.objects.filter(workshop=workshop, user=ada, role=Role.REVIEWER).count() == 1
    assert Invitation.objects.get().responded_at == first


def test_someone_made_reviewer_meanwhile_accepts_without_a_second_membership(client, workshop, invited):
    ada = UserFactory(email="ada@uni.example")
    invited("ada@uni.example")
    add_member(workshop=workshop, user=ada, role=Role.REVIEWER)
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])
    client.force_login(ada)

    client.post(accept)

    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    assert Membership.objects.filter(workshop=workshop, user=ada, role=Role.REVIEWER).count() == 1


# --- declining -------------------------------------------------------------------------------


def test_invitee_declines_with_a_reason_that_the_chairs_see(client, chair_client, invited):
    invited("ada@uni.example")
    _, decline = links_in(invitation_emails("ada@uni.example")[0])

    page = client.get(decline)
    response = client.post(decline, {"reason": "On leave until June."}, follow=True)
    chair_page = chair_client.get(reviewers_url()).content.decode()

    assert "Decline the invitation" in page.content.decode()
    assert page_messages(response) == [
        "You declined to review for Causality and Large Models. Thank you for letting the chairs know."
    ]
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.decline_reason) == ("declined", "On leave until June.")
    assert "Declined" in chair_page and "“On leave until June.”" in chair_page


def test_declining_without_a_reason_is_fine(client, invited):
    invited("ada@uni.example")
    _, decline = links_in(invitation_emails("ada@uni.example")[0])

    client.post(decline, {"reason": ""})

    assert Invitation.objects.get().status == InvitationStatus.DECLINED


def test_declined_invitee_may_still_accept(client, workshop, invited):
    ada = UserFactory(email="ada@uni.example")
    invited("ada@uni.example")
    accept, decline = links_in(invitation_emails("ada@uni.example")[0])
    client.post(decline, {"reason": "Busy"})
    client.force_login(ada)

    client.post(accept)

    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.decline_reason) == ("accepted", "")
    assert is_reviewer(workshop, "ada@uni.example")


def test_declining_after_accepting_is_refused(client, workshop, invited):
    ada = UserFactory(email="ada@uni.example")
    invited("ada@uni.example")
    accept, decline = links_in(invitation_emails("ada@uni.example")[0])
    client.force_login(ada)
    client.post(accept)

    page = client.get(decline)
    client.post(decline, {"reason": "Changed my mind"})

    assert "You have accepted this invitation already." in page.content.decode()
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    assert is_reviewer(workshop, "ada@uni.example")


# --- links that do not work ------------------------------------------------------------------


@pytest.mark.parametrize("which", [0, 1])
def test_a_tampered_link_shows_that_it_is_not_valid(client, invited, which):
    invited("ada@uni.example")
    link = links_in(invitation_emails("ada@uni.example")[0])[which]
    tampered = link.replace("/invitations/", "/invitations/x")

    response = client.get(tampered)
    client.post(
        tampered, {"reason": "", "name": "Eve", "password1": "a long passphrase", "password2": "a long passphrase"}
    )

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert not User.objects.filter(email="ada@uni.example").exists()


def test_a_withdrawn_invitations_links_stop_working(client, chair_client, invited):
    invitation = invited("ada@uni.example").invited[0]
    accept, decline = links_in(invitation_emails("ada@uni.example")[0])

    withdrawn = chair_client.post(reverse("reviews:chair_withdraw", args=["calm", invitation.pk]), follow=True)
    responses = [client.get(accept), client.get(decline)]

    assert page_messages(withdrawn) == ["The invitation to ada@uni.example is withdrawn; its links no longer work."]
    assert [r.status_code for r in responses] == [404, 404]
    assert all("This invitation link is not valid" in r.content.decode() for r in responses)


def test_a_link_older_than_sixty_days_stops_working_until_sent_again(client, workshop, cast, invited):
    invitation = invited("ada@uni.example").invited[0]
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])
    Invitation.objects.filter(pk=invitation.pk).update(last_sent_at=timezone.now() - timedelta(days=61))

    expired = client.get(accept)
    services.resend_invitation(invitation=invitation, by=cast["chair"])
    fresh = client.get(accept)

    assert expired.status_code == 404
    assert fresh.status_code == 200


def test_a_link_of_another_workshop_is_not_valid_here(client, invited):
    invited("ada@uni.example")
    accept, _ = links_in(invitation_emails("ada@uni.example")[0])

    response = client.get(accept.replace("/calm/", "/other/"))

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


# --- re-sending and reminding ----------------------------------------------------------------


def test_chair_resends_one_invitation(chair_client, invited):
    invitation = invited("ada@uni.example").invited[0]
    an_hour_passes()

    response = chair_client.post(reverse("reviews:chair_resend", args=["calm", invitation.pk]), follow=True)

    assert page_messages(response) == ["The invitation is sent again to ada@uni.example."]
    invitation.refresh_from_db()
    assert invitation.sent_count == 2
    emails = invitation_emails("ada@uni.example")
    assert len(emails) == 2 and links_in(emails[0]) == links_in(emails[1])


def test_chair_cannot_resend_an_answered_invitation(chair_client, invited):
    invitation = invited("ada@uni.example").invited[0]
    services.decline_invitation(invitation=invitation, reason="")

    response = chair_client.post(reverse("reviews:chair_resend", args=["calm", invitation.pk]), follow=True)

    assert page_messages(response) == ["Not sent: ada@uni.example has declined already."]
    assert len(invitation_emails("ada@uni.example")) == 1


def test_remind_all_pending_writes_once_to_each_who_has_not_answered(chair_client, cast, invited):
    report = invited("ada@uni.example", "bob@lab.example", "carol@inst.example", "dan@x.example")
    _, bob, carol, _ = report.invited
    services.decline_invitation(invitation=bob, reason="")
    carol_user = UserFactory(email="carol@inst.example")
    services.accept_invitation(invitation=carol, user=carol_user)
    an_hour_passes()
    last_before = OutboxEmail.objects.order_by("id").last().pk

    response = chair_client.post(reverse("reviews:chair_remind", args=["calm"]), follow=True)

    assert page_messages(response) == ["A reminder is on its way to 2 persons who have not answered."]
    reminders = OutboxEmail.objects.filter(pk__gt=last_before)
    assert sorted(email.to[0] for email in reminders) == ["ada@uni.example", "dan@x.example"]
    assert all(email.subject.startswith("[CaLM] Reminder: ") for email in reminders)
    assert [len(invitation_emails(e)) for e in ("bob@lab.example", "carol@inst.example")] == [1, 1]


def utc(moment):
    return moment.astimezone(UTC).strftime("%-d %b %H:%M UTC")


def test_resending_forty_times_sends_one_email_and_says_when_it_can_go_again(chair_client, invited):
    invitation = invited("ada@uni.example").invited[0]
    an_hour_passes()
    url = reverse("reviews:chair_resend", args=["calm", invitation.pk])

    first = chair_client.post(url, follow=True)
    for _ in range(38):
        chair_client.post(url, follow=True)
    last = chair_client.post(url, follow=True)

    invitation.refresh_from_db()
    assert page_messages(first) == ["The invitation is sent again to ada@uni.example."]
    assert page_messages(last) == [
        f"Not sent: the invitation to ada@uni.example was emailed at {utc(invitation.last_sent_at)}. To keep from "
        f"flooding their inbox, it can be sent again from {utc(invitation.last_sent_at + RESEND_INTERVAL)}."
    ]
    assert len(invitation_emails("ada@uni.example")) == 2 and invitation.sent_count == 2


def test_the_reviewers_page_shows_when_an_invitation_can_be_sent_again(chair_client, invited):
    invited("ada@uni.example", "bob@lab.example")
    Invitation.objects.filter(email="bob@lab.example").update(last_sent_at=timezone.now() - 2 * RESEND_INTERVAL)
    ada = Invitation.objects.get(email="ada@uni.example")

    page = chair_client.get(reviewers_url()).content.decode()

    rows = dict(re.findall(r'<tr data-email="([^"]+)">(.*?)</tr>', page, re.S))
    assert f"Re-send from {utc(ada.last_sent_at + RESEND_INTERVAL)}" in rows["ada@uni.example"]
    assert "Re-send<span" not in rows["ada@uni.example"]
    assert "Re-send<span" in rows["bob@lab.example"] and "Re-send from" not in rows["bob@lab.example"]


def test_inviting_again_within_the_hour_sends_nothing_and_changes_nothing(chair_client, invited):
    ada = invited("ada@uni.example").invited[0]
    services.withdraw_invitation(invitation=ada, by=None)

    response = chair_client.post(reviewers_url(), {"invitees": "ada@uni.example\nbob@lab.example"}, follow=True)

    ada.refresh_from_db()
    assert page_messages(response) == [
        "Invitation sent to 1 person.",
        f"Not sent again, emailed less than an hour ago: ada@uni.example (from {utc(ada.next_send_at)}).",
    ]
    assert (ada.status, ada.sent_count) == (InvitationStatus.WITHDRAWN, 1)
    assert len(invitation_emails("ada@uni.example")) == 1 and len(invitation_emails("bob@lab.example")) == 1


def test_remind_all_pending_leaves_out_who_was_emailed_within_the_hour(chair_client, invited):
    invited("ada@uni.example", "bob@lab.example")
    Invitation.objects.filter(email="bob@lab.example").update(last_sent_at=timezone.now() - 2 * RESEND_INTERVAL)
    chair_client.post(reverse("reviews:chair_remind", args=["calm"]), follow=True)
    bob = Invitation.objects.get(email="bob@lab.example")

    again = chair_client.post(reverse("reviews:chair_remind", args=["calm"]), follow=True)

    ada = Invitation.objects.get(email="ada@uni.example")
    assert page_messages(again) == [
        "Not reminded, emailed less than an hour ago: "
        f"ada@uni.example (from {utc(ada.next_send_at)}), bob@lab.example (from {utc(bob.next_send_at)})."
    ]
    assert [len(invitation_emails(e)) for e in ("ada@uni.example", "bob@lab.example")] == [1, 2]


def test_remind_with_nobody_pending_says_so(chair_client):
    response = chair_client.post(reverse("reviews:chair_remind", args=["calm"]), follow=True)

    assert page_messages(response) == ["Nobody to remind: every invitation is answered."]
    assert OutboxEmail.objects.count() == 0


def test_chair_cannot_withdraw_an_accepted_invitation(chair_client, workshop, invited):
    invitation = invited("ada@uni.example").invited[0]
    services.accept_invitation(invitation=invitation, user=UserFactory(email="ada@uni.example"))

    response = chair_client.post(reverse("reviews:chair_withdraw", args=["calm", invitation.pk]), follow=True)

    assert page_messages(response) == ["ada@uni.example has accepted already; the invitation cannot be withdrawn."]
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED


def test_the_invitation_is_delivered_with_its_links_in_text_and_html(
    workshop, cast, mailoutbox, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invited("Ada Lovelace <ada@uni.example>").invited[0]

    [message] = mailoutbox
    html = message.alternatives[0][0]
    assert (message.to, message.subject) == (
        ["ada@uni.example"],
        "[CaLM] Would you review for Causality and Large Models?",
    )
    assert invitation.get_accept_url() in message.body and invitation.get_decline_url() in message.body
    assert invitation.get_accept_url() in html and "Accept the invitation" in html
