from trytond.pool import PoolMeta


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
