"""Outcome measures over time: scheduling, the caseload's latest scores
and the trend graph's fixed scale with its severity bands.

schedule() drafts the measures due at each client's next session (the
response waits, linked to the appointment, for the client or the clinician
to fill in); therapy.measure.latest shows each client's last score per
measure with the change since the one before."""
from collections import defaultdict

from sql import Null
from sql.operators import Exists

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import without_check_access

from therapy_scheduling import clock

from .measures import SEVERITIES, band_floor, is_due, scale_max

# the trend graph's severity bands: each drawn as a line at the band's
# floor, on the measure's whole published scale (0 to the maximum)
BAND_FIELDS = ['band_' + s for s, _ in SEVERITIES]


@without_check_access
def schedule(horizon, now=None):
    """Draft a response for every measure due at the sessions starting
    within horizon; returns the responses created"""
    pool = Pool()
    Appointment = pool.get('therapy.appointment')
    Attendee = pool.get('therapy.appointment.attendee')
    Response = pool.get('therapy.form.response')
    Template = pool.get('therapy.form.template')
    now = now or clock.now()
    templates = Template.search([
            ('category', '=', 'measure'),
            ('every_n_sessions', '>', 0),
            ])
    appointments = Appointment.search([
            ('start', '>=', now),
            ('start', '<', now + horizon),
            ('state', 'in', ['scheduled', 'confirmed']),
            ], order=[('start', 'ASC')])
    if not templates or not appointments:
        return []
    clients = {a.client for p in appointments for a in p.attendees
        if a.attendance == 'expected'}
    responses = Response.search([
            ('client', 'in', [c.id for c in clients]),
            ('template', 'in', [t.id for t in templates]),
            ])
    last = {}
    pending = set()
    for response in responses:
        key = (response.client, response.template)
        if response.state == 'draft':
            pending.add(key)
        elif not last.get(key) or last[key] < response.completed_at:
            last[key] = response.completed_at
    attended = defaultdict(list)
    for attendee in Attendee.search([
                ('client', 'in', [c.id for c in clients]),
                ('attendance', '=', 'attended'),
                ]):
        attended[attendee.client].append(attendee.start)
    vlist = []
    for appointment in appointments:
        for attendee in appointment.attendees:
            if attendee.attendance != 'expected':
                continue
            for template in templates:
                key = (attendee.client, template)
                if key in pending:
                    continue
                since = last.get(key)
                sessions = len([s for s in attended[attendee.client]
                        if since is None or s > since])
                if is_due(sessions, template.every_n_sessions, bool(since)):
                    pending.add(key)
                    vlist.append({
                            'company': appointment.company.id,
                            'template': template.id,
                            'client': attendee.client.id,
                            'appointment': appointment.id,
                            })
    return Response.create(vlist)


class MeasureLatest(ModelSQL, ModelView):
    "Latest Outcome Score"
    __name__ = 'therapy.measure.latest'

    company = fields.Many2One('company.company', "Company", readonly=True)
    client = fields.Many2One('therapy.client', "Client", readonly=True)
    template = fields.Many2One(
        'therapy.form.template', "Measure", readonly=True)
    date = fields.Date("Date", readonly=True)
    score = fields.Integer("Score", readonly=True)
    severity = fields.Selection(
        [(None, "")] + SEVERITIES, "Severity", readonly=True)
    risk_flag = fields.Boolean("Risk Flag", readonly=True)
    primary_clinician = fields.Function(
        fields.Many2One('company.employee', "Primary Clinician"),
        'get_primary_clinician', searcher='search_primary_clinician')
    previous_score = fields.Function(
        fields.Integer("Previous Score"), 'get_previous')
    change = fields.Function(
        fields.Integer("Change",
            help="Since the previous score; negative is improvement."),
        'get_previous')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        response = pool.get('therapy.form.response').__table__()
        template = pool.get('therapy.form.template').__table__()
        later = pool.get('therapy.form.response').__table__()
        scored = (response.state == 'completed') & (template.measure != Null)
        # the latest: no completed response of the same client and measure
        # is dated after it (the id breaks ties of one day)
        newer = later.select(later.id, where=(later.client == response.client)
            & (later.template == response.template)
            & (later.state == 'completed')
            & ((later.date > response.date)
                | ((later.date == response.date) & (later.id > response.id))))
        return response.join(template,
            condition=response.template == template.id).select(
            response.id, response.create_uid, response.create_date,
            response.write_uid, response.write_date, response.company,
            response.client, response.template, response.date,
            response.score, response.severity, response.risk_flag,
            where=scored & ~Exists(newer))

    def get_rec_name(self, name):
        return f'{self.template.rec_name}, {self.client.rec_name}'

    def get_primary_clinician(self, name):
        clinician = self.client.primary_clinician
        return clinician.id if clinician else None

    @classmethod
    def search_primary_clinician(cls, name, clause):
        return [('client.primary_clinician',) + tuple(clause[1:])]

    @classmethod
    def get_previous(cls, latests, names):
        "The score before the latest: one query for the whole list"
        Response = Pool().get('therapy.form.response')
        result = {n: {} for n in names}
        history = defaultdict(list)
        for response in Response.search([
                    ('client', 'in', list({l.client.id for l in latests})),
                    ('template', 'in', list({l.template.id for l in latests})),
                    ('state', '=', 'completed'),
                    ], order=[('date', 'ASC'), ('id', 'ASC')]):
            history[(response.client.id, response.template.id)].append(
                (response.date, response.id, response.score))
        for latest in latests:
            earlier = [score for date, id_, score in history[
                    (latest.client.id, latest.template.id)]
                if (date, id_) < (latest.date, latest.id)]
            score = earlier[-1] if earlier else None
            values = {
                'previous_score': score,
                'change': (latest.score - score
                    if score is not None and latest.score is not None
                    else None),
                }
            for name in names:
                result[name][latest.id] = values[name]
        return result


class FormResponse(metaclass=PoolMeta):
    __name__ = 'therapy.form.response'

    measure = fields.Function(
        fields.Char("Measure"), 'get_measure_scale')
    scale_max = fields.Function(
        fields.Integer("Scale maximum",
            help="The highest score of the measure: the graph shows the "
            "whole published scale."),
        'get_measure_scale')
    band_minimal = fields.Function(
        fields.Integer("Minimal"), 'get_measure_scale')
    band_mild = fields.Function(
        fields.Integer("Mild"), 'get_measure_scale')
    band_moderate = fields.Function(
        fields.Integer("Moderate"), 'get_measure_scale')
    band_moderately_severe = fields.Function(
        fields.Integer("Moderately severe"), 'get_measure_scale')
    band_severe = fields.Function(
        fields.Integer("Severe"), 'get_measure_scale')

    @classmethod
    def view_attributes(cls):
        # a band the measure does not have (GAD-7: moderately severe) is no
        # line at 0: the graph skips it
        return super().view_attributes() + [
            (f'/graph/y/field[@name="{name}"]', 'domain',
                Bool(Eval(name, 0)))
            for name in BAND_FIELDS[1:]]

    @classmethod
    def get_measure_scale(cls, responses, names):
        result = {n: {} for n in names}
        for response in responses:
            measure = response.template.measure if response.template else None
            values = {'measure': measure}
            values['scale_max'] = scale_max(measure) if measure else None
            for name in BAND_FIELDS:
                values[name] = (band_floor(measure, name[len('band_'):])
                    if measure else None)
            for name in names:
                result[name][response.id] = values[name]
        return result
