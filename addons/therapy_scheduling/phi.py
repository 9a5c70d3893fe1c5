"""One guard for the models that hold PHI.

Tryton applies record rules to `read` and `search`, but three read paths
go around them (SECURITY.md §0.11): `export_data` with explicit ids (and
the data route and sao's export built on it), `history_revisions`, and the
export of the attachments and notes of a record. A model holding PHI
inherits PHIMixin and each of those paths first checks the user's rules on
the records asked for; exported text that a spreadsheet would run as a
formula (= + - @) is neutralised.

A fourth path is search itself: Tryton converts a domain that reaches
through a relational field (appointments whose notes' content has a
word) without the target's record rules, so a count would reveal what
the user cannot read. A user's search on a PHI model therefore carries a
mark in its context, and while it holds, every PHI model the domain
reaches adds the user's rules to its part of the query (once per model
and chain, so rules that refer to each other end).

Every model of ours is either PHI (PHIMixin) or listed in NOT_PHI with
why: `tests/test_phi_guard.py` walks the pool and fails for a model that
is neither, so a new model cannot ship unguarded by accident."""
import copy

from sql import Null

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access

from therapy_audit.audit import audited

# RPC methods that neither reveal nor change a record's PHI
UNAUDITED = {'default_get', 'fields_get', 'fields_view_get',
    'view_toolbar_get', 'pre_validate', 'on_change', 'on_change_with',
    'on_change_notify', 'autocomplete', 'resources', 'view_attributes',
    # exports are recorded where they happen (the data route skips RPC)
    'export_data', 'export_data_domain'}


def _ids(records):
    return [int(r) for r in records]


# what each RPC method is, as an audit event: (code, action, ids of the
# call, field names, count)
RPC_EVENTS = {
    'read': ('phi.read', 'R', lambda a, r: a[0], lambda a: a[1], None),
    'history_revisions': ('phi.read.history', 'R', lambda a, r: a[0],
        None, None),
    'search': ('phi.search', 'R', lambda a, r: _ids(r), None, None),
    'search_read': ('phi.search', 'R', lambda a, r: [v['id'] for v in r],
        lambda a: a[4] if len(a) > 4 else None, None),
    'search_count': ('phi.search', 'R', None, None, lambda a, r: r),
    'create': ('phi.create', 'C', lambda a, r: _ids(r),
        lambda a: [k for v in a[0] for k in v], None),
    'write': ('phi.update', 'U',
        lambda a, r: [i for rs in a[0::2] for i in _ids(rs)],
        lambda a: [k for v in a[1::2] for k in v], None),
    'delete': ('phi.delete', 'D', lambda a, r: _ids(a[0]), None, None),
    'copy': ('phi.create', 'C', lambda a, r: _ids(r), None, None),
    'import_data': ('phi.import', 'C', None, lambda a: a[0], None),
    }

FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')

