"""The auditor's report (SECURITY.md §5.4): the audit log filtered by
client, user, time range, event and emergency flag, shown in the back
office or downloaded as CSV (an `audit.export` event itself, after a
fresh login). Its times are UTC, as stored.

Here rather than in therapy_audit because "by client" looks clients up
by name (audit_event.py)."""
import csv
import datetime as dt
import io

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from therapy_audit.privilege import FreshLoginWizard

from .phi import neutralise

COLUMNS = [
    ('occurred_at', "Occurred At (UTC)"), ('seq', "Position"),
    ('event_code', "Event"), ('action', "Action"), ('outcome', "Outcome"),
    ('actor_kind', "Actor Kind"), ('actor_login', "Login"),
    ('actor_groups', "Groups"), ('source_ip', "Source IP"),
    ('channel', "Channel"), ('session_hash', "Session Hash"),
    ('resource_model', "Model"), ('resource_ids', "Record Ids"),
    ('record_count', "Records"), ('clients', "Clients"),
    ('field_names', "Fields"), ('emergency', "Emergency"),
    ('reason', "Reason"),
    ]
# a download of more is a database dump: export in parts, by dates
MAX_ROWS = 100000


class AuditReportStart(ModelView):
    "Audit Report"
    __name__ = 'therapy.audit.report.start'
    client = fields.Char("Client",
        help="Part of a client's name or number: whose record was reached.")
    user = fields.Many2One('res.user', "User",
        help="Whose actions.")
    from_date = fields.Date("From")
    to_date = fields.Date("To")
    event = fields.Char("Event",
        help="An event code or its start, e.g. phi. or auth.login")
    emergency_only = fields.Boolean("Emergency Access Only")
    failures_only = fields.Boolean("Refusals and Failures Only")

    def domain(self):
        "The audit log's domain these filters make"
        domain = []
        if self.client:
            domain.append(('clients', 'ilike', f'%{self.client}%'))
        if self.user:
            domain.append(('actor_user', '=', self.user.id))
        if self.from_date:
            domain.append(('occurred_at', '>=',
                    dt.datetime.combine(self.from_date, dt.time())))
        if self.to_date:
            domain.append(('occurred_at', '<', dt.datetime.combine(
                        self.to_date + dt.timedelta(days=1), dt.time())))
        if self.event:
            domain.append(('event_code', 'like', f'{self.event.strip()}%'))
        if self.emergency_only:
            domain.append(('emergency', '=', True))
        if self.failures_only:
            domain.append(('outcome', '!=', '0'))
        return domain


class AuditReportFile(ModelView):
    "Audit Report"
    __name__ = 'therapy.audit.report.file'
    rows = fields.Integer("Events", readonly=True)
    note = fields.Char("Note", readonly=True)
    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)


class AuditReport(FreshLoginWizard, Wizard):
    "Audit Report"
    __name__ = 'therapy.audit.report'
    start = StateView('therapy.audit.report.start',
        'therapy_scheduling.audit_report_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Download CSV", 'download', 'tryton-save'),
            Button("Show", 'show', 'tryton-ok', default=True),
            ])
    show = StateAction('therapy_audit.act_event')
    download = StateView('therapy.audit.report.file',
        'therapy_scheduling.audit_report_file_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def do_show(self, action):
        action['pyson_domain'] = PYSONEncoder().encode(self.start.domain())
        action['name'] += ' (filtered)'
        return action, {}

    def default_download(self, fields):
        pool = Pool()
        Event = pool.get('therapy.audit.event')
        # the auditor's own reach: the access rows decide, as for a list
        with Transaction().set_context(_check_access=True):
            events = Event.search(self.start.domain(),
                order=[('seq', 'ASC')], limit=MAX_ROWS)
        # one event for the download below, not one per read
        with without_check_access():
            rows = Event.read([e.id for e in events],
                [name for name, _ in COLUMNS])
        Event.log('audit.export', 'R', model=Event.__name__,
            ids=[e.id for e in events], count=len(events),
            reason='audit report CSV',
            detail={'domain': repr(self.start.domain())})
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([title for _, title in COLUMNS])
        for row in sorted(rows, key=lambda r: r['seq']):
            writer.writerow([neutralise(csv_value(row[name]))
                    for name, _ in COLUMNS])
        return {
            'rows': len(rows),
            'note': gettext('therapy_scheduling.msg_audit_report_truncated',
                rows=MAX_ROWS) if len(rows) >= MAX_ROWS else None,
            'file': buffer.getvalue().encode('utf-8'),
            'filename': f'audit-{dt.date.today():%Y%m%d}.csv',
            }


def csv_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=' ', timespec='seconds')
    if value is None:
        return ''
    return value
