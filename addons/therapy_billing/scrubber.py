"""The claim scrubber: what keeps a claim from the payer.

Each finding is (reason, message): the reason groups the biller's work
list (Claims to Fix, one tab per reason), the message says what is wrong
and how to fix it. A claim with findings cannot be made ready; nothing is
posted for it. Originals, corrections (frequency 7/8) and secondary claims
go through the same checks; what differs is said where it differs.
Modules above (therapy_edi) add their findings by extending
``scrub_findings``."""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.identifiers import is_valid_npi

from .claim_line import MAX_DIAGNOSES, is_associate
from .cpt_time import code_for, fits, missing_primary
from .modifier import MAX_MODIFIERS

REASONS = [
    ('claim', "Claim Data"),
    ('coverage', "Coverage"),
    ('diagnosis', "Diagnoses"),
    ('coding', "Coding"),
    ('provider', "Providers"),
    ('authorization', "Authorization"),
    ('timely_filing', "Timely Filing"),
    ('duplicate', "Duplicates"),
    ('edi', "Electronic Claim"),
    ]


def finding(reason, message_id, **kwargs):
    return (reason, gettext(f'therapy_billing.{message_id}', **kwargs))


class ClaimScrubMixin:
    __slots__ = ()

    def scrub(self):
        "What keeps the claim from a payer: a list of messages"
        return [message for _, message in self.scrub_findings()]

    def scrub_findings(self):
        "What keeps the claim from a payer: [(reason, message)]"
        findings = []
        self._scrub_claim(findings)
        if self.frequency_code == '8':
            # a void takes back what was billed: only what its file needs
            self._scrub_providers(findings)
            return findings
        self._scrub_coverage(findings)
        self._scrub_diagnoses(findings)
        self._scrub_coding(findings)
        self._scrub_providers(findings)
        self._scrub_authorizations(findings)
        self._scrub_timely_filing(findings)
        self._scrub_duplicates(findings)
        return findings

    def _scrub_claim(self, findings):
        if not self.lines:
            findings.append(finding('claim', 'msg_claim_no_charges'))
        if self.frequency_code != '1' and not self.payer_claim_number:
            findings.append(finding('claim', 'msg_claim_no_payer_number',
                    claim=self.original_claim.rec_name))
        if self.primary_claim and not any(
                l.receivable_amount() for l in self.lines):
            findings.append(finding('claim', 'msg_claim_primary_unpaid',
                    primary=self.primary_claim.rec_name))
        for line in self.lines:
            charge = line.charge
            # a secondary line bills what the primary left, not units
            if line.units <= 0 or line.billed <= 0:
                findings.append(finding('claim', 'msg_claim_no_amount',
                        charge=charge.rec_name))
            if charge.state == 'void' and self.frequency_code != '8':
                findings.append(finding('claim', 'msg_claim_void_charge',
                        charge=charge.rec_name))

    def _scrub_coverage(self, findings):
        coverage = self.coverage
        if not coverage.member_id:
            findings.append(finding('coverage', 'msg_claim_member_id'))
        dates = sorted({l.service_date for l in self.lines
                if l.service_date} or {self.date})
        for date in dates:
            if coverage.start_date and date < coverage.start_date or (
                    coverage.end_date and date > coverage.end_date):
                findings.append(finding('coverage',
                        'msg_claim_coverage_dates', date=date,
                        coverage=coverage.rec_name,
                        start=coverage.start_date,
                        end=coverage.end_date or '-'))

    def _scrub_diagnoses(self, findings):
        sequences = {d.sequence for d in self.diagnoses}
        if len(self.diagnoses) > MAX_DIAGNOSES:
            findings.append(finding('diagnosis', 'msg_claim_diagnoses_max',
                    count=len(self.diagnoses), max=MAX_DIAGNOSES))
        for diagnosis in self.diagnoses:
            if not diagnosis.code.billable:
                findings.append(finding('diagnosis',
                        'msg_claim_diagnosis_not_billable',
                        code=diagnosis.code.code))
        for line in self.lines:
            if not line.pointers:
                findings.append(finding('diagnosis',
                        'msg_claim_no_diagnosis', charge=line.charge.rec_name))
            wrong = [p for p in line.pointers if p not in sequences]
            if wrong:
                findings.append(finding('diagnosis',
                        'msg_claim_pointer_unknown', line=line.sequence,
                        pointers=', '.join(map(str, wrong))))

    def _scrub_coding(self, findings):
        "Psychotherapy codes by the session's minutes; add-ons with theirs"
        for line in self.lines:
            minutes = line.charge.minutes
            if not fits(line.procedure_code, minutes):
                better = code_for(line.procedure_code, minutes)
                findings.append(finding('coding', 'msg_claim_code_minutes',
                        line=line.sequence, code=line.procedure_code,
                        minutes=minutes,
                        advice=gettext('therapy_billing.msg_claim_code_use',
                            code=better) if better else gettext(
                            'therapy_billing.msg_claim_code_none')))
        for line in self.lines:
            modifiers = [m for m in (line.charge.modifiers or '').split(',')
                if m.strip()]
            if len(modifiers) > MAX_MODIFIERS:
                findings.append(finding('coding',
                        'msg_claim_too_many_modifiers', line=line.sequence,
                        code=line.procedure_code, count=len(modifiers),
                        modifiers=', '.join(modifiers)))
        for code in missing_primary([l.procedure_code for l in self.lines]):
            findings.append(finding('coding', 'msg_claim_add_on_alone',
                    code=code))

    def _scrub_providers(self, findings):
        rule = self.coverage.payer.associates
        for clinician in {l.rendering: None for l in self.lines
                if l.rendering}:
            if not clinician.npi:
                findings.append(finding('provider', 'msg_claim_no_npi',
                        clinician=clinician.rec_name))
            elif not is_valid_npi(clinician.npi):
                findings.append(finding('provider', 'msg_claim_npi_invalid',
                        clinician=clinician.rec_name, npi=clinician.npi))
            if rule == 'refuse' and is_associate(clinician):
                findings.append(finding('provider',
                        'msg_claim_associate_refused',
                        clinician=clinician.rec_name,
                        payer=self.coverage.payer.rec_name))

        if self.referring_provider and not is_valid_npi(self.referring_npi):
            findings.append(finding('provider', 'msg_claim_referring_npi',
                    provider=self.referring_provider.rec_name,
                    npi=self.referring_npi or '-'))

    def _scrub_authorizations(self, findings):
        rules = {r.service: r for r in self.coverage.payer.service_rules}
        for line in self.lines:
            service = line.charge.service
            rule = rules.get(service)
            if not rule or not rule.authorization_required:
                continue
            authorization = line.authorization
            if not authorization:
                findings.append(finding('authorization',
                        'msg_claim_authorization_missing',
                        charge=line.charge.rec_name))
            elif not (authorization.start_date <= line.service_date
                    <= authorization.end_date):
                findings.append(finding('authorization',
                        'msg_claim_authorization_dates',
                        charge=line.charge.rec_name,
                        authorization=authorization.number,
                        start=authorization.start_date,
                        end=authorization.end_date))
            else:
                with without_check_access():
                    left = authorization.left()
                if left < 0:
                    findings.append(finding('authorization',
                            'msg_claim_authorization_exhausted',
                            authorization=authorization.number,
                            over=-left))

    def _scrub_timely_filing(self, findings):
        # a correction or a secondary claim counts from the payer's answer
        # to the first claim, which the payers' rules date differently
        # a delay reason (CLM20) is the biller's answer to a late claim
        if (self.frequency_code != '1' or self.primary_claim
                or self.delay_reason):
            return
        Date = Pool().get('ir.date')
        limit = self.coverage.payer.timely_filing_days
        today = Transaction().context.get('billing_date') or Date.today()
        if (today - self.date).days > limit:
            findings.append(finding('timely_filing',
                    'msg_claim_timely_filing', days=limit, date=self.date))

    def _scrub_duplicates(self, findings):
        """The same client, date and code on another claim the payer has
        (not this claim's correction chain)"""
        Line = Pool().get('therapy.claim.line')
        if not self.lines:
            return
        chain, current = {self.id}, self
        while current.original_claim:
            current = current.original_claim
            chain.add(current.id)
        wanted = defaultdict(list)
        for line in self.lines:
            wanted[(line.service_date, line.procedure_code)].append(line)
        with without_check_access():
            others = Line.search([
                    ('claim.client', '=', self.client.id),
                    ('claim.coverage', '=', self.coverage.id),
                    ('claim', 'not in', list(chain)),
                    ('claim.state', 'not in', ['replaced', 'voided']),
                    ('claim.frequency_code', '!=', '8'),
                    ('service_date', 'in', list({d for d, _ in wanted})),
                    ])
        for other in others:
            if other.claim.original_claim and (
                    other.claim.original_claim.id in chain):
                continue
            for line in wanted.get(
                    (other.service_date, other.procedure_code), []):
                findings.append(finding('duplicate', 'msg_claim_duplicate',
                        line=line.sequence, code=line.procedure_code,
                        date=line.service_date, other=other.claim.rec_name))
