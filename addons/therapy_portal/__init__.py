# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import forms, routes

__all__ = [forms, routes]
