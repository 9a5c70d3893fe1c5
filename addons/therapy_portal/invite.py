"""Invite to Portal: the front desk's button on the client's record.

Who is invited is the client, or a legal guardian who consents for them
(the people `Client.portal_parties` lets see the record); the email
address defaults to that person's own. The login is created when the
person has none, and an invitation link is emailed (account.py); the
intake packet is given at the same time (intake.py). Inviting again sends
a new link, the earlier one no longer works."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import PortalInviteError


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'invite_portal': {
                    'invisible': Eval('status') == 'discharged',
                    'depends': ['status'],
                    },
                })

    @classmethod
    @ModelView.button_action('therapy_portal.wizard_portal_invite')
    def invite_portal(cls, clients):
        pass


class InviteStart(ModelView):
    "Invite to Portal"
    __name__ = 'therapy.portal.invite.start'

    people = fields.Many2Many(
        'party.party', None, None, "People", readonly=True)
    person = fields.Many2One(
        'party.party', "Person", required=True,
        domain=[('id', 'in', Eval('people', []))],
        help="The client, or a legal guardian who consents for them.")
    email = fields.Char(
        "Email", required=True,
        help="Where the invitation link goes; the person signs in with it.")

    @fields.depends('person')
    def on_change_person(self):
        if self.person and self.person.email:
            self.email = self.person.email


class InviteDone(ModelView):
    "Invitation Sent"
    __name__ = 'therapy.portal.invite.done'

    summary = fields.Text("Summary", readonly=True)


class Invite(Wizard):
    "Invite to Portal"
    __name__ = 'therapy.portal.invite'

    start = StateView('therapy.portal.invite.start',
        'therapy_portal.portal_invite_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send Invitation", 'invite', 'tryton-email', default=True),
            ])
    invite = StateTransition()
    done = StateView('therapy.portal.invite.done',
        'therapy_portal.portal_invite_done_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        client = self.record
        people = client.portal_parties()
        # a minor's guardian first: the one who signs for them
        person = people[-1] if client.is_minor() and len(people) > 1 \
            else people[0]
        return {
            'people': [p.id for p in people],
            'person': person.id,
            'email': person.email,
            }

    def transition_invite(self):
        pool = Pool()
        WebUser = pool.get('web.user')
        Client = pool.get('therapy.client')
        client = self.record
        # the view's choice is the client's to make up: checked again here
        if self.start.person not in client.portal_parties():
            raise PortalInviteError(gettext(
                    'therapy_portal.msg_invite_not_allowed',
                    party=self.start.person.rec_name,
                    client=client.rec_name))
        given = Client.give_intake_packet([client], notify=False)
        user = WebUser.invite(self.start.person, self.start.email, [client])
        self.done.summary = gettext('therapy_portal.msg_invite_sent',
            email=user.email, expires=user.reset_password_token_expire,
            forms=len(given))
        return 'done'

    def default_done(self, fields):
        return {'summary': self.done.summary}
