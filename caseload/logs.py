"""Operator-facing log lines for conditions an operator fixes in the config.

Tryton logs the whole traceback each time it cannot reach the mail server
(a practice without `[email] uri`, or the demo on a laptop): four of them
scrolled past the demo's logins. One line that names the server and the
setting says the same and tells how to fix it; anything else the mail code
logs is left as it is.
"""
import logging

MAIL_LOGGER = 'trytond.sendmail'


class MailServerUnreachable(logging.Filter):
    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if (record.msg == 'fail to connect to %s'
                and isinstance(error, OSError)):
            uri = record.args[0] if record.args else None
            # host and port only: the URI may hold the mail password
            where = ('the configured address' if not hasattr(uri, 'hostname')
                else f'{uri.hostname}:{uri.port}' if uri.port
                else uri.hostname)
            record.msg = (
                "Email not sent: no mail server answers at %s (%s). "
                "Set [email] uri in the server config to send email.")
            record.args = (where, error.strerror or error)
            record.levelno, record.levelname = logging.WARNING, 'WARNING'
            record.exc_info = record.exc_text = None
        return True


def install():
    logger = logging.getLogger(MAIL_LOGGER)
    if not any(isinstance(f, MailServerUnreachable) for f in logger.filters):
        logger.addFilter(MailServerUnreachable())
