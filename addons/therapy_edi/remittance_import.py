"""Reading 835 files (ERA) into remittances and posting them.

Each ST/SE of the file becomes one therapy.remittance (the payer found by
the IDs its N1*PR loop and TRN03 give, else by the claims it answers), its
CLP, SVC, CAS and PLB kept as the payer sent them, then matched to our
claims and posted (therapy_billing's remittance_posting.py). The whole
file is read strictly first: anything malformed names its segment and
nothing is imported. Everything else happens in the caller's one
transaction, so any error (an unbalanced transaction, a trace number
already posted, a reversal of an answer never posted) leaves nothing
behind, and a killed import commits nothing. The same file twice is
refused by its SHA-256, and the same payer's trace number twice too; so
is an 835 whose payee (N1*PE, NPI) is not the practice's billing NPI:
another practice's money is not posted here."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from therapy_billing import rows_sql
from therapy_billing.batch import search_ids, slices

from .exceptions import EDIError

ZERO = Decimal(0)


def _name(entity):
    if entity is None:
        return None
    return ', '.join(filter(None, [entity.name, entity.first_name])) or None


class Remittance(metaclass=PoolMeta):
    __name__ = 'therapy.remittance'

    edi_file = fields.Many2One(
        'therapy.edi.file', "835 File", readonly=True, ondelete='RESTRICT',
        help="The 835 the remittance was read from.")


class RemittanceImportMixin:
    __slots__ = ()

    @classmethod
    def _import_835(cls, document, data, name, company, clearinghouse,
            sha256, refused=None):
        """The EDI file of an 835 (bytes data, parsed as document) and its
        remittances, posted; EDIError (nothing imported) on anything the
        file gets wrong"""
        from .x12 import X12Error
        from .x12.remittance835 import read_transaction
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        try:
            found = [read_transaction(t) for t in document.transactions
                if t.type == '835']
        except X12Error as error:
            raise EDIError(gettext('therapy_edi.msg_edi_file_malformed',
                    name=name, error=str(error)))
        Company = pool.get('company.company')
        billing_npi = Company(company).billing_npi
        vlist, seen = [], set()
        for remittance in found:
            payee = remittance.payee
            if (payee and payee.id_qualifier == 'XX' and billing_npi
                    and payee.id != billing_npi):
                raise EDIError(gettext('therapy_edi.msg_835_other_payee',
                        name=name, st02=remittance.st02, npi=payee.id,
                        payee=payee.name or '-', ours=billing_npi))
            if not remittance.balanced:
                raise EDIError(gettext('therapy_edi.msg_835_unbalanced',
                        name=name, st02=remittance.st02,
                        payment=remittance.net_payment,
                        paid=remittance.claim_paid_total,
                        offsets=remittance.plb_total))
            payer = cls._payer_of_835(remittance, company, name)
            key = (payer.id, remittance.check_number)
            if key in seen or Remittance.search([
                        ('company', '=', company),
                        ('payer', '=', payer.id),
                        ('trace_number', '=', remittance.check_number),
                        ], limit=1):
                raise EDIError(gettext('therapy_edi.msg_835_trace_posted',
                        name=name, trace=remittance.check_number,
                        payer=payer.rec_name))
            seen.add(key)
            vlist.append(cls._remittance_values(remittance, payer, company))
        Remittance.lock_posting(
            [(company, v['payment_date']) for v in vlist])
        edi_file = cls._store_inbound(cls._inbound_values(
                data, name, company, clearinghouse, kind='835',
                state='imported', file_log=None), refused)
        with without_check_access():
            for values in vlist:
                values['edi_file'] = edi_file.id
            remittances = cls._create_remittances(vlist)
            Remittance.post(remittances)
            remittances = Remittance.browse(remittances)
            # rows, not records: an 835 answers thousands of claims
            claims = {row['claim'] for ids in slices(search_ids(
                        RemittanceClaim, [
                            ('remittance', 'in', [r.id for r in remittances]),
                            ('claim', '!=', None)]))
                for row in RemittanceClaim.read(ids, ['claim'])}
            log = [gettext('therapy_edi.msg_log_835_posted',
                    trace=r.trace_number, payer=r.payer.rec_name,
                    amount=r.payment_amount, matched=r.claims_matched,
                    unmatched=r.claims_unmatched) for r in remittances]
            log += [r.posting_log for r in remittances if r.posting_log]
            cls.write([edi_file], {'file_log': '\n'.join(log) or None})
            # the file is new: its links to thousands of claims are new
            # rows, written in bulk (each validated by the ORM was 2 % of
            # a 10,000-claim import)
            rows_sql.create(pool.get('therapy.edi.file-therapy.claim'), [
                    {'edi_file': edi_file.id, 'claim': c}
                    for c in sorted(claims)], 'edi_file')
        return edi_file

    @classmethod
    def _payer_of_835(cls, remittance, company, name):
        """The payer by the IDs the 835 gives (N1*PR N104, REF*2U, TRN03),
        else the one payer of the claims it answers"""
        pool = Pool()
        Payer = pool.get('therapy.payer')
        Claim = pool.get('therapy.claim')
        entity = remittance.payer
        ids = {entity.id if entity else None,
            entity.references.get('2U') if entity else None,
            remittance.payer_identifier}
        ids = sorted(i for i in ids if i)
        if ids:
            payers = Payer.search([
                    ('company', '=', company),
                    ('identifiers.payer_id', 'in', ids),
                    ])
            if len(payers) == 1:
                return payers[0]
        numbers = [c.claim_id for c in remittance.claims]
        payers = {c.payer for c in Claim.search([
                    ('company', '=', company),
                    ('number', 'in', numbers),
                    ])} if numbers else set()
        if len(payers) == 1:
            return payers.pop()
        raise EDIError(gettext('therapy_edi.msg_835_payer_unknown',
                name=name, payer=_name(entity) or '-',
                ids=', '.join(ids) or '-'))

    @staticmethod
    def _remittance_values(remittance, payer, company):
        claims = []
        for claim in remittance.claims:
            services = []
            for service in claim.services:
                services.append({
                        'control_number': service.control_number,
                        'procedure_code': service.procedure,
                        'modifiers': ' '.join(service.modifiers) or None,
                        'service_date': (service.service_date
                            or claim.dates.get('232')),
                        'units': (service.units if service.units is not None
                            else Decimal(1)),
                        'billed_procedure_code': service.original_procedure,
                        'billed_modifiers': ' '.join(
                            service.original_modifiers) or None,
                        'billed_units': service.original_units,
                        'charge': service.charge,
                        'paid': service.paid,
                        'allowed': service.amounts.get('B6'),
                        'remarks': ' '.join(code for _, code
                            in service.remarks) or None,
                        '_adjustments': service.adjustments,
                        })
            claims.append({
                    'claim_number': claim.claim_id,
                    'status': claim.status,
                    'charge': claim.charge,
                    'paid': claim.paid,
                    'patient_responsibility': (
                        claim.patient_responsibility or ZERO),
                    'payer_claim_number': claim.payer_claim_number,
                    'client_name': _name(claim.people.get('patient')),
                    'interest': claim.amounts.get('I'),
                    'crossover_payer': _name(claim.people.get('crossover')),
                    '_services': services,
                    '_adjustments': claim.adjustments,
                    '_segment': claim.segment,
                    })
        return {
            'company': company,
            'payer': payer.id,
            'source': '835',
            'trace_number': remittance.check_number,
            'payer_identifier': remittance.payer_identifier,
            'payment_amount': remittance.net_payment or ZERO,
            'payment_method': remittance.payment_method,
            'payment_date': (remittance.payment_date
                or remittance.dates.get('405')),
            '_claims': claims,
            '_offsets': [{
                    'provider': plb.provider,
                    'reason': reason,
                    'reference': reference,
                    'amount': amount,
                    } for plb in remittance.provider_adjustments
                for reason, reference, amount in plb.adjustments],
            }

    @classmethod
    def _create_remittances(cls, vlist):
        """Create the remittances of _remittance_values, their claims,
        lines and adjustments (a few creates for the whole file)"""
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        RemittanceLine = pool.get('therapy.remittance.line')
        Adjustment = pool.get('therapy.remittance.adjustment')
        Offset = pool.get('therapy.remittance.provider_adjustment')
        statuses = dict(RemittanceClaim.status.selection)
        heads = [{k: v for k, v in values.items() if not k.startswith('_')}
            for values in vlist]
        remittances = Remittance.create(heads)
        claim_values, offsets = [], []
        for remittance, values in zip(remittances, vlist):
            offsets += [dict(o, remittance=remittance.id)
                for o in values['_offsets']]
            for claim in values['_claims']:
                if claim['status'] not in statuses:
                    raise EDIError(gettext('therapy_edi.msg_835_status',
                            status=claim['status'],
                            segment=claim['_segment']))
                claim_values.append((remittance, claim))
        Offset.create(offsets)
        digits = remittances[0].company.currency.digits if remittances else 2
        # thousands of rows: written in bulk (therapy_billing.rows_sql)
        answers = rows_sql.create(RemittanceClaim, [dict(
                    {k: v for k, v in claim.items()
                        if not k.startswith('_')},
                    remittance=remittance.id)
                for remittance, claim in claim_values], 'remittance',
            digits=digits)
        line_values, adjustments = [], []
        for answer, (_, claim) in zip(answers, claim_values):
            adjustments += [(answer, None, a) for a in claim['_adjustments']]
            for service in claim['_services']:
                line_values.append((answer, service))
        lines = rows_sql.create(RemittanceLine, [dict(
                    {k: v for k, v in service.items()
                        if not k.startswith('_')},
                    remittance_claim=answer)
                for answer, service in line_values], 'remittance_claim',
            digits=digits)
        for line, (answer, service) in zip(lines, line_values):
            adjustments += [(answer, line, a)
                for a in service['_adjustments']]
        rows_sql.create(Adjustment, [{
                    'remittance_claim': answer,
                    'line': line,
                    'group': a.group,
                    'reason': a.reason,
                    'amount': a.amount,
                    'quantity': a.quantity,
                    } for answer, line, a in adjustments], 'remittance_claim',
            digits=digits)
        return remittances
