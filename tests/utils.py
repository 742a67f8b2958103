import re
import socket
import uuid
from contextlib import contextmanager
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    """An SMTP server's handler that accepts and keeps every message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def subjects(self):
        return [message_from_bytes(envelope.content)["Subject"] for envelope in self.messages]


class RefusingSMTP:
    """An SMTP server's handler that refuses every message for good."""

    def __init__(self):
        self.calls = 0

    async def handle_DATA(self, server, session, envelope):
        self.calls += 1
        return "554 5.7.1 Message rejected by the test server"


@contextmanager
def smtp_server(handler):
    """A real SMTP server on loopback with `handler`; yields its port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def outbox_row(**fields):
    """An outbox row written directly, for states the services only reach over time."""
    from workshop.models import OutboxEmail

    subject = fields.pop("subject", "Subject")
    defaults = {
        "from_email": "chairs@calm.example",
        "to": ["someone@uni.example"],
        "body_text": "Body",
        "audience": "person",
    }
    return OutboxEmail.objects.create(
        subject=subject, message_id=f"<{uuid.uuid4().hex}@test>", **{**defaults, **fields}
    )


# What differs on every request: CSRF tokens (in forms, htmx headers, meta tags) and CSP nonces.
PER_REQUEST = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'("X-CSRFToken": ?")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(csrf[-_]?token"? content=")[^"]+', re.I), r"\1<csrf>"),
    (re.compile(r'(nonce=")[^"]+'), r"\1<nonce>"),
]


def page_as_seen(html: str) -> str:
    """A page with what differs on every request (CSRF tokens, CSP nonces) replaced by a fixed
    word: two pages equal after this show a person the same thing."""
    for pattern, replacement in PER_REQUEST:
        html = pattern.sub(replacement, html)
    return html
