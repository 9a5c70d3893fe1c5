"""The leak electronic eligibility reveals (with therapy_edi): sessions
booked on a primary coverage the payer's latest 271 says is inactive that
day (inactive, or outside the plan's dates)."""
from sql import Null

from trytond.pool import Pool, PoolMeta

from therapy_scheduling import clock

from .leakage import SESSION


class LeakageItem(metaclass=PoolMeta):
    __name__ = 'therapy.leakage.item'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        kind = ('ineligible', "Sessions booked on an inactive coverage")
        if kind not in cls.kind.selection:
            cls.kind.selection.append(kind)

    @classmethod
    def _query_ineligible(cls, days):
        """Clients' sessions still booked whose primary coverage that day
        (not self-pay) is inactive by the payer's latest 271 answer; at
        their estimate"""
        pool = Pool()
        coverage = pool.get('therapy.coverage').__table__()
        payer = pool.get('therapy.payer').__table__()
        eligibility = pool.get('therapy.eligibility').__table__()
        newer = pool.get('therapy.eligibility').__table__()
        attendee, appointment, location, service, join = cls._sessions()
        date = cls._session_date(appointment, location)
        join = (join
            .join(coverage, condition=(coverage.client == attendee.client)
                & (coverage.priority == '1')
                & (coverage.start_date <= date)
                & ((coverage.end_date == Null) | (coverage.end_date >= date)))
            .join(payer, condition=(coverage.payer == payer.id)
                & (payer.filing_indicator != '09'))
            .join(eligibility,
                condition=eligibility.coverage == coverage.id))
        latest = newer.select(newer.id,
            where=newer.coverage == coverage.id,
            order_by=[newer.date.desc, newer.id.desc], limit=1)
        inactive = ((eligibility.status == 'inactive')
            | ((eligibility.status == 'active')
                & (((eligibility.plan_begin != Null)
                        & (date < eligibility.plan_begin))
                    | ((eligibility.plan_end != Null)
                        & (date > eligibility.plan_end)))))
        return join.select(*cls._row('ineligible', attendee.id,
                appointment.location, appointment.clinician,
                attendee.client, date, cls.deadline.sql_cast(Null),
                cls._reference(SESSION, appointment.id),
                cls._estimate(service, appointment.start, appointment.end,
                    date)),
            where=(appointment.company == cls._company())
            & (attendee.attendance == 'expected')
            & appointment.state.in_(['scheduled', 'confirmed'])
            & (appointment.start >= clock.now())
            & (eligibility.id == latest)
            & inactive)
