import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

_ORCID_FORMAT = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")

# Top-level paths of the site that a workshop slug must not shadow.
RESERVED_SLUGS = frozenset({"accounts", "admin", "profile", "static", "media", "healthz", "api", "new", "papers", "my"})

validate_slug_shape = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1 to 50 lowercase letters, digits and hyphens, starting and ending with a letter or digit.",
)


def orcid_checksum(base_digits: str) -> str:
    """The ISO 7064 11,2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    if not _ORCID_FORMAT.match(value):
        raise ValidationError("An ORCID iD looks like 0000-0002-1825-0097 (16 characters in four groups).")
    digits = value.replace("-", "")
    if orcid_checksum(digits[:15]) != digits[15]:
        raise ValidationError("This ORCID iD's check digit is wrong: please copy it again from orcid.org.")


def validate_workshop_slug(value: str) -> None:
    validate_slug_shape(value)
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is reserved by the site; choose another short name.")


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def parse_email_domains(text: str) -> list[str]:
    """Domains typed one per line or separated by commas or spaces; '@' and case are forgiven."""
    domains = []
    for raw in re.split(r"[\s,;]+", text or ""):
        domain = raw.strip().lstrip("@").lower()
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise ValidationError(f"“{raw}” is not an email domain such as mpg.de or cs.ox.ac.uk.")
        if domain not in domains:
            domains.append(domain)
    return domains
