# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import appointments, forms, routes, two_step
from . import info

__all__ = [appointments, forms, routes, two_step, info]
