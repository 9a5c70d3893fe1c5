"""The server's clock for what it stamps and decides by the hour:
signatures, sends, verifications, offers, what is overdue. Security
limits (portal sessions, API keys, reminder links) keep the real time.

`now()` is the current time, or the context's `_clock_now` when set: the
demo practice runs its history through the real workflows as of the
moment each step happened. Tryton drops context keys starting with an
underscore from RPC calls (trytond/rpc.py), so no user can backdate a
signature with it (therapy_clinical/tests/test_clinical.py holds that
assumption)."""
import datetime as dt

from trytond.transaction import Transaction


def now():
    "Now, naive as Tryton stores it, to the second (or _clock_now)"
    when = Transaction().context.get('_clock_now') or dt.datetime.now()
    return when.replace(microsecond=0)


def as_of(when):
    "The context manager that sets the clock to when"
    return Transaction().set_context(_clock_now=when)
