"""Automatic emails to staff and clients, and the rule that they carry no
PHI (SECURITY.md, SEC-TX-01: email is not a safe channel for it).

Every automatic email of Caseload is built by `auto_email`: From, To,
Subject, `Auto-Submitted: auto-generated` (so auto-responders and
vacation replies stay quiet) and a plain-text body. The caller names the
clients the message is about; the email is refused (PHIInEmailError, and
nothing is sent) when its subject or body contains one of their full
names or client numbers. Subject and body must be text: a record or any
other object is refused too. A message says counts, dates, the practice
and a link; who it concerns is seen after logging in.

Sending: `send_after_commit` (Tryton's transactional sendmail: the
message goes out only if the transaction commits) or `send_now` (at
once, over a connection the caller keeps open for many messages, as the
reminder cron does to log each real outcome)."""
import re

from trytond.sendmail import send_message, send_message_transactional

from therapy_audit.mail import auto_message


class PHIInEmailError(ValueError):
    """An automatic email would name a client it is about: a bug in the
    caller, and the email is not sent"""


def phi_terms(clients):
    """What must not appear in an email about clients: each one's full
    name and client number (records of therapy.client, or any object with
    party.name and number)"""
    terms = set()
    for client in clients:
        party = getattr(client, 'party', None)
        for term in [getattr(party, 'name', None),
                getattr(client, 'number', None)]:
            if term and term.strip():
                terms.add(term.strip())
    return sorted(terms)


def check_no_phi(subject, body, terms):
    """Raise PHIInEmailError when subject or body is not text or contains
    one of terms (case and spacing aside, as whole words)"""
    for part, text in [("subject", subject), ("body", body)]:
        if not isinstance(text, str):
            raise PHIInEmailError(
                f"the {part} of an automatic email must be text, "
                f"not {type(text).__name__}")
        for term in terms:
            words = r'\s+'.join(re.escape(w) for w in term.split())
            if re.search(rf'(?<!\w){words}(?!\w)', text, re.IGNORECASE):
                raise PHIInEmailError(
                    f"the {part} of an automatic email names a client "
                    "it is about; say counts, dates and a link instead")


def auto_email(to, subject, body, about=(), sender=None):
    """An auto-generated EmailMessage to the address(es) to, checked
    against the PHI of the clients about (see the module's docstring).
    sender defaults to [email] from."""
    check_no_phi(subject, body, phi_terms(about))
    return auto_message(to, subject, body, sender=sender)


def send_after_commit(message):
    "Send message when the transaction commits (not at all if it fails)"
    send_message_transactional(message, strict=True)


def send_now(message, server):
    """Send message at once over server (an open SMTP connection); returns
    the connection to use for the next message"""
    return send_message(message, server=server, strict=True) or server
