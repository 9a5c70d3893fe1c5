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
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, check_access

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
    'therapy.poverty.guideline': "public HHS tables",
    'therapy.sliding.tier': "the practice's fee tiers",
    'therapy.kpi.week': "practice-wide counts and sums, no client",
    'therapy.receivable.aging': "practice-wide sums, no client",
    'therapy.payer.days_to_pay': "per-payer counts and days, no client",
    'therapy.payer.rates': "per-payer counts and rates, no client",
    'therapy.carc.rates': "per-reason-code counts, no client",
    'therapy.cpt.rates': "per-procedure-code counts, no client",
    'therapy.clearinghouse': "the practice's EDI partners and folders",
    }


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
    "A model holding PHI: its rules hold on every read path"
    __slots__ = ()

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        check_readable(cls, [r.id for r in records])
        rows = super().export_data(records, fields_names, header=header)
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
