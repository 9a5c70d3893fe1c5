# Importing the routes registers them on trytond's WSGI app when trytond
# imports the module at start-up.
from . import routes

__all__ = [routes]
