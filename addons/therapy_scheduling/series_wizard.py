import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .appointment import CANCEL_REASONS, format_local
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


class EndStart(ModelView):
    "End Series"
    __name__ = 'therapy.appointment.series.end.start'

    last_date = fields.Date(
        "Last Date", required=True,
        help="Appointments after this date are cancelled.")
    cancelled_by = fields.Selection([
            ('client', "Client"),
            ('practice', "Practice"),
            ], "Requested By", required=True)
    reason = fields.Selection(
        [r for r in CANCEL_REASONS if r[0] != 'rescheduled'],
        "Reason", required=True)

    @classmethod
    def default_last_date(cls):
        return dt.date.today()

    @classmethod
    def default_cancelled_by(cls):
        return 'client'

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
