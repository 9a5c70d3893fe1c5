# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import appointments, billing, estimates, forms, messages, password
from . import payment
from . import booking, card, info, routes, two_step, waitlist

__all__ = [appointments, billing, estimates, forms, messages, password,
    payment, booking, card, info, routes, two_step, waitlist]
