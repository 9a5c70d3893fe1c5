"""The CMS-1500 paper claim of therapy.claim records, as two reports: on
plain paper (the boxes drawn) and aligned for the red pre-printed form.

The data is the 837P's: claim_data.BatchBuilder turns each claim into the
codec's dataclasses and cms1500.py lays them out, so paper and electronic
claims never disagree and a gap stops the print with the 837P's messages."""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import without_check_access

from therapy_billing.report import PDFReport

from .claim_data import BatchBuilder, x12_address
from .cms1500 import claims_pdf
from .exceptions import EDIError
from .names import digits


class PaperClaimBuilder(BatchBuilder):
    """The 837P's claim data without a clearinghouse: paper needs no payer
    ID but the payer's mailing address and the practice's phone"""

    def __init__(self, claims):
        super().__init__(None, claims, reference=None)

    def payer_id(self, claim, payer):
        route = payer.route()
        payer_id = route.payer_id(payer) if route else None
        if not payer_id and payer.identifiers:
            payer_id = payer.identifiers[0].payer_id
        return payer_id or ''

    def billing_provider(self, company):
        billing = super().billing_provider(company)
        if billing:
            billing.contact_phone = digits(company.party.phone) or None
        return billing

    def subscriber(self, claim):
        subscriber = super().subscriber(claim)
        if subscriber:
            subscriber.payer.address = x12_address(
                claim.coverage.payer.party.address_get())
        return subscriber

    def forms(self):
        "[(billing, subscriber, claim)] of each claim, or EDIError"
        forms, billings = [], {}
        for claim in self.rows():
            company = claim.company
            if company not in billings:
                billings[company] = self.billing_provider(company)
            billing = billings[company]
            subscriber = self.subscriber(claim)
            x12_claim = self.claim(claim, billing)
            forms.append((billing, subscriber, x12_claim))
        if not self.clean:
            raise EDIError(gettext('therapy_edi.msg_claim_form_gaps',
                    problems='\n'.join(f'- {p}'
                        for found in self.problems.values() for p in found)))
        return forms


class ClaimForm(PDFReport):
    "CMS-1500 on plain paper"
    __name__ = 'therapy.claim.cms1500'
    model = 'therapy.claim'
    aligned = False

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Claim = pool.get(cls.model)
        ActionReport = pool.get('ir.action.report')
        with without_check_access():
            action, = ActionReport.search(
                [('report_name', '=', cls.__name__)], limit=1)
        # the action's groups and the claims' read access decide; the
        # parties, coverages and providers behind them are then read
        # whatever the user's groups, as the 837P run reads them
        cls.check_access(action, cls.model, ids)
        with without_check_access():
            claims = Claim.browse(ids)
            forms = PaperClaimBuilder(claims).forms()
            content = claims_pdf(forms, aligned=cls.aligned)
        number = claims[0].number if len(claims) == 1 else len(claims)
        cls.audit_print(ids)
        return 'pdf', content, False, f'{action.name}-{number}'


class ClaimFormAligned(ClaimForm):
    "CMS-1500 data for the pre-printed red form"
    __name__ = 'therapy.claim.cms1500.aligned'
    aligned = True
