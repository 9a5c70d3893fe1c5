# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import appointments, forms, password, routes, two_step
from . import booking, info, waitlist

__all__ = [appointments, forms, password, routes, two_step, booking, info,
    waitlist]
