from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('therapy.note.debt|send_reminders',
                    "Email Clinicians their Overdue Notes"),
                ('therapy.form.response|schedule_measures',
                    "Schedule Outcome Measures for Upcoming Sessions"),
                ])