# models of ours that hold no PHI, and why
NOT_PHI = {
    'therapy.configuration': "practice settings",
    'therapy.configuration.sequence': "practice settings",
    'therapy.location': "the practice's places",
    'therapy.room': "the practice's places",
    'therapy.service': "the practice's service catalogue",
    'therapy.holiday': "practice calendar",
    'therapy.availability': "clinicians' working hours",
    'therapy.availability.exception': "clinicians' time off",
    'company.employee-therapy.location': "where clinicians work",
    'therapy.role.home': "which board a role opens",
    'therapy.configuration.account': "the ledger accounts billing posts to",
    'therapy.appointment.override': "who overrode a booking rule, when",
    'therapy.access.change': "who changed staff supervisors and groups",
    'therapy.note.template': "the practice's note templates",
    'therapy.note.template.section': "the practice's note templates",
    'therapy.intervention': "the practice's catalogue of interventions",
    'therapy.icd10': "the public ICD-10-CM code set",
    'therapy.form.template': "the practice's blank forms",
    'therapy.form.question': "the practice's blank forms",
    'therapy.payer': "insurance companies",
    'therapy.payer.identifier': "insurance companies",
    'therapy.payer.service': "insurance companies' rules",
    'therapy.payer.modifier': "insurance companies' modifier rules",
    'therapy.fee': "the practice's fee schedule",
    'therapy.remittance.rule': "how a payer's adjustment codes post, no "
    "client",
    'therapy.plb.rule': "how a payer's provider-level adjustments post, no "
    "client",
    'therapy.poverty.guideline': "public HHS tables",
    'therapy.sliding.tier': "the practice's fee tiers",
    'therapy.kpi.week': "practice-wide counts and sums, no client",
    'therapy.utilization': "a clinician's hours and visit counts a week, "
    "no client; a clinician reads their own",
    'therapy.receivable.aging': "practice-wide sums, no client",
    'therapy.leakage': "counts and sums per leak, location and clinician, "
    "no client",
    'therapy.revenue': "sums per month, clinician, code, payer and "
    "location, no client",
    'therapy.revenue.month': "sums per month of service, no client",
    'therapy.revenue.reimbursement': "averages per procedure code and "
    "payer, no client",
    'therapy.payer.days_to_pay': "per-payer counts and days, no client",
    'therapy.pay.rule': "the owner's pay rules for clinicians, no client",
    'therapy.pay.rule.line': "the owner's pay rules for clinicians, no "
    "client",
    'therapy.pay': "a clinician's session counts, collections and pay in a "
    "period, no client; a clinician reads their own",
    'therapy.pay.line': "a kept session's date, service, code, units and "
    "pay, no client; a clinician reads their own",
    'therapy.payer.rates': "per-payer counts and rates, no client",
    'therapy.carc.rates': "per-reason-code counts, no client",
    'therapy.cpt.rates': "per-procedure-code counts, no client",
    'therapy.clearinghouse': "the practice's EDI partners and folders",
    'therapy.audit.event': "who reached which records: ids and field "
    "names, never values; read by the privacy auditors only",
    'therapy.security.configuration': "the sign-in policy, the privacy "
    "officer's address, the emergency access hours",
    'therapy.audit.tamper': "which record's seal broke: a model and an id, "
    "read by the privacy auditors only",
    'therapy.emergency.access': "who opened emergency access, when and "
    "why (no client named); read by the privacy auditors only",
    'therapy.mfa.enrollment': "staff users' authenticator keys: nobody "
    "reads them over RPC",
    'therapy.mfa.recovery': "hashes of staff users' recovery codes: "
    "nobody reads them over RPC",
    'therapy.portal.mfa': "portal users' authenticator keys: nobody "
    "reads them over RPC",
    'therapy.portal.mfa.recovery': "hashes of portal users' recovery "
    "codes: nobody reads them over RPC",
    'therapy.portal.mfa.challenge': "a portal login waiting for its "
    "code: a token's hash and a count, read by nobody over RPC",
    }


def _first_ids(args, result):
    "The records a button was called on"
    if args and isinstance(args[0], (list, tuple)):
        return [int(r) for r in args[0]
            if isinstance(r, int) or hasattr(r, 'id')]
    return []


def neutralise(value):
    "A cell a spreadsheet will not run as a formula (OWASP CSV injection)"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def check_readable(Model, ids):
    "Raise AccessError unless the user's rules let them read all of ids"
    transaction = Transaction()
    if not (transaction.user and transaction.check_access):
        return
    ids = [i for i in ids if i is not None and i >= 0]
    if ids:
        Pool().get('ir.rule').check(Model.__name__, ids, mode='read')


