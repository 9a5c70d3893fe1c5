"""Rows in effect for a span of days: a coverage, a fee line, an
authorization. The span runs from start_date to end_date, both included;
an empty end_date leaves it open. One place for "in effect at this date"
and "meets these dates", which each such model asked in its own words."""
import datetime as dt


class DatedMixin:
    "A model with start_date and end_date (empty: open-ended) fields"
    __slots__ = ()

    @classmethod
    def in_effect_domain(cls, first, last=None):
        "Rows in effect on some day from first to last (default: first)"
        return [
            ('start_date', '<=', last or first),
            ['OR', ('end_date', '=', None), ('end_date', '>=', first)],
            ]

    def in_effect(self, date):
        return DatedMixin.dates_cover(self.start_date, self.end_date, date)

    @staticmethod
    def dates_cover(start_date, end_date, date):
        "in_effect, of a row's dates"
        return start_date <= date and (not end_date or date <= end_date)

    def overlapping(self, domain):
        "Another row matching domain whose days meet this one's, or None"
        others = self.search([('id', '!=', self.id)] + domain
            + self.in_effect_domain(
                self.start_date, self.end_date or dt.date.max), limit=1)
        return others[0] if others else None
