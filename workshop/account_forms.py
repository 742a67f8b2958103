"""allauth's sign-up and password-reset forms, as this site needs them (ACCOUNT_FORMS).

Apart from workshop.forms: allauth's forms module imports the sign-up form class named in the
settings (workshop.forms.SignupNameForm) when it loads, so importing it from there would loop.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password

from workshop import selectors, services


class SignupForm(AllauthSignupForm):
    """Sign-up that tells nobody whether an address has an account, by its page or its timing,
    and that an unconfirmed claim on an address does not block."""

    def validate_unique_email(self, value):
        # Only an owned address (confirmed, or an account's used login) makes this sign-up an
        # "account already exists" email; an address someone merely typed in elsewhere does not.
        email = get_adapter().validate_unique_email(value)
        self.account_already_exists = selectors.address_is_taken(email)
        return email

    def try_save(self, request):
        if self.account_already_exists:
            # A new account costs a password hash (Argon2, about a quarter of a second); without
            # one here, a fast answer would tell that the address has an account. The same page
            # follows either way. The hash itself is thrown away.
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)

    def save(self, request):
        services.drop_unconfirmed_claims(email=self.cleaned_data["email"])
        return super().save(request)


class ResetPasswordForm(AllauthResetPasswordForm):
    """A reset link goes only to an account that confirmed the address; otherwise the address
    gets the "no account uses this address" email, from the same page."""

    def clean_email(self):
        email = super().clean_email()
        self.users = list(selectors.owners_of_address(email))
        return email
