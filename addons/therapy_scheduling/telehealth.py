"""The link a client joins an online session by.

Most practices give each clinician a standing video room (a doxy.me room,
a Zoom personal meeting link) and some a link per session: the session's
own *Telehealth Link* wins, else its clinician's *Telehealth Room*. Only
secure web addresses are taken (https, a host, no spaces): the link is
pasted from another system, and a typo or an http:// room would send the
client somewhere else or in clear text. The link is shown to the
session's client in the portal (therapy_portal), never in an email or a
calendar file, which others may read."""
import urllib.parse

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .exceptions import AppointmentValidationError, ClinicianValidationError


def is_join_url(url):
    "Whether url is a secure web address a browser can open"
    if not url or any(c.isspace() for c in url):
        return False
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == 'https' and bool(parts.hostname)


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    telehealth_room = fields.Char(
        "Telehealth Room",
        help="The clinician's standing video room (https:// link), used "
        "for their online sessions that have no link of their own.")

    @classmethod
    def validate_fields(cls, employees, field_names):
        super().validate_fields(employees, field_names)
        if field_names and 'telehealth_room' not in field_names:
            return
        for employee in employees:
            if employee.telehealth_room and not is_join_url(
                    employee.telehealth_room):
                raise ClinicianValidationError(gettext(
                        'therapy_scheduling.msg_telehealth_link_invalid',
                        url=employee.telehealth_room,
                        record=employee.rec_name))


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    telehealth_link = fields.Char(
        "Telehealth Link",
        states={'invisible': Eval('modality') != 'telehealth'},
        help="This session's own video link (https://); leave empty to "
        "use the clinician's telehealth room.")
    join_url = fields.Function(
        fields.Char("Join Link",
            states={'invisible': Eval('modality') != 'telehealth'}),
        'get_join_url')

    def get_join_url(self, name):
        if self.modality != 'telehealth':
            return None
        return self.telehealth_link or (
            self.clinician.telehealth_room if self.clinician else None)

    @classmethod
    def validate_fields(cls, appointments, field_names):
        super().validate_fields(appointments, field_names)
        if field_names and 'telehealth_link' not in field_names:
            return
        for appointment in appointments:
            if appointment.telehealth_link and not is_join_url(
                    appointment.telehealth_link):
                raise AppointmentValidationError(gettext(
                        'therapy_scheduling.msg_telehealth_link_invalid',
                        url=appointment.telehealth_link,
                        record=appointment.rec_name))
