"""A statement sent by the practice (therapy_billing's statement run) is
announced to the client's portal logins by email: the practice and a link
to the portal's billing page, no PHI (SEC-TX-01); the statement itself is
read after signing in. A portal download is not announced."""
from trytond.i18n import gettext
from trytond.pool import PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.notify import auto_email
from therapy_scheduling.web import public_url


class StatementSent(metaclass=PoolMeta):
    __name__ = 'therapy.client.statement.sent'

    @classmethod
    def notify(cls, statements):
        super().notify(statements)
        database = Transaction().database.name
        link = f'{public_url()}/{database}/portal/billing'
        for statement in statements:
            if statement.channel == 'portal':
                continue
            with without_check_access():
                client = statement.client
                to = sorted({u.email for u in client.portal_users
                        if u.email})
                practice = statement.company.party.name
            if not to:
                continue
            # not strict: a mail server down must not undo the run
            send_message_transactional(auto_email(to,
                    gettext('therapy_portal.msg_statement_email_subject',
                        practice=practice),
                    gettext('therapy_portal.msg_statement_email_body',
                        practice=practice, link=link),
                    about=[client]), strict=False)
