"""The biller's home: what waits on the biller today. Charges to bill,
claims the scrubber holds back (with what to fix), rejections and denials
(with the payer's reason and the next step), coverages to verify."""
from trytond.model import fields
from trytond.pool import PoolMeta

from .scrubber import REASONS


class Claim(metaclass=PoolMeta):
    __name__ = 'therapy.claim'

    scrub_problems = fields.Function(
        fields.Text("To Fix", help="What keeps this draft from the payer."),
        'get_scrub_problems')
    scrub_blocked = fields.Function(
        fields.Boolean("Held by the Scrubber"),
        'get_scrub_blocked', searcher='search_scrub_blocked')

    scrub_reasons = fields.Function(
        fields.MultiSelection(REASONS, "To Fix In",
            help="What the scrubber's findings are about."),
        'get_scrub_reasons', searcher='search_scrub_reasons')

    def get_scrub_reasons(self, name):
        if self.state == 'draft':
            return sorted({r for r, _ in self.scrub_findings()})
        return []

    @classmethod
    def search_scrub_reasons(cls, name, clause):
        "('scrub_reasons', '=' or 'in', reason or reasons): the work list tabs"
        _, operator, value = clause
        wanted = {value} if isinstance(value, str) else set(value or [])
        found = [c.id for c in cls.search([('state', '=', 'draft')])
            if wanted & {r for r, _ in c.scrub_findings()}]
        positive = operator in {'=', 'in'}
        return [('id', 'in' if positive else 'not in', found)]

    def get_scrub_problems(self, name):
        if self.state == 'draft':
            return '\n'.join(self.scrub()) or None

    def get_scrub_blocked(self, name):
        return self.state == 'draft' and bool(self.scrub())

    @classmethod
    def search_scrub_blocked(cls, name, clause):
        # the scrub rules are Python; drafts are few (billed daily)
        _, operator, value = clause
        blocked = [c.id for c in cls.search([('state', '=', 'draft')])
            if c.scrub()]
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', blocked)]
