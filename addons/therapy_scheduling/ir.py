from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .rows import rows_of, until_written

# {transaction: (its counter, {company id: time zone name})}
COMPANY_TIMEZONES = WeakKeyDictionary()


class Date(metaclass=PoolMeta):
    __name__ = 'ir.date'

    @classmethod
    def today(cls, timezone=None):
        """Today in the company's time zone, as Tryton's company module
        has it, with the time zone read once a transaction: the company's
        today read the company's record at every call, and the care team's
        record rules ask several times a request (3-4% of opening a
        note was spent there)."""
        company_id = Transaction().context.get('company')
        if timezone is None and company_id is not None and company_id >= 0:
            timezones = until_written(COMPANY_TIMEZONES)
            if company_id not in timezones:
                Company = Pool().get('company.company')
                table = Company.__table__()
                timezones[company_id], = rows_of(table, table.id,
                    [company_id], table.timezone).get(company_id, (None,))
            if timezones[company_id]:
                timezone = ZoneInfo(timezones[company_id])
        return super().today(timezone=timezone)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('therapy.appointment|send_reminders',
                    "Send Appointment Reminders"),
                ('therapy.appointment.series|extend',
                    "Extend Recurring Appointment Series"),
                ])
