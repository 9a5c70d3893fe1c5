# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import appointments, billing, forms, payment, routes, two_step

__all__ = [appointments, billing, forms, payment, routes, two_step]
