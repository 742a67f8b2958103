"""How allauth and django-axes fit this site: our email templates, lowercase emails, email logins."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from workshop import services

ALLAUTH_EMAIL_PREFIX = "account/email/"


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        return super().clean_email(email).strip().lower()

    def confirm_email(self, request, email_address):
        """The first to confirm an address owns it: other accounts' unconfirmed claims on it go."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            services.drop_unconfirmed_claims(email=email_address.email, keep=email_address.user)
        return confirmed

    def render_mail(self, template_prefix, email, context, headers=None):
        """Use templates/emails/account/<name> where we wrote one, allauth's own otherwise."""
        if template_prefix.startswith(ALLAUTH_EMAIL_PREFIX):
            ours = "emails/account/" + template_prefix.removeprefix(ALLAUTH_EMAIL_PREFIX)
            try:
                get_template(f"{ours}_subject.txt")
                template_prefix = ours
            except TemplateDoesNotExist:
                pass
        return super().render_mail(template_prefix, email, context, headers=headers)


def axes_username(request, credentials):
    """The address a login attempt was for, whichever form sent it (allauth's or the admin's)."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None:
        value = request.POST.get("login") or request.POST.get("username")
    return (value or "").strip().lower() or None


def client_ip(request):
    """The client's address for login throttling.

    Behind PROXY_COUNT proxies the client is the entry that many places from the right of
    X-Forwarded-For (the part our own proxies wrote); anything further left is whatever the
    client claimed and could be forged. With no proxy, only the socket's address counts.
    """
    if settings.PROXY_COUNT:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= settings.PROXY_COUNT:
            return hops[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")
