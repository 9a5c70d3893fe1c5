"""Charges: what a held (or missed) session is billed for.

A completed session becomes charge lines once its note is final, when the
payer asks for a signed note (the default): one line per procedure code,
with units from the note's minutes under the payer's unit rule, the fee
schedule's charge, the client's diagnoses (primary first, the claim's
pointers), place of service, rendering clinician and the authorization.
A client without insurance pays the practice charge or their sliding-scale
tier fee. Late cancellations and no-shows become client charges for the
practice's fee and never reach a claim. Creating charges is idempotent:
running it again for the same session adds nothing."""
from decimal import Decimal

from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from therapy_clinical.units import billable_units, minutes_between
from therapy_scheduling.booking import PLACES_OF_SERVICE

KINDS = [
    ('service', "Session"),
    ('late_cancel', "Late cancellation fee"),
    ('no_show', "No-show fee"),
    ]
MAX_DIAGNOSES = 12  # CMS-1500 box 21 A-L
# CPT modifier 95: synchronous telemedicine (most payers since 2020)
MODALITY_MODIFIERS = {'telehealth': '95'}


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    late_cancel_fee = fields.Numeric(
        "Late Cancellation Fee", digits=(16, 2),
        help="Charged to the client; empty: no fee.")
    no_show_fee = fields.Numeric(
        "No-Show Fee", digits=(16, 2),
        help="Charged to the client; empty: no fee.")


