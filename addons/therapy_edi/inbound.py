"""Reading the clearinghouse's answers: 999, 277CA and 271 files (835
remittances: remittance_import.py).

A 999 names the 837P transactions it acknowledges by their ST02: a
rejected transaction rejects every claim of that file still submitted,
with the IK5/IK3/IK4 codes as the reason. A 277CA names each claim by its
CLM01 (TRN02): A1/A2 (and A0/A5) accept it and store REF*1K as the payer's
claim number; any other category (A3, A4, A6, A7, A8) rejects it with the
category, status code and text. A reference that matches no claim, or a
claim not waiting for an answer, is listed in the file's log, never
dropped. A 271 becomes one therapy.eligibility per subscriber or
dependent it answers, matched to a coverage by the payer's ID and the
member ID (then the name and birth date when several coverages share the
ID); a member no coverage matches is listed in the log. The file is read
whole before anything changes, and everything
it changes happens in one transaction: a malformed file changes nothing
and the error names its segment. The same file twice is refused (its
SHA-256).

The inbound folder (Fetch Answers, the hourly job) takes each file as a
unit of its own, under a savepoint: a file refused (malformed, an unknown
payer, a trace number already posted) is archived as *Refused* with the
reason and changes nothing else, the files after it are still read, and
the next fetch skips it by its SHA-256. Once the cause is mended (the
payer's ID added, say), *Retry* reads the archived file again."""
import datetime as dt
import hashlib
import logging
import os
import re

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from therapy_audit.savepoint import savepoint
from therapy_billing.batch import long_lived

from .exceptions import EDIError

KIND_OF_TYPE = {'999': '999', '277': '277CA', '271': '271', '835': '835'}
TRANSACTION_SET = re.compile(rb'(?:^|[~\r\n])\s*ST[*|^:](\d{3})')
logger = logging.getLogger(__name__)


def kind_of(data):
    "The kind of the file's first transaction set, when one can be found"
    found = TRANSACTION_SET.search(data)
    return KIND_OF_TYPE.get(found.group(1).decode()) if found else None


