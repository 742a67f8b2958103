"""Who belongs to the same institution: the facts automatic conflicts are drawn from."""

import re
import unicodedata

# Mail providers anyone can sign up with: sharing one says nothing about an institution. The last
# line holds example domains, calm.example being the one every demo account shares (seed_demo).
PUBLIC_EMAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk live.com msn.com yahoo.com
    yahoo.co.uk yahoo.co.jp ymail.com icloud.com me.com mac.com aol.com proton.me protonmail.com
    pm.me gmx.de gmx.net gmx.com web.de mail.com mail.ru yandex.ru yandex.com qq.com 163.com 126.com
    sina.com foxmail.com naver.com hanmail.net zoho.com fastmail.com tutanota.com hey.com
    example.com calm.example
    """.split()  # noqa: SIM905 (a list of 40 names reads better as words)
)

# Spellings that name the same thing, so "Univ. of Oxford" and "University of Oxford" match.
_ABBREVIATIONS = {
    "univ": "university",
    "uni": "university",
    "universitat": "university",
    "universite": "university",
    "universidad": "university",
    "universita": "university",
    "universiteit": "university",
    "inst": "institute",
    "institut": "institute",
    "instituto": "institute",
    "istituto": "institute",
    "tech": "technology",
    "technol": "technology",
    "lab": "laboratory",
    "labs": "laboratory",
    "laboratories": "laboratory",
    "dept": "department",
    "ctr": "center",
    "centre": "center",
    "intl": "international",
    "natl": "national",
    "co": "company",
    "corp": "corporation",
    "inc": "",
    "ltd": "",
    "llc": "",
    "gmbh": "",
}
_FILLERS = {"the", "of", "at", "for", "and", "de", "di", "du", "der", "fur", "la", "le"}


def normalise_affiliation(text: str) -> str:
    """A key under which spellings of one institution compare equal: case, accents, punctuation,
    common abbreviations and filler words do not count. Empty for an empty affiliation."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    words = (_ABBREVIATIONS.get(word, word) for word in re.findall(r"[a-z0-9]+", ascii_text.replace("&", " and ")))
    return " ".join(word for word in words if word and word not in _FILLERS)


def institutional_domain(email: str) -> str:
    """The domain of an address, or "" when it is a public mail provider's."""
    domain = email.rpartition("@")[2].strip().lower()
    return "" if domain in PUBLIC_EMAIL_DOMAINS else domain
