"""The emails whose wording chairs may edit, and the placeholders each one offers them.

The wording is text in the placeholder language of workshop.placeholders; its values are plain
strings computed by reviews.selectors.decisions.decision_email_placeholders, which fills exactly
the names declared here. Each description is the line the editor shows beside the text.
"""

EDITABLE_EMAILS = {
    "decision_accept": "Acceptance email",
    "decision_reject": "Rejection email",
}

_DECISION_PLACEHOLDERS = {
    "workshop_name": "The workshop's name.",
    "workshop_short_name": "The workshop's short name, as in email subjects.",
    "paper_number": "The paper's number, e.g. 7.",
    "paper_title": "The paper's title.",
    "author_names": "The paper's authors, in order: “Ada Lovelace, Alan Turing and Grace Hopper”.",
    "decision": "The decision, e.g. “Accept (poster)” or “Reject”.",
    "note": "Your note to the authors of this paper, under “A note from the chairs:”; empty without a note.",
    "paper_url": "The link to the paper's decision page (and its reviews, when the workshop shares them).",
    "reviews": "The reviews, numbered and without names, when the workshop shares them with authors; else empty.",
    "site_url": "The address of this site.",
}

PLACEHOLDERS = {
    "decision_accept": {
        **_DECISION_PLACEHOLDERS,
        "presentation": "How the paper is presented: oral, spotlight or poster.",
        "camera_ready_deadline": "The camera-ready deadline, e.g. “Wed 9 Dec 2026, 23:59 AoE” "
        "(“the date the chairs will announce” while the workshop has none).",
    },
    "decision_reject": _DECISION_PLACEHOLDERS,
}
