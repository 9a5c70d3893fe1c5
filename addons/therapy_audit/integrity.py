"""The nightly integrity check (SECURITY.md SEC-IN-02, SEC-AU): the audit
chain verified, and every sealed record's content hashed again and
compared with the hash stored when it was signed.

A sealed model (signed notes, addenda, plans, form responses: in
therapy_clinical) mixes in `Sealed` and says which records carry a seal
and whether one still matches. A mismatch is a `therapy.audit.tamper`
finding, open until the content matches again (restored from a backup);
the record shows as tampered, and `tampered = True` finds them. Each run
that finds a broken chain or a new mismatch writes an audit event and
emails the privacy officer (model names, ids and counts: never a client's
name or any content)."""
import datetime as dt
import logging

from sql import Null

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.sendmail import send_message_transactional
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .mail import auto_message

logger = logging.getLogger(__name__)
SEAL_SLICE = 1000


class Sealed:
    "A record sealed by a content hash when signed"
    __slots__ = ()
    tampered = fields.Function(fields.Boolean("Tampered",
            help="The nightly integrity check found this record's content "
            "changed since it was signed: tell the privacy officer; the "
            "audit log's Tampered Records list has the finding."),
        'get_tampered', searcher='search_tampered')

    @classmethod
    def sealed_domain(cls):
        "The records that carry a seal"
        return [('content_hash', '!=', None)]

    def seal_matches(self):
        "Whether the content still hashes to the stored seal"
        raise NotImplementedError

    @classmethod
    def get_tampered(cls, records, name):
        open_ = Pool().get('therapy.audit.tamper').open_findings(
            cls.__name__, [r.id for r in records])
        return {r.id: r.id in open_ for r in records}

    @classmethod
    def search_tampered(cls, name, clause):
        _, operator, value = clause[:3]
        tamper = Pool().get('therapy.audit.tamper').__table__()
        query = tamper.select(tamper.resource_id,
            where=(tamper.resource_model == cls.__name__)
            & (tamper.cleared_at == Null))
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', query)]


class Tamper(ModelSQL, ModelView):
    "Tampered Record"
    __name__ = 'therapy.audit.tamper'
    resource_model = fields.Char("Model", readonly=True, required=True)
    resource_id = fields.Integer("Record", readonly=True, required=True)
    resource = fields.Function(
        fields.Reference("Resource", selection='get_models'),
        'get_resource')
    detected_at = fields.Timestamp("Detected At", readonly=True)
    cleared_at = fields.Timestamp("Cleared At", readonly=True,
        help="When the content matched its seal again (restored).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('detected_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_models(cls):
        return Pool().get('ir.model').get_name_items()

    def get_resource(self, name):
        return f'{self.resource_model},{self.resource_id}'

    @classmethod
    def open_findings(cls, model, ids):
        "ids of model with an open finding"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        found = set()
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.resource_id,
                    where=(table.resource_model == model)
                    & table.resource_id.in_(list(sub_ids))
                    & (table.cleared_at == Null)))
            found.update(i for i, in cursor)
        return found

    @classmethod
    def sealed_models(cls):
        pool = Pool()
        return [Model for _, Model in pool.iterobject()
            if issubclass(Model, Sealed) and issubclass(Model, ModelSQL)]

    @classmethod
    def check_seals(cls, Model):
        """Open findings for the records of Model whose seal no longer
        matches, clear those that match again; the newly tampered ids"""
        now = dt.datetime.now()
        with without_check_access():
            ids = [r.id for r in Model.search(
                    Model.sealed_domain(), order=[('id', 'ASC')])]
            tampered = []
            # a slice at a time, so years of notes are not held at once
            for sub_ids in grouped_slice(ids, SEAL_SLICE):
                tampered += [r.id for r in Model.browse(list(sub_ids))
                    if not r.seal_matches()]
        already = cls.open_findings(Model.__name__, ids)
        new = sorted(set(tampered) - already)
        restored = already - set(tampered)
        cls.create([{'resource_model': Model.__name__, 'resource_id': i,
                    'detected_at': now} for i in new])
        if restored:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            for sub_ids in grouped_slice(
                    restored, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.update(
                        [table.cleared_at], [now],
                        where=(table.resource_model == Model.__name__)
                        & table.resource_id.in_(list(sub_ids))
                        & (table.cleared_at == Null)))
        return new

    @classmethod
    def check_integrity(cls):
        """The nightly job: the audit chain and every seal; an event and
        an email to the privacy officer when something is wrong"""
        pool = Pool()
        Event = pool.get('therapy.audit.event')
        problems = Event.verify_chain()
        found = {}
        for Model in cls.sealed_models():
            new = cls.check_seals(Model)
            if new:
                found[Model.__name__] = new
                Event.log('integrity.tampered', 'E', outcome='12',
                    model=Model.__name__, ids=new,
                    client_ids=Model.audit_client_ids(new)
                    if hasattr(Model, 'audit_client_ids') else None,
                    reason='content no longer matches its signature')
        if problems or found:
            logger.error("integrity check: chain problems %s, tampered %s",
                len(problems), found)
            alert_privacy_officer(
                "Caseload integrity check: records changed outside the "
                "application", integrity_report(problems, found))
        return problems, found


def integrity_report(problems, found):
    "The email's body: what broke, as counts, models and ids"
    lines = ["The nightly integrity check of the Caseload database "
        f"{Transaction().database.name} found:", ""]
    if problems:
        lines.append(f"- the audit log's hash chain broken at "
            f"{len(problems)} place(s), first at event "
            f"{problems[0][0]}: {problems[0][1]}")
    for model, ids in sorted(found.items()):
        lines.append(f"- {len(ids)} record(s) of {model} whose content no "
            f"longer matches its signature: ids {', '.join(map(str, ids[:50]))}")
    lines += ["", "Open Audit > Tampered Records in Caseload (as a privacy "
        "auditor) for the details. Nothing has been repaired: compare "
        "with the last backup before restoring anything."]
    return '\n'.join(lines)


def alert_privacy_officer(subject, body):
    """Email the privacy officer once the transaction commits; the body
    must carry no PHI (counts, ids, dates). Logged when no address is
    set."""
    Configuration = Pool().get('therapy.security.configuration')
    with without_check_access():
        to = Configuration(1).privacy_officer_email
    if not to:
        logger.warning("no privacy officer email set: %s", subject)
        return
    message = auto_message(to, subject, body)
    # a mail server down must not undo an emergency's access or the
    # night's findings: Tryton logs the failure, the audit log keeps them
    send_message_transactional(message, strict=False)
