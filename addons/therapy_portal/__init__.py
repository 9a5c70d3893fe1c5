# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import appointments, billing, forms, password, payment, routes
from . import booking, info, two_step, waitlist

__all__ = [appointments, billing, forms, password, payment, routes, booking,
    info, two_step, waitlist]
