"""What electronic claims add to a claim: why the last 837P run held it
back, and the EDI files that carried it or answered it."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Claim(metaclass=PoolMeta):
    __name__ = 'therapy.claim'

    edi_problems = fields.Text("Not Sent Because", readonly=True,
        states={'invisible': ~Eval('edi_problems')},
        help="The errors of the last 837P file that could not be released "
        "with this claim: fix them, the next run sends it.")
    edi_files = fields.Many2Many(
        'therapy.edi.file-therapy.claim', 'claim', 'edi_file', "EDI Files",
        readonly=True)

    def scrub_findings(self):
        """The scrubber's findings, and what the 837P of the payer's
        clearinghouse would hold the claim back for (the same checks the
        file run makes, before the claim is posted)"""
        from .claim_data import BatchBuilder
        findings = super().scrub_findings()
        if self.frequency_code != '8':
            # the payer's latest 271 says the plan did not cover the day
            for date in sorted({l.service_date for l in self.lines
                        if l.service_date}):
                if self.coverage.eligibility_on(date) == 'inactive':
                    findings.append(('coverage', gettext(
                                'therapy_edi.msg_claim_eligibility_inactive',
                                date=date,
                                coverage=self.coverage.rec_name,
                                checked=self.coverage.eligibility.date)))
        payer = self.coverage.payer
        clearinghouse = payer.route()
        # the file run checks member IDs, pointers and NPIs again: only
        # once the claim itself is clean, so no finding is said twice
        if findings or not clearinghouse:
            pass
        elif not clearinghouse.active:
            findings.append(('edi', gettext(
                        'therapy_edi.msg_claim_route_inactive',
                        payer=payer.rec_name,
                        clearinghouse=clearinghouse.rec_name)))
        else:
            builder = BatchBuilder(clearinghouse, [self], reference='1')
            builder.build()
            findings += [('edi', p) for p in builder.problems[self]]
        return findings

    @classmethod
    def check_modification(cls, mode, claims, values=None, external=False):
        super().check_modification(
            mode, claims, values=values, external=external)
        if external and mode == 'write' and (
                values.keys() & {'edi_problems', 'edi_files'}):
            raise AccessError(gettext('therapy_edi.msg_claim_edi_readonly'))

    @classmethod
    def copy(cls, claims, default=None):
        default = dict(default or {})
        default.setdefault('edi_problems')
        default.setdefault('edi_files')
        return super().copy(claims, default=default)