class InboundMixin:
    __slots__ = ()

    @classmethod
    def import_folder(cls, clearinghouse):
        """Import the files of the clearinghouse's inbound folder that were
        never read (by SHA-256), each on its own: return the new
        therapy.edi.file records, imported or refused"""
        folder = clearinghouse.inbound_folder
        if not os.path.isdir(folder):
            return []
        files = []
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.startswith('.') or not os.path.isfile(path):
                continue
            with open(path, 'rb') as file:
                data = file.read()
            if cls.search([
                        ('company', '=', clearinghouse.company.id),
                        ('direction', '=', 'in'),
                        ('sha256', '=', hashlib.sha256(data).hexdigest()),
                        ], limit=1):
                continue
            files.append(cls._import_or_refuse(data, name, clearinghouse))
        return files

    @classmethod
    def _import_or_refuse(cls, data, name, clearinghouse):
        company = clearinghouse.company.id
        try:
            with savepoint('therapy_edi_file'):
                return cls.import_file(data, name, company=company,
                    clearinghouse=clearinghouse)
        except UserError as error:
            logger.warning("%s refused: %s", name, error.message)
            reason = '\n'.join(
                filter(None, [error.message, error.description]))
        with without_check_access():
            edi_file, = cls.create([cls._inbound_values(
                        data, name, company, clearinghouse,
                        kind=kind_of(data), state='refused',
                        file_log=reason)])
        return edi_file

    @staticmethod
    def _inbound_values(data, name, company, clearinghouse, **values):
        "The values of the EDI file of an inbound file, with values"
        return {
            'company': company,
            'clearinghouse': clearinghouse.id if clearinghouse else None,
            'direction': 'in',
            'name': name,
            'data': data,
            'size': len(data),
            'sha256': hashlib.sha256(data).hexdigest(),
            **values,
            }

    @classmethod
    def read_again(cls, files):
        """Read refused files again (their cause mended): each is imported
        into its archived record, or the error says what still stops it"""
        for edi_file in files:
            if edi_file.state != 'refused':
                continue
            cls.import_file(edi_file.data, edi_file.name,
                company=edi_file.company.id,
                clearinghouse=edi_file.clearinghouse, refused=edi_file)

    @classmethod
    def _store_inbound(cls, values, refused=None):
        """The EDI file of an inbound file read: created, or the refused
        record it was archived as, now imported"""
        with without_check_access():
            if refused is None:
                edi_file, = cls.create([values])
                return edi_file
            values = {k: v for k, v in values.items()
                if k not in {'data', 'size', 'sha256', 'name', 'company',
                    'clearinghouse', 'direction'}}
            cls.write([refused], values)
            cls.log_files([refused])
            return refused

    @classmethod
    def import_file(cls, data, name, company=None, clearinghouse=None,
            refused=None):
        """Import one 999, 277CA, 271 or 835 file (bytes); return its EDI
        file (refused: the record of an earlier refusal of that file)"""
        from .x12 import X12Error
        from .x12.summary import summary_of
        from .x12.tokens import parse
        company = company or Transaction().context.get('company')
        if isinstance(data, str):
            data = data.encode('utf-8')
        sha256 = hashlib.sha256(data).hexdigest()
        duplicate = cls.search([
                ('company', '=', company),
                ('direction', '=', 'in'),
                ('sha256', '=', sha256),
                ('id', '!=', refused.id if refused else None),
                ], limit=1)
        if duplicate:
            duplicate, = duplicate
            raise EDIError(gettext('therapy_edi.msg_edi_file_duplicate_name',
                    name=name, previous=duplicate.name,
                    date=duplicate.create_date.date()))
        try:
            # parsed once: an 835 of thousands of claims is read by
            # _import_835, not summarized first
            document = parse(data)
            types = {t.type for t in document.transactions}
            kinds = {KIND_OF_TYPE.get(t) for t in types}
            if len(kinds) != 1 or None in kinds:
                raise EDIError(gettext('therapy_edi.msg_edi_file_kind',
                        name=name, types=', '.join(sorted(types))))
            kind, = kinds
            if kind == '835':
                # what an 835's claims make lives to its posting's end
                with long_lived():
                    return cls._import_835(document, data, name, company,
                        clearinghouse, sha256, refused)
            transactions = summary_of(document)['transactions']
        except X12Error as error:
            raise EDIError(gettext('therapy_edi.msg_edi_file_malformed',
                    name=name, error=str(error)))
        log, claims, answers = [], [], []
        for transaction in transactions:
            if kind == '999':
                claims += cls._read_999(transaction, company, log)
            elif kind == '271':
                answers += cls._read_271(transaction, company, log)
            else:
                claims += cls._read_277(transaction, company, log)
        edi_file = cls._store_inbound(cls._inbound_values(
                data, name, company, clearinghouse, kind=kind,
                state='imported',
                claims=[('add', sorted({c.id for c in claims}))],
                file_log='\n'.join(log) or None), refused)
        with without_check_access():
            if answers:
                Eligibility = Pool().get('therapy.eligibility')
                Eligibility.create([dict(a, edi_file=edi_file.id)
                        for a in answers])
        return edi_file

    @classmethod
    def _read_999(cls, transaction, company, log):
        "Reject the claims of the 837P transactions the 999 rejects"
        Claim = Pool().get('therapy.claim')
        touched = []
        for reference in transaction['references']:
            st02 = reference['st02']
            sent = cls.search([
                    ('company', '=', company),
                    ('direction', '=', 'out'),
                    ('state', '=', 'released'),
                    ('transaction_number', '=', st02),
                    ])
            if not sent:
                log.append(gettext('therapy_edi.msg_log_999_unknown',
                        st02=st02))
                continue
            sent, = sent
            if reference['accepted']:
                log.append(gettext('therapy_edi.msg_log_999_accepted',
                        st02=st02, file=sent.name))
                continue
            codes = ' '.join(filter(None, [
                        f"IK5 {reference['code']}"]
                    + [f'IK502 {c}' for c in reference['error_codes']]
                    + [f"IK3 {e['segment_id']} at {e['position']}"
                        f"{' (' + e['code'] + ')' if e['code'] else ''}"
                        + ''.join(f" IK4 {i['position']}:{i['code']}"
                            for i in e['element_errors'])
                        for e in reference['segment_errors']]))
            reason = gettext('therapy_edi.msg_reason_999', codes=codes)
            waiting = [c for c in sent.claims if c.state == 'submitted']
            for claim in sent.claims:
                if claim not in waiting:
                    log.append(gettext('therapy_edi.msg_log_not_submitted',
                            claim=claim.rec_name, state=claim.state))
            if waiting:
                Claim.do_reject(waiting, reason[:250])
                touched += waiting
            log.append(gettext('therapy_edi.msg_log_999_rejected',
                    st02=st02, file=sent.name, claims=', '.join(
                        c.rec_name for c in waiting) or '-'))
        return touched

    @classmethod
    def _read_277(cls, transaction, company, log):
        "Accept or reject each claim the 277CA names"
        Claim = Pool().get('therapy.claim')
        touched = []
        for reference in transaction['references']:
            number = reference['trn02']
            claims = Claim.search([
                    ('company', '=', company),
                    ('number', '=', number),
                    ])
            if not claims:
                log.append(gettext('therapy_edi.msg_log_277_unknown',
                        number=number))
                continue
            claim, = claims
            if claim.state != 'submitted':
                log.append(gettext('therapy_edi.msg_log_not_submitted',
                        claim=claim.rec_name, state=claim.state))
                continue
            status = ':'.join(filter(None, [reference.get('category'),
                        reference.get('status_code')]))
            if reference['accepted']:
                if reference['payer_claim_number']:
                    claim.payer_claim_number = reference['payer_claim_number']
                    claim.save()
                Claim.accept([claim])
                log.append(gettext('therapy_edi.msg_log_277_accepted',
                        claim=claim.rec_name, status=status,
                        payer_number=reference['payer_claim_number'] or '-'))
            else:
                reason = ' '.join(filter(None, [status,
                            reference.get('text')]))
                Claim.do_reject([claim], reason[:250])
                log.append(gettext('therapy_edi.msg_log_277_rejected',
                        claim=claim.rec_name, reason=reason))
            touched.append(claim)
        return touched

    @classmethod
    def _read_271(cls, transaction, company, log):
        """The values of one therapy.eligibility per member the 271
        answers and a coverage matches"""
        from .eligibility import x12_date
        from .x12.eligibility import figures
        pool = Pool()
        Eligibility = pool.get('therapy.eligibility')
        payer_id = transaction['payer']['id']
        # the payer's answer date (BHT04), else the day it came in
        date = x12_date(transaction.get('date')) or dt.date.today()
        answers = []
        subscriber_id = None
        for member in transaction['members']:
            if member['level'] == 'subscriber':
                subscriber_id = member['member_id']
            member_id = member['member_id'] or subscriber_id
            name = ', '.join(filter(None, [
                        member['last_name'], member['first_name']])) or '-'
            coverage = cls._coverage_of_271(
                company, payer_id, member_id, member, log, name, date)
            if coverage is None:
                continue
            values = Eligibility.values_of(figures(member), coverage, date)
            values['member_id'] = member_id
            values['plan'] = next((c['plan'] for c in member['coverage']
                    if c['plan']), None)
            answers.append(values)
            log.append(gettext('therapy_edi.msg_log_271_matched',
                    name=name, member_id=member_id or '-',
                    coverage=coverage.rec_name,
                    client=coverage.client.rec_name,
                    status=values['status']))
        return answers

    @classmethod
    def _coverage_of_271(cls, company, payer_id, member_id, member, log,
            name, date):
        """The coverage a 271 member answers for, or None (logged): same
        payer ID and member ID; when several, the one whose client has the
        member's birth date and last name, preferring one in effect"""
        from .eligibility import x12_date
        from .names import name_parts
        Coverage = Pool().get('therapy.coverage')
        if not payer_id or not member_id:
            log.append(gettext('therapy_edi.msg_log_271_unknown',
                    name=name, member_id=member_id or '-',
                    payer_id=payer_id or '-'))
            return None
        wanted = member_id.strip().upper()
        found = [c for c in Coverage.search([
                    ('client.company', '=', company),
                    ('payer.identifiers.payer_id', '=', payer_id),
                    ('member_id', 'in', list({member_id, wanted,
                                member_id.strip(), wanted.lower()})),
                    ], order=[('id', 'ASC')])]
        dependent = member['level'] == 'dependent'
        if dependent:
            found = [c for c in found if c.relationship != '18']
        if len(found) > 1:
            birth_date = x12_date(member['birth_date'])
            last_name = (member['last_name'] or '').upper()

            def fits(coverage):
                client = coverage.client
                return ((not birth_date or client.birth_date == birth_date)
                    and (not last_name or name_parts(
                            client.party.name)[0].upper() == last_name))
            found = [c for c in found if fits(c)] or found
            in_effect = [c for c in found if c.in_effect(date)]
            found = in_effect or found
        if len(found) != 1:
            log.append(gettext('therapy_edi.msg_log_271_unknown'
                    if not found else 'therapy_edi.msg_log_271_ambiguous',
                    name=name, member_id=member_id, payer_id=payer_id,
                    coverages=', '.join(c.rec_name for c in found)))
            return None
        return found[0]
