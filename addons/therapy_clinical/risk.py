"""Risk answers (issue 14): a response completed with its risk flag (PHQ-9
item 9 above 0, or an answer to a question the template marks as risk)
alerts the client's care team at once.

The alert is twofold: the response waits on the care team's home
(*Risk Answers to Review*, the responses' own record rules decide who
sees it) until one of them records the review, and an email goes to the
team's addresses when the transaction commits (a mail server down is
logged and refuses nothing). The email names no one
(therapy_scheduling/notify.py refuses one that does): it says that a
client of theirs answered a risk question and where to look. A client
with no care team yet alerts the clinical directors instead, so the
alert never goes nowhere. The client, in the portal, is shown crisis
resources on the page that confirms the form (therapy_portal)."""
import logging

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling import clock
from therapy_scheduling.notify import auto_email

logger = logging.getLogger(__name__)


class FormResponse(metaclass=PoolMeta):
    __name__ = 'therapy.form.response'
    risk_reviewed_by = fields.Many2One(
        'res.user', "Risk Reviewed By", readonly=True,
        states={'invisible': ~Eval('risk_flag')})
    risk_reviewed_at = fields.Timestamp(
        "Risk Reviewed At", readonly=True,
        states={'invisible': ~Eval('risk_flag')},
        help="When a member of the care team recorded that they reviewed "
        "the risk answer (the alert then leaves their homes).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._unlocked_fields = cls._unlocked_fields | {
            'risk_reviewed_by', 'risk_reviewed_at'}
        cls._buttons.update({
                'review_risk': {
                    'invisible': (~Eval('risk_flag')
                        | Bool(Eval('risk_reviewed_at'))),
                    'depends': ['risk_flag', 'risk_reviewed_at'],
                    },
                })

    @classmethod
    def do_complete(cls, responses, *args, **kwargs):
        super().do_complete(responses, *args, **kwargs)
        flagged = [r for r in cls.browse(responses) if r.risk_flag]
        if flagged:
            cls.alert_care_team(flagged)

    @classmethod
    def alert_care_team(cls, responses):
        "Email the care teams of the responses' clients (no PHI)"
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            clients = list({r.client for r in responses})
            team = {e for c in clients for e in c.care_team}
            users = User.search([('employees', 'in', list(team))]) \
                if team else []
            if not [u for u in users if u.email]:
                directors = Group(ModelData.get_id(
                        'therapy_clinical', 'group_clinical_director'))
                users = list(directors.users)
            to = sorted({u.email for u in users if u.email})
        if not to:
            logger.warning("risk answers of %s responses: no address to "
                "alert (no care team or clinical director email)",
                len(responses))
            return
        # not strict: a mail server down must not refuse the client's
        # answers; the alert waits on the care team's homes all the same
        send_message_transactional(auto_email(to,
                gettext('therapy_clinical.msg_risk_email_subject'),
                gettext('therapy_clinical.msg_risk_email_body',
                    count=len(responses)),
                about=clients), strict=False)

    @classmethod
    @ModelView.button
    def review_risk(cls, responses):
        "The care team has seen the risk answer and acted on it"
        cls.write([r for r in responses
                if r.risk_flag and not r.risk_reviewed_at], {
                'risk_reviewed_by': Transaction().user,
                'risk_reviewed_at': clock.now().replace(microsecond=0),
                })
