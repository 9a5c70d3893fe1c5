"""The one shape of Caseload's automatic emails: From, To, Subject,
`Auto-Submitted: auto-generated` (auto-responders stay quiet) and a
plain-text body. What goes in the body is the caller's (no PHI:
therapy_scheduling/notify.py checks it for the messages about clients)."""
from email.message import EmailMessage

from trytond import config


def auto_message(to, subject, body, sender=None):
    """An auto-generated EmailMessage to the address(es) to; sender
    defaults to [email] from"""
    if not isinstance(to, str):
        to = ', '.join(sorted(to))
    message = EmailMessage()
    message['From'] = sender or config.get('email', 'from')
    message['To'] = to
    message['Subject'] = subject
    message['Auto-Submitted'] = 'auto-generated'
    message.set_content(body)
    return message
