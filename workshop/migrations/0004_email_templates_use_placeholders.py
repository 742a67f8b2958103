r"""The workshops' own wording of the decision emails moves from Django template syntax to the
placeholder language of workshop.placeholders (issue 12).

Each stored subject and body is converted: the constructs of the old default templates (the
base layout, their conditional paragraphs, the reviews include) become the new default's text,
and every Django variable the old context offered becomes its placeholder. A literal `{` of the
old text is escaped as `\{`. Whatever cannot be converted (a loop, a condition the chair wrote, an
attribute the placeholders do not offer) is kept as it is, so that nothing a chair wrote is lost:
such a wording is never rendered (workshop.mail sends the default wording while a wording has
problems), and the editor shows the chair each remaining problem to fix.

The conversion is frozen here (the old defaults as they were), not imported from the app.
"""

import re

from django.db import migrations, models

# A Django variable of the old context → the placeholder that says the same.
VARIABLES = {
    "workshop.name": "workshop_name",
    "workshop.short_name": "workshop_short_name",
    "submission.number": "paper_number",
    "submission.title": "paper_title",
    "outcome": "decision",
    "presentation": "presentation",
    "note": "note",
    "site_url": "site_url",
    "workshop.camera_ready_deadline": "camera_ready_deadline",
}
# Filters that only changed how a converted value looked (the new values are formatted already).
FORMATTING_FILTERS = re.compile(r'\|(?:lower|date(?::"[^"]*")?|default:"[^"]*")')
VARIABLE = re.compile(r"\{\{\s*([\w.]+)((?:\|[^}]*)?)\s*\}\}")

# Pieces of the old default templates, in the order they are replaced, and their new text: the
# new defaults (templates/emails/decision_*) say the same without conditions.
SNIPPETS = [
    ("{% autoescape off %}", ""),
    ("{% endautoescape %}", ""),
    ("{% if presentation %} for {{ presentation|lower }} presentation{% endif %}", " for {presentation} presentation"),
    (
        "{% if workshop.camera_ready_deadline %}\nPlease upload the camera-ready version (final, not anonymised) "
        'by {{ workshop.camera_ready_deadline|date:"j F Y" }} (Anywhere on Earth).\n{% endif %}',
        "\nPlease upload the camera-ready version (final, not anonymised) by {camera_ready_deadline}.\n",
    ),
    ("{% if note %}\nA note from the chairs:\n\n{{ note }}\n{% endif %}\n", "\n{note}"),
    (
        "The decision{% if reviews %} and the reviews{% endif %}, on the workshop's site:",
        "The decision, on the workshop's site:",
    ),
    ("{{ site_url }}{{ reviews_url }}", "{paper_url}"),
    ('{% include "emails/_decision_reviews.txt" %}', "{reviews}"),
    ("{% if reviews %}\nWe hope the reviews help you with the next version of your work.{% endif %}", ""),
]

# The old layout, emails/base.txt, around the body's blocks.
EXTENDS = re.compile(
    r'\s*\{% extends "emails/base\.txt" %\}\s*'
    r"(?:\{% block greeting %\}(?P<greeting>.*?)\{% endblock(?: greeting)? %\}\s*)?"
    r"\{% block content %\}(?P<content>.*)\{% endblock(?: content)? %\}\s*",
    re.DOTALL,
)
SIGNATURE = "\n\n— Workshop reviews for {workshop_name}\n{site_url}\n"
# A `{` that starts no Django construct was text; in the new language it is written `\{`.
LITERAL_BRACE = re.compile(r"(?<!\{)\{(?![{%#])")


def _variable(match):
    name, filters = match[1], FORMATTING_FILTERS.sub("", match[2].replace(" ", ""))
    if name in VARIABLES and not filters:
        return "{" + VARIABLES[name] + "}"
    return match[0]  # kept for the chair to fix


def convert(text: str) -> str:
    """One stored subject or body in the placeholder language, as far as it converts."""
    text = LITERAL_BRACE.sub(r"\\{", text.replace("\r\n", "\n"))
    layout = EXTENDS.fullmatch(text)
    if layout:
        greeting = layout["greeting"] if layout["greeting"] is not None else "Hello,"
        text = greeting + "\n\n" + layout["content"] + SIGNATURE
    for old, new in SNIPPETS:
        text = text.replace(old, new)
    return VARIABLE.sub(_variable, text)


def convert_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("workshop", "EmailTemplate")
    for template in EmailTemplate.objects.all():
        subject, body = convert(template.subject), convert(template.body)
        if len(subject) > 300:  # escaped braces made it too long: kept whole, for the chair to fix
            subject = template.subject
        if (subject, body) != (template.subject, template.body):
            EmailTemplate.objects.filter(pk=template.pk).update(subject=subject, body=body)


class Migration(migrations.Migration):
    dependencies = [
        ("workshop", "0003_release_publish_templates_notifications"),
    ]

    operations = [
        migrations.AlterField(
            model_name="emailtemplate",
            name="body",
            field=models.TextField(
                help_text="Plain text with the email's placeholders, such as {paper_title}; write \\{ for a brace. Never a template: wording with anything else is not sent, the default wording is."
            ),
        ),
        migrations.AlterField(
            model_name="emailtemplate",
            name="subject",
            field=models.CharField(
                help_text="Plain text with the email's placeholders, such as {paper_title}.", max_length=300
            ),
        ),
        migrations.RunPython(convert_templates, migrations.RunPython.noop),
    ]
