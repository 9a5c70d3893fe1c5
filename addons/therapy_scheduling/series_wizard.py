import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import clock
from .appointment import format_local, local_time, to_utc
from .appointment_wizard import CancellationMixin, MoveMixin
from .exceptions import SeriesValidationError
from .recurrence import horizon_end
from .series import HORIZON_WEEKS


class GeneratePreview(ModelView):
    "Series Preview"
    __name__ = 'therapy.appointment.series.generate.preview'

    lines = fields.One2Many(
        'therapy.appointment.series.generate.line', None, "Occurrences")


class GenerateLine(ModelView):
    "Series Occurrence"
    __name__ = 'therapy.appointment.series.generate.line'

    index = fields.Integer("#", readonly=True)
    start = fields.DateTime("Start", readonly=True)
    local_time = fields.Char("Local Time", readonly=True)
    problem = fields.Char("Problem", readonly=True)
    action = fields.Selection([
            ('book', "Book"),
            ('skip', "Skip"),
            ('move', "Move to"),
            ], "Action", required=True)
    new_start = fields.DateTime(
        "New Start",
        states={
            'invisible': Eval('action') != 'move',
            'required': Eval('action') == 'move',
            })


class Generate(Wizard):
    """Preview a series' occurrences with their conflicts, let the user skip
    or move each problem one, then book them"""
    __name__ = 'therapy.appointment.series.generate'

    start = StateView('therapy.appointment.series.generate.preview',
        'therapy_scheduling.series_generate_preview_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Book", 'book', 'tryton-ok', default=True),
            ])
    book = StateTransition()

    def default_start(self, fields):
        series = self.record
        timezone = series.location.timezone
        lines = []
        for occurrence, problem in series.preview():
            lines.append({
                    'index': occurrence.index + 1,
                    'start': occurrence.start,
                    'local_time': format_local(occurrence.start, timezone),
                    'problem': problem,
                    'action': 'skip' if problem else 'book',
                    })
        return {'lines': lines}

    def transition_book(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Series = pool.get('therapy.appointment.series')
        Skip = pool.get('therapy.appointment.series.skip')
        series = self.record
        by_index = {o.index: o for o in series.occurrences(
                date_to=horizon_end(dt.date.today(), HORIZON_WEEKS))}
        to_book, skips = [], []
        for line in self.start.lines:
            occurrence = by_index[line.index - 1]
            if line.action == 'skip':
                skips.append({
                        'series': series.id, 'start': occurrence.start,
                        'reason': line.problem or gettext(
                            'therapy_scheduling.msg_series_skipped_by_user'),
                        })
                continue
            values = series.appointment_values(
                occurrence, line.new_start if line.action == 'move' else None)
            problem = series.conflict(values)
            if problem:
                raise SeriesValidationError(gettext(
                        'therapy_scheduling.msg_series_occurrence_conflict',
                        when=line.local_time, problem=problem))
            to_book.append(values)
        Appointment.create(to_book)
        Skip.create(skips)
        Series.activate([series], horizon_end(dt.date.today(), HORIZON_WEEKS))
        return 'end'


class EndStart(CancellationMixin, ModelView):
    "End Series"
    __name__ = 'therapy.appointment.series.end.start'

    last_date = fields.Date(
        "Last Date", required=True,
        help="Appointments after this date are cancelled.")

    @classmethod
    def default_last_date(cls):
        return dt.date.today()

    @classmethod
    def default_reason(cls):
        return 'other'


class End(Wizard):
    "End Series"
    __name__ = 'therapy.appointment.series.end'

    start = StateView('therapy.appointment.series.end.start',
        'therapy_scheduling.series_end_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("End Series", 'end_series', 'tryton-ok', default=True),
            ])
    end_series = StateTransition()

    def transition_end_series(self):
        Series = Pool().get('therapy.appointment.series')
        Series.do_end(list(self.records), self.start.last_date,
            self.start.cancelled_by, self.start.reason)
        return 'end'


class ChangeStart(MoveMixin, ModelView):
    "Change Series Appointments"
    __name__ = 'therapy.appointment.series.change.start'

    scope = fields.Selection([
            ('this', "This appointment"),
            ('following', "This and the following ones"),
            ('all', "All upcoming appointments of the series"),
            ], "Apply To", required=True)
    start_time = fields.Time(
        "Start Time", required=True,
        help="New local start time at the location.")


class Change(Wizard):
    """Change the time, clinician or room of one appointment of a series,
    of it and the following ones, or of all upcoming ones"""
    __name__ = 'therapy.appointment.series.change'

    start = StateView('therapy.appointment.series.change.start',
        'therapy_scheduling.series_change_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Apply", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        appointment = self.record
        if not appointment.series:
            raise SeriesValidationError(gettext(
                    'therapy_scheduling.msg_appointment_not_in_series',
                    appointment=appointment.rec_name))
        return {
            **MoveMixin.defaults_from(appointment),
            'scope': 'this',
            'start_time': local_time(
                appointment.start, appointment.location.timezone).time(),
            }

    def transition_apply(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Series = pool.get('therapy.appointment.series')
        form = self.start
        appointment = self.record
        series = appointment.series
        upcoming = [a for a in series.appointments
            if a.state in {'scheduled', 'confirmed'}
            and a.start >= clock.now()]
        if form.scope == 'this':
            targets = [appointment]
        elif form.scope == 'following':
            targets = [a for a in upcoming
                if a.series_index >= appointment.series_index]
        else:
            targets = upcoming
        changes = form.changes()
        for target in sorted(targets, key=lambda a: a.start):
            start = to_utc(dt.datetime.combine(target.local_date,
                    form.start_time), target.location.timezone)
            if start != target.start:
                # a new time is a reschedule: the old slot stays on record
                Appointment.do_reschedule(
                    target, start, 'practice', **changes)
            elif (target.clinician, target.room) != (
                    form.clinician, form.room):
                Appointment.write([target], changes)
        if form.scope != 'this':
            Series.write([series], {
                    'start_time': form.start_time, **changes})
        return 'end'