class Charge(Workflow, ModelSQL, ModelView):
    "Charge"
    __name__ = 'therapy.charge'
    _history = True

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='RESTRICT')
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    date = fields.Date("Date of Service", required=True, readonly=True)
    service = fields.Many2One(
        'therapy.service', "Service", readonly=True, ondelete='RESTRICT')
    procedure_code = fields.Char("Procedure Code", readonly=True)
    modifiers = fields.Char("Modifiers", readonly=True)
    minutes = fields.Integer("Minutes", readonly=True)
    unit_rule = fields.Char("Unit Rule", readonly=True)
    units = fields.Integer("Units", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    unit_price = Monetary(
        "Unit Price", currency='currency', digits='currency', readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)
    responsibility = fields.Selection([
            ('payer', "Payer"),
            ('client', "Client"),
            ], "Billed To", required=True, readonly=True)
    coverage = fields.Many2One(
        'therapy.coverage', "Coverage", readonly=True, ondelete='RESTRICT')
    payer = fields.Many2One(
        'therapy.payer', "Payer", readonly=True, ondelete='RESTRICT')
    diagnosis_codes = fields.Char(
        "Diagnosis Codes", readonly=True,
        help="ICD-10-CM codes, primary first: the claim's pointers A, B...")
    place_of_service = fields.Selection(
        [(None, "")] + PLACES_OF_SERVICE, "Place of Service", readonly=True)
    rendering = fields.Many2One(
        'company.employee', "Rendering Clinician", readonly=True,
        ondelete='RESTRICT')
    authorization = fields.Many2One(
        'therapy.authorization', "Authorization", readonly=True,
        ondelete='RESTRICT')
    sliding_tier = fields.Many2One(
        'therapy.sliding.tier', "Sliding Scale Tier", readonly=True,
        ondelete='RESTRICT')
    state = fields.Selection([
            ('pending', "To Bill"),
            ('billed', "Billed"),
            ('void', "Void"),
            ], "State", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('session_unique',
                Unique(t, t.appointment, t.client, t.kind, t.procedure_code),
                'therapy_billing.msg_charge_unique'),
            ]
        # the biller's Charges to Bill (a few thousand pending among the
        # years billed) and a client's charges (superbill, estimates)
        cls._sql_indexes.update({
                Index(t, (t.date, Index.Range(order='DESC')),
                    where=t.state == 'pending'),
                Index(t, (t.client, Index.Range()), (t.date, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'ASC')]
        cls._transitions |= {('pending', 'void'), ('pending', 'billed')}
        cls._buttons.update({
                'void': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return f'{self.procedure_code or self.kind} {self.date}'

    @classmethod
    @ModelView.button
    @Workflow.transition('void')
    def void(cls, charges):
        pass

    @classmethod
    @without_check_access
    def create_for(cls, appointments):
        """Charges of appointments not charged yet (idempotent); returns
        the charges created"""
        existing = {(c.appointment.id, c.client.id, c.kind)
            for c in cls.search([
                    ('appointment', 'in', [a.id for a in appointments]),
                    ])}
        vlist = []
        for appointment in appointments:
            for attendee in appointment.attendees:
                kind = cls.kind_of(appointment, attendee)
                if not kind or (appointment.id, attendee.client.id,
                        kind) in existing:
                    continue
                if kind == 'service':
                    vlist.extend(cls.session_values(appointment, attendee))
                else:
                    vlist.extend(cls.fee_values(appointment, attendee, kind))
        return cls.create(vlist)

    @staticmethod
    def kind_of(appointment, attendee):
        if attendee.attendance == 'attended':
            return 'service'
        if attendee.attendance == 'no_show':
            return 'no_show'
        if (attendee.attendance == 'cancelled'
                and appointment.late_cancellation
                and not appointment.late_fee_waived_at):
            return 'late_cancel'

    @classmethod
    def fee_values(cls, appointment, attendee, kind):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Coverage = pool.get('therapy.coverage')
        configuration = Configuration(1)
        coverages = Coverage.for_client(attendee.client, appointment.local_date)
        if any(c.payer.beneficiary_billing_prohibited for c in coverages):
            return []
        fee = (configuration.late_cancel_fee if kind == 'late_cancel'
            else configuration.no_show_fee)
        if not fee:
            return []
        return [{
                'company': appointment.company.id,
                'client': attendee.client.id,
                'appointment': appointment.id,
                'kind': kind,
                'date': appointment.local_date,
                'units': 1,
                'unit_price': fee,
                'amount': fee,
                'responsibility': 'client',
                'rendering': appointment.clinician.id,
                }]

    @classmethod
    def session_values(cls, appointment, attendee):
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        Note = pool.get('therapy.note')
        Fee = pool.get('therapy.fee')
        SlidingScale = pool.get('therapy.sliding.scale')
        Authorization = pool.get('therapy.authorization')
        client = attendee.client
        date = appointment.local_date
        coverages = Coverage.for_client(client, date)
        # a self-pay primary means the client pays, whatever comes after
        coverage = coverages[0] if coverages and not (
            coverages[0].payer.self_pay) else None
        payer = coverage.payer if coverage else None
        notes = Note.search([
                ('appointment', '=', appointment.id),
                ('client', '=', client.id),
                ])
        note = notes[0] if notes else None
        if payer and payer.signed_note_required and not (
                note and note.final):
            return []  # charged when the note is final
        if note:
            minutes = note.minutes_by_service()
        else:
            minutes = {appointment.service: minutes_between(
                    appointment.start, appointment.end)}
        timed = {s: m for s, m in minutes.items() if s.timed}
        rule = (payer.unit_rule_for(appointment.service) if payer
            else 'midpoint')
        units = billable_units(
            {s.id: m for s, m in timed.items()}, rule) if timed else {}
        diagnoses = [d for d in (note.diagnoses if note else [])] or [
            d for d in client.diagnoses if d.active_problem]
        codes = ', '.join(d.code.code for d in sorted(
                diagnoses, key=lambda d: (d.rank or 0, d.id))[:MAX_DIAGNOSES])
        tier = None
        if not payer:
            scale = SlidingScale.current(client, date)
            tier = scale.tier if scale else None
        modifiers = MODALITY_MODIFIERS.get(appointment.modality)
        if tier:
            # the tier fee is per session: one line, the booked service,
            # never above what the practice charges everyone else
            practice = sum((Fee.charge_for(s, date, modifiers) or Decimal(0))
                * (units.get(s.id, 0) if s.timed else 1) for s in minutes)
            minutes = {appointment.service: sum(minutes.values())}
        vlist = []
        for service, service_minutes in minutes.items():
            count = units.get(service.id, 0) if service.timed else 1
            if payer:
                # the payer's rules: discipline, telehealth, assistant,
                # licensure level; the fee is that of the codes billed
                modifiers = ','.join(payer.modifiers_for(
                        service, appointment.modality, appointment.clinician,
                        [m for m in [MODALITY_MODIFIERS.get(
                                    appointment.modality)] if m])) or None
            unit_price = Fee.charge_for(
                service, date, modifiers) or Decimal(0)
            if tier:
                unit_price = min(tier.fee, practice) if practice else tier.fee
                count = 1
            if not count:
                continue
            authorizations = (Authorization.for_booking(
                    client, coverage, service, appointment.clinician, date)
                if coverage else [])
            vlist.append({
                    'company': appointment.company.id,
                    'client': client.id,
                    'appointment': appointment.id,
                    'kind': 'service',
                    'modifiers': modifiers,
                    'date': date,
                    'service': service.id,
                    'procedure_code': service.code,
                    'minutes': service_minutes,
                    'unit_rule': rule if service.timed else None,
                    'units': count,
                    'unit_price': unit_price,
                    'amount': unit_price * count,
                    'responsibility': 'payer' if payer else 'client',
                    'coverage': coverage.id if coverage else None,
                    'payer': payer.id if payer else None,
                    'diagnosis_codes': codes or None,
                    'place_of_service': appointment.place_of_service,
                    'rendering': appointment.clinician.id,
                    'authorization': (authorizations[0].id
                        if authorizations else None),
                    'sliding_tier': tier.id if tier else None,
                    })
        return vlist


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    @classmethod
    @ModelView.button
    @Workflow.transition('completed')
    def complete(cls, appointments):
        super().complete(appointments)
        Pool().get('therapy.charge').create_for(cls.browse(appointments))

    @classmethod
    @ModelView.button
    @Workflow.transition('no_show')
    def no_show(cls, appointments):
        super().no_show(appointments)
        Pool().get('therapy.charge').create_for(cls.browse(appointments))

    @classmethod
    @Workflow.transition('cancelled')
    def do_cancel(cls, appointments, cancelled_by, reason, note=None):
        super().do_cancel(appointments, cancelled_by, reason, note=note)
        Pool().get('therapy.charge').create_for(
            [a for a in cls.browse(appointments) if a.late_cancellation])


class Note(metaclass=PoolMeta):
    __name__ = 'therapy.note'

    @classmethod
    @ModelView.button
    @Workflow.transition('signed')
    def sign(cls, notes):
        super().sign(notes)
        cls.charge_final(notes)

    @classmethod
    @ModelView.button
    @Workflow.transition('cosigned')
    def cosign(cls, notes):
        super().cosign(notes)
        cls.charge_final(notes)

    @classmethod
    def charge_final(cls, notes):
        "Charge the completed sessions whose note just became final"
        Charge = Pool().get('therapy.charge')
        Charge.create_for(list({n.appointment for n in cls.browse(notes)
                    if n.final and n.appointment
                    and n.appointment.state == 'completed'}))