class PHIMixin:
    """A model holding PHI: its rules hold on every read path, and every
    RPC call on it that reveals or changes records is an audit event"""
    __slots__ = ()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        for name, rpc in list(cls.__rpc__.items()):
            if name in {'export_data', 'export_data_domain'}:
                # a sensitive action: right after a login only (its event
                # is export_data's own)
                rpc = cls.__rpc__[name] = copy.copy(rpc)
                rpc.fresh_session = True
            if name in UNAUDITED:
                continue
            if name in RPC_EVENTS:
                code, action, ids_of, fields_of, count_of = RPC_EVENTS[name]
            elif not rpc.readonly:
                # buttons and the other actions
                code, action, fields_of, count_of = (
                    'phi.execute', 'E', None, None)
                ids_of = _first_ids
            else:
                continue
            rpc = copy.copy(rpc)
            rpc.decorator = audited(code, action, ids_of=ids_of,
                fields_of=fields_of, count_of=count_of)
            cls.__rpc__[name] = rpc

    @classmethod
    def audit_client_ids(cls, ids, rows=None):
        """The therapy.client ids of records ids, for their audit events;
        rows: what a read of them returned, which holds each one's client
        when the view asked for it (no query then)"""
        if cls.__name__ == 'therapy.client':
            return ids
        field = cls._fields.get('client')
        if (not isinstance(field, fields.Many2One)
                or field.model_name != 'therapy.client'
                or not hasattr(field, 'sql_type')
                or isinstance(field, fields.Function)):
            return None
        # a read of a past revision shows its client then; the event names
        # the current one, whose name the revision's rec_name shows
        if (rows and not Transaction().context.get('_datetime')
                and all(isinstance(r, dict) and 'client' in r
                    for r in rows)
                and {r['id'] for r in rows} >= set(ids)):
            return sorted({r['client'] for r in rows
                    if r['client'] is not None})
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        client_ids = set()
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.client,
                    where=table.id.in_(list(sub_ids))
                    & (table.client != Null),
                    group_by=[table.client]))
            client_ids.update(c for c, in cursor)
        return sorted(client_ids)

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        ids = [r.id for r in records]
        check_readable(cls, ids)
        rows = super().export_data(records, fields_names, header=header)
        if Transaction().user:
            Pool().get('therapy.audit.event').log('phi.export', 'R',
                model=cls.__name__, ids=ids,
                client_ids=cls.audit_client_ids(ids),
                field_names=fields_names)
        return [[neutralise(v) for v in row] for row in rows]

    @classmethod
    def history_revisions(cls, ids):
        check_readable(cls, ids)
        return super().history_revisions(ids)

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        transaction = Transaction()
        if (transaction.user and transaction.check_access
                and '_phi_rules_on' not in transaction.context):
            # Tryton adds this model's own rules; the nested ones are ours
            with transaction.set_context(_phi_rules_on=(cls.__name__,)):
                return super().search(domain, offset=offset, limit=limit,
                    order=order, count=count, query=query)
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)

    @classmethod
    def search_domain(cls, domain, active_test=None, tables=None):
        transaction = Transaction()
        applied = transaction.context.get('_phi_rules_on')
        if (applied is not None and cls.__name__ not in applied
                and transaction.user and not transaction.check_access):
            Rule = Pool().get('ir.rule')
            with check_access():
                rule = Rule.domain_get(cls.__name__, mode='read')
            if rule:
                with transaction.set_context(
                        _phi_rules_on=(*applied, cls.__name__)):
                    return super().search_domain([domain, rule],
                        active_test=active_test, tables=tables)
        return super().search_domain(domain, active_test=active_test,
            tables=tables)


class ResourceExportMixin:
    """Attachments and notes: exported only when their record may be read
    (Tryton checks that on read and search, not on export)"""
    __slots__ = ()

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        cls.check_access([r.id for r in records], mode='read')
        rows = super().export_data(records, fields_names, header=header)
        return [[neutralise(v) for v in row] for row in rows]


class Attachment(ResourceExportMixin, metaclass=PoolMeta):
    __name__ = 'ir.attachment'


class Note(ResourceExportMixin, metaclass=PoolMeta):
    __name__ = 'ir.note'


class Appointment(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.appointment'


class AppointmentAttendee(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.appointment.attendee'


class AppointmentSeries(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.appointment.series'


class AppointmentSeriesSkip(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.appointment.series.skip'


class AppointmentToken(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.appointment.token'


class Client(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.client'


class ClientCareTeamMember(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.client.care_team.member'


class ClientGuardian(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.client.guardian'


class ReminderLog(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.reminder.log'


class WaitlistEntry(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.waitlist.entry'


class WaitlistEntryCompanyEmployee(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.waitlist.entry-company.employee'


class WaitlistEntryTherapyLocation(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.waitlist.entry-therapy.location'


class WaitlistOffer(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.waitlist.offer'


class WaitlistSlot(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.waitlist.slot'


class AppointmentRequest(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.appointment.request'
