"""What a posting sets on many records, saved below the ORM (rows_sql.py):
the columns the ORM's save writes, the checks it makes on each value,
and nothing written when one fails."""
from decimal import Decimal

from trytond.model.exceptions import (
    DigitsValidationError, RequiredValidationError, SelectionValidationError)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from therapy_billing import rows_sql

from .test_remittance import RemittanceCase, answer

COLUMNS = ['claim', 'claim_number', 'status', 'paid', 'payer_claim_number',
    'write_uid']


class RowsSQLTestCase(RemittanceCase):

    def rows(self, remittance, written=False):
        """The stored columns of a remittance's answers and service lines;
        written: each has its write date"""
        pool = Pool()
        cursor = Transaction().connection.cursor()
        result = []
        for Model, parent, names in [
                (pool.get('therapy.remittance.claim'), 'remittance',
                    COLUMNS),
                (pool.get('therapy.remittance.line'), 'remittance_claim',
                    ['claim_line', 'paid', 'write_uid']),
                ]:
            table = Model.__table__()
            ids = ([remittance.id] if parent == 'remittance'
                else [a.id for a in remittance.claims])
            cursor.execute(*table.select(
                    *[getattr(table, n) for n in names],
                    table.write_date,
                    where=getattr(table, parent).in_(ids)))
            for *values, write_date in cursor:
                if written:
                    self.assertIsNotNone(write_date)
                result.append(tuple(str(v) for v in values))
        return result

    def match(self, practice, remittance, save):
        "Match its answer and line to the practice's claim, saved by save"
        pool = Pool()
        RemittanceClaim = pool.get('therapy.remittance.claim')
        RemittanceLine = pool.get('therapy.remittance.line')
        remittance_claim, = remittance.claims
        remittance_claim.claim = practice.claim
        remittance_claim.paid = Decimal('90.00')
        remittance_claim.payer_claim_number = 'PCN9'
        service, = remittance_claim.lines
        service.claim_line = practice.line
        service.paid = Decimal('90.00')
        save(RemittanceClaim, [remittance_claim])
        save(RemittanceLine, [service])

    @with_transaction()
    def test_save_writes_what_the_orm_writes(self):
        "Saved in bulk, the rows are the ORM's, and records read them back"
        pool = Pool()
        RemittanceClaim = pool.get('therapy.remittance.claim')
        with set_company(create_company()):
            practice = self.practice()
            number = practice.claim.number
            orm = self.remittance(practice, 'ORM1', [answer(number)])
            bulk = self.remittance(practice, 'BULK1', [answer(number)])
            self.match(practice, orm,
                lambda Model, records: Model.save(records))
            self.match(practice, bulk, rows_sql.save)
            self.assertEqual(self.rows(bulk, written=True),
                self.rows(orm, written=True))
            self.assertIn('PCN9', self.rows(bulk)[0])
            answer_, = RemittanceClaim(bulk.claims[0].id),
            self.assertEqual(answer_.claim, practice.claim)
            self.assertEqual(answer_.lines[0].claim_line, practice.line)

    @with_transaction()
    def test_save_refuses_and_writes_nothing(self):
        "A missing required value, a bad choice or too many places"
        pool = Pool()
        RemittanceClaim = pool.get('therapy.remittance.claim')
        with set_company(create_company()):
            practice = self.practice()
            remittance = self.remittance(practice, 'EFT1',
                [answer(practice.claim.number)])
            before = self.rows(remittance)
            for name, value, error in [
                    ('claim_number', None, RequiredValidationError),
                    ('status', 'XX', SelectionValidationError),
                    ('paid', Decimal('90.001'), DigitsValidationError),
                    ]:
                with self.subTest(name=name):
                    record = RemittanceClaim(remittance.claims[0].id)
                    record.claim = practice.claim
                    setattr(record, name, value)
                    with self.assertRaises(error):
                        rows_sql.save(RemittanceClaim, [record])
                    self.assertEqual(self.rows(remittance), before)

    @with_transaction()
    def test_new_records_go_to_the_orm(self):
        "A record not saved yet is created by the ORM, the others in bulk"
        pool = Pool()
        RemittanceLine = pool.get('therapy.remittance.line')
        with set_company(create_company()):
            practice = self.practice()
            remittance = self.remittance(practice, 'EFT1',
                [answer(practice.claim.number)])
            remittance_claim, = remittance.claims
            old, = remittance_claim.lines
            old.paid = Decimal('10.00')
            new = RemittanceLine(remittance_claim=remittance_claim,
                procedure_code='90785', charge=Decimal(0),
                paid=Decimal('5.00'))
            rows_sql.save(RemittanceLine, [old, new])
            self.assertIsNotNone(new.id)
            lines = RemittanceLine.search([
                    ('remittance_claim', '=', remittance_claim.id)],
                order=[('id', 'ASC')])
            self.assertEqual([l.paid for l in lines],
                [Decimal('10.00'), Decimal('5.00')])

    @with_transaction()
    def test_preload_answers_reads_and_saves_only_changes(self):
        """Preloaded columns answer the records' reads (a Many2One as a
        record), and a save writes what changed only"""
        pool = Pool()
        ClaimLine = pool.get('therapy.claim.line')
        Claim = pool.get('therapy.claim')
        table = ClaimLine.__table__()
        cursor = Transaction().connection.cursor()
        with set_company(create_company()):
            practice = self.practice()
            line, = ClaimLine.browse([practice.line.id])
            rows_sql.preload(ClaimLine, [line], ['pr', 'paid', 'claim'])
            # below the caches: what the records answer is the preload's
            cursor.execute(*table.update([table.pr, table.paid],
                    [Decimal('7.00'), Decimal('8.00')],
                    where=table.id == line.id))
            self.assertEqual((line.pr, line.paid), (Decimal(0), Decimal(0)))
            self.assertIsInstance(line.claim, Claim)
            self.assertEqual(line.claim.id, practice.claim.id)
            line.paid += Decimal('1.00')
            rows_sql.save(ClaimLine, [line])
            cursor.execute(*table.select(table.pr, table.paid,
                    where=table.id == line.id))
            self.assertEqual(cursor.fetchone(),
                (Decimal('7.00'), Decimal('1.00')))
