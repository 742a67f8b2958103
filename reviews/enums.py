from django.db import models


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Invitations whose links still work (a declined invitee may change their mind; an accepted one
# opening the link again is told they are in).
LINK_WORKS = {InvitationStatus.PENDING, InvitationStatus.ACCEPTED, InvitationStatus.DECLINED}
# Invitations that a re-send or a reminder may go to.
AWAITING_ANSWER = {InvitationStatus.PENDING}
