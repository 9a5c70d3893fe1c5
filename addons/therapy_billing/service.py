from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import PoolMeta

from therapy_scheduling.tools import is_set_domain


class Service(metaclass=PoolMeta):
    __name__ = 'therapy.service'

    list_price = fields.Function(
        Monetary(
            "Practice Charge", currency='currency', digits='currency',
            help="The practice's standard charge: the product's list price."),
        'get_list_price')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    billable = fields.Function(
        fields.Boolean(
            "Billable", help="Has a product, so it can be invoiced."),
        'get_billable', searcher='search_billable')

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_list_price(self, name):
        if self.product:
            return self.product.list_price_used

    def get_billable(self, name):
        return bool(self.product)

    @classmethod
    def search_billable(cls, name, clause):
        return is_set_domain('product', clause)
