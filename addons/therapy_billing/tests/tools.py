"""Scenario helpers: what the payer's remittance will post onto claim
lines, run server-side as the remittance work will call it."""
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError


def in_transaction(config, func):
    """func() in a committed transaction of config's database and user,
    retried with the table locks it asks for, as the dispatcher does"""
    extras = {}
    for _ in range(5):
        with Transaction().start(config.database_name, config.user,
                context=config.context, **extras) as transaction:
            try:
                result = func()
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return result
    raise RuntimeError("could not get the locks the transaction needs")


def patient_share(config, line, amount):
    """The payer names amount of claim line as patient responsibility
    (PR): moved on to the next payer or billed to the guarantor"""
    def post():
        ClaimLine = Pool().get('therapy.claim.line')
        ClaimLine.transfer_responsibility(
            {ClaimLine(line.id): Decimal(amount)})
    in_transaction(config, post)
