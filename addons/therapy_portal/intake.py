"""The intake packet: the forms a practice wants from every new client
(intake questionnaire, consents, financial policy, a first measure).

The practice ticks *In Intake Packet* on those form templates. A client
gets the packet, as pending responses, when invited to the portal or
first booked, whichever comes first; a form the client already has
(pending or completed) is never given twice, so the packet is given once
however often either happens. When the packet is given on a booking, the
client's portal logins get an email that says only that forms are
waiting at the practice (no PHI: therapy_scheduling/notify.py); an
invitation's own email leads to them already. The forms are then filled
in the portal (saved part-way and finished later, forms.py) or at the
front desk."""
import logging

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.notify import auto_email
from therapy_scheduling.web import public_url

logger = logging.getLogger(__name__)


class FormTemplate(metaclass=PoolMeta):
    __name__ = 'therapy.form.template'

    intake_packet = fields.Boolean(
        "In Intake Packet",
        help="Given to every new client, to fill in the client portal "
        "before the first visit: when they are invited to the portal or "
        "first booked.")

    @classmethod
    def default_intake_packet(cls):
        return False


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    @classmethod
    def give_intake_packet(cls, clients, notify=True):
        """Pending responses of the intake packet's forms each client does
        not have yet; with notify, their portal logins are told by email.
        Returns the responses created."""
        pool = Pool()
        Template = pool.get('therapy.form.template')
        Response = pool.get('therapy.form.response')
        with without_check_access():
            templates = Template.search([('intake_packet', '=', True)])
            clients = [c for c in clients if c.status != 'discharged']
            if not templates or not clients:
                return []
            given = {(r.client.id, r.template.id) for r in Response.search([
                        ('client', 'in', [c.id for c in clients]),
                        ('template', 'in', [t.id for t in templates]),
                        ])}
            responses = Response.create([{
                        'company': c.company.id,
                        'client': c.id,
                        'template': t.id,
                        } for c in clients for t in templates
                    if (c.id, t.id) not in given])
            if notify and responses:
                cls.tell_forms_waiting(responses)
        return responses

    @classmethod
    def tell_forms_waiting(cls, responses):
        "Email the portal logins of the responses' clients (no PHI)"
        clients = list({r.client for r in responses})
        for client in clients:
            to = sorted({u.email for u in client.portal_users if u.email})
            if not to:
                continue
            count = len([r for r in responses if r.client == client])
            practice = client.company.party.name
            # not strict: a booking must not fail on a mail server down;
            # the forms wait on the portal's home all the same
            send_message_transactional(auto_email(to,
                    gettext('therapy_portal.msg_intake_email_subject',
                        practice=practice),
                    gettext('therapy_portal.msg_intake_email_body',
                        practice=practice, count=count,
                        url=f'{public_url()}/'
                        f'{Transaction().database.name}/portal/'),
                    about=clients), strict=False)


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    @classmethod
    def create(cls, vlist):
        appointments = super().create(vlist)
        Client = Pool().get('therapy.client')
        clients = {a.client for a in appointments if a.client}
        if clients:
            Client.give_intake_packet(list(clients))
        return appointments
