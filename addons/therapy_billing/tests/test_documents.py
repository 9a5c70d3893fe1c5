"""The statement, superbill and receipt layouts (documents.py), from plain
data and without Tryton: what a client reads on each, read back from the
PDF's text."""
import datetime as dt
import io
import unittest
import xml.etree.ElementTree as ElementTree
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from ..documents import (
    RECEIPT_TEXT, STATEMENT_TEXT, SUPERBILL_TEXT, money, receipt_pdf,
    statement_pdf, superbill_pdf)

MESSAGES = Path(__file__).resolve().parent.parent / 'message.xml'

PRACTICE = {'name': "Harbor Therapy", 'address': ["1 Main St", "Salem OR"],
    'phone': "503-555-0100", 'npi': '1234567893', 'tax_id': '12-3456789'}


def document_text(document, keys):
    """The English words of a document, as report.py reads them: the
    module's messages msg_<document>_<key> (all of them must exist)"""
    texts = {record.get('id'): record.find('field').text
        for record in ElementTree.parse(MESSAGES).iter('record')
        if record.get('model') == 'ir.message'}
    return {key: texts[f'msg_{document}_{key}'] for key in keys}


def text_of(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return ' '.join(page.extract_text() for page in reader.pages)


class MoneyTestCase(unittest.TestCase):

    def test_money(self):
        self.assertEqual(money(Decimal('1234.5')), '$1,234.50')
        self.assertEqual(money(Decimal('-20')), '-$20.00')
        self.assertEqual(money(Decimal(0)), '$0.00')


class StatementTestCase(unittest.TestCase):

    def data(self, **values):
        data = {
            'practice': PRACTICE,
            'guarantor': {'name': "Pat Doe", 'address': ["2 Elm St"]},
            'date': dt.date(2026, 11, 30),
            'client': {'name': "Sam Doe", 'number': 'C0042'},
            'items': [(dt.date(2026, 11, 2), "Psychotherapy, 45 min <b>",
                    Decimal(150), Decimal(150))],
            'aging': {"Current": Decimal(150), "31-60 days": Decimal(0)},
            'deposit': None,
            'total': Decimal(150),
            'how_to_pay': ["Pay online or call the front desk."],
            'text': document_text('statement', STATEMENT_TEXT),
            }
        data.update(values)
        return data

    def test_statement(self):
        text = text_of(statement_pdf(self.data()))
        for expected in ["Harbor Therapy", "Statement", "Sam Doe",
                "C0042", "Pat Doe", "Psychotherapy, 45 min <b>", "$150.00",
                "Total due", "Pay online or call the front desk."]:
            self.assertIn(expected, text)
        self.assertNotIn("Paid, not applied yet", text)

    def test_deposit_shown_apart(self):
        text = text_of(statement_pdf(self.data(
                    deposit=Decimal(25), total=Decimal(125))))
        self.assertIn("Paid, not applied yet", text)
        self.assertIn("-$25.00", text)
        self.assertIn("$125.00", text)

    def test_nothing_open(self):
        text = text_of(statement_pdf(self.data(items=[],
                    aging={"Current": Decimal(0)}, total=Decimal(0))))
        self.assertIn("No open items", text)


class SuperbillTestCase(unittest.TestCase):

    def test_superbill(self):
        pdf = superbill_pdf({
                'practice': PRACTICE,
                'provider': {'name': "Noa Lind", 'npi': '1245319599',
                    'credential': "LCSW"},
                'client': {'name': "Sam Doe", 'number': 'C0042',
                    'birth_date': dt.date(1990, 4, 1), 'address': []},
                'period': (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
                'diagnoses': [('F41.1', "Generalized anxiety disorder"),
                    ('F32.1', "Major depressive disorder, moderate")],
                'lines': [(dt.date(2026, 11, 2), '90834', 'HO', 1,
                        Decimal(150), '11'),
                    (dt.date(2026, 11, 9), '90834', None, 1,
                        Decimal(150), '10')],
                'total': Decimal(300),
                'paid': Decimal(120),
                'text': document_text('superbill', SUPERBILL_TEXT),
                })
        text = text_of(pdf)
        for expected in ["Superbill", "NPI: 1234567893",
                "Tax ID: 12-3456789", "Noa Lind LCSW", "NPI 1245319599",
                "F41.1", "Generalized anxiety disorder", "F32.1", "90834",
                "$300.00", "$120.00", "$180.00"]:
            self.assertIn(expected, text)
        # diagnosis pointers A, B in the order given (primary first)
        self.assertLess(text.index("F41.1"), text.index("F32.1"))


class ReceiptTestCase(unittest.TestCase):

    def test_receipt(self):
        text = text_of(receipt_pdf({
                    'practice': PRACTICE, 'number': 'RCPT000007',
                    'date': dt.date(2026, 11, 30), 'client_number': 'C0042',
                    'received_from': "Pat Doe", 'kind': "Copay",
                    'visit': dt.date(2026, 11, 30), 'amount': Decimal(20),
                    'method': "Card",
                    'applies_to': ["Visit of 2026-11-30 & follow-up"],
                    'text': document_text('receipt', RECEIPT_TEXT),
                    }))
        for expected in ["Receipt RCPT000007", "C0042", "Pat Doe",
                "Copay, visit of 2026-11-30", "$20.00", "Card",
                "Visit of 2026-11-30 & follow-up"]:
            self.assertIn(expected, text)
