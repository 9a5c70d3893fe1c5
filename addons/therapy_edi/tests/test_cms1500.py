"""The CMS-1500 read back from its PDF: each box's text is found on the
form's 10 characters/inch, 6 lines/inch grid (line 1 at the page's top edge,
column 1 at 0.3 in), the positions the pre-printed form has its boxes at,
for both the plain and the aligned layout."""
import datetime as dt
import io
import unittest
from decimal import Decimal

from pypdf import PdfReader

from therapy_edi.cms1500 import claims_pdf, cms1500_pdf
from therapy_edi.x12 import (
    Address, BillingProvider, Claim, Name, OtherPayer, Patient, Payer,
    Provider, ServiceFacility, ServiceLine, Subscriber)

PAGE_HEIGHT = 11 * 72


def form_grids(content):
    """Per page, the data characters (Courier) as 66 lines of 80 columns,
    placed by the position of each text run"""
    grids = []
    for page in PdfReader(io.BytesIO(content)).pages:
        grid = [[' '] * 80 for _ in range(67)]

        def visit(text, cm, tm, font, size):
            if not text.strip() or 'Courier' not in str(
                    (font or {}).get('/BaseFont')):
                return
            x, y = tm[4] + cm[4], tm[5] + cm[5]
            line = round((PAGE_HEIGHT - y + 3) / 12)
            column = round((x - 0.3 * 72) / 7.2) + 1
            # pypdf puts a blank before a run that starts after a gap;
            # the form never draws one (amounts start at their digits)
            for index, char in enumerate(text.strip()):
                grid[line][column - 1 + index] = char
        page.extract_text(visitor_text=visit)
        grids.append([''.join(row) for row in grid])
    return grids


def box(grid, line, column, width):
    return grid[line][column - 1:column - 1 + width].strip()


def address(line1, zip_='112013702'):
    return Address(line1, 'Brooklyn', 'NY', zip_)


def billing():
    return BillingProvider(Name('Court Street Therapy'), '1987654326',
        '123456789', '261QM0801X', address('210 Court Street'),
        contact_phone='7185550100')


def service_line(day, procedure='90834', pointers=(1,), modifiers=()):
    return ServiceLine(procedure, Decimal('150.00'), Decimal(1),
        dt.date(2026, 3, day), modifiers=modifiers,
        diagnosis_pointers=pointers)


def claim(lines=None, **kwargs):
    values = dict(id='CLM0042', place_of_service='11',
        diagnoses=['F41.1', 'F33.1', 'Z63.0'],
        lines=lines or [service_line(2, pointers=(1, 2)),
            service_line(9, procedure='90837', pointers=(3,),
                modifiers=('95', 'HO'))],
        rendering=Provider(Name('Lind', 'Noa'), '1234567893'))
    values.update(kwargs)
    return Claim(**values)


def subscriber(**kwargs):
    values = dict(name=Name('Reyes', 'Kim', 'Ann'), member_id='HHP5521',
        payer=Payer('Harbor Health Plan', 'HHP01',
            address=Address('PO Box 1200', 'Albany', 'NY', '12201')),
        claim_filing='CI', birth_date=dt.date(1990, 5, 17), sex='F',
        address=address('12 Pacific Street', '11201'), group_number='G-77')
    values.update(kwargs)
    return Subscriber(**values)


class CMS1500Test(unittest.TestCase):

    def grids(self, claim_, subscriber_=None, aligned=False):
        content = cms1500_pdf(billing(), subscriber_ or subscriber(), claim_,
            aligned=aligned, signed=dt.date(2026, 3, 20))
        self.assertTrue(content.startswith(b'%PDF'))
        return form_grids(content)

    def test_boxes_both_layouts(self):
        "Boxes 1a, 2, 21, 24A-J and 33 are where the form has them"
        for aligned in (False, True):
            with self.subTest(aligned=aligned):
                grid, = self.grids(claim(), aligned=aligned)
                self.assertEqual(box(grid, 8, 31, 1), 'X')  # 1: group
                self.assertEqual(box(grid, 8, 50, 29), 'HHP5521')  # 1a
                self.assertEqual(box(grid, 10, 1, 28), 'REYES, KIM, A')  # 2
                self.assertEqual(box(grid, 10, 31, 10), '05 17 1990')  # 3
                self.assertEqual(box(grid, 10, 47, 1), 'X')  # 3: F
                self.assertEqual(box(grid, 12, 33, 1), 'X')  # 6: self
                self.assertEqual(box(grid, 37, 42, 1), '0')  # 21 ICD ind.
                self.assertEqual([box(grid, 38, c, 8) for c in (3, 16, 29)],
                    ['F411', 'F331', 'Z630'])  # 21 A-C, no decimal point
                self.assertEqual(box(grid, 44, 1, 8), '03 02 26')  # 24A
                self.assertEqual(box(grid, 44, 10, 8), '03 02 26')
                self.assertEqual(box(grid, 44, 19, 2), '11')  # 24B
                self.assertEqual(box(grid, 44, 25, 6), '90834')  # 24D
                self.assertEqual(box(grid, 44, 45, 4), 'AB')  # 24E
                self.assertEqual(box(grid, 44, 50, 8), '150 00')  # 24F
                self.assertEqual(box(grid, 44, 59, 3), '1')  # 24G
                self.assertEqual(box(grid, 44, 68, 10), '1234567893')  # 24J
                self.assertEqual(box(grid, 46, 1, 8), '03 09 26')
                self.assertEqual(box(grid, 46, 25, 6), '90837')
                self.assertEqual(box(grid, 46, 33, 11), '95 HO')  # modifiers
                self.assertEqual(box(grid, 46, 45, 4), 'C')
                self.assertEqual(box(grid, 48, 1, 79), '')  # no 3rd line
                self.assertEqual(box(grid, 56, 1, 15), '123456789')  # 25
                self.assertEqual(box(grid, 56, 19, 1), 'X')  # EIN
                self.assertEqual(box(grid, 56, 23, 14), 'CLM0042')  # 26
                self.assertEqual(box(grid, 56, 52, 8), '300 00')  # 28
                self.assertEqual(box(grid, 56, 62, 8), '0 00')  # 29
                self.assertEqual(box(grid, 58, 50, 29),
                    'COURT STREET THERAPY')  # 33
                self.assertEqual(box(grid, 59, 50, 29), '210 COURT STREET')
                self.assertEqual(box(grid, 60, 50, 29),
                    'BROOKLYN NY 11201-3702')
                self.assertEqual(box(grid, 61, 50, 10), '1987654326')  # 33a
                self.assertEqual(box(grid, 57, 66, 12), '718 555-0100')
                self.assertIn('HARBOR HEALTH PLAN', grid[2])  # carrier
                self.assertEqual(box(grid, 38, 50, 29), '')  # 22: original

    def test_plain_layout_has_labels(self):
        "Plain paper carries the form's labels; aligned only the data"
        plain = cms1500_pdf(billing(), subscriber(), claim())
        aligned = cms1500_pdf(billing(), subscriber(), claim(), aligned=True)
        plain_text = PdfReader(io.BytesIO(plain)).pages[0].extract_text()
        aligned_text = PdfReader(io.BytesIO(aligned)).pages[0].extract_text()
        for label in ["HEALTH INSURANCE CLAIM FORM",
                "1a. INSURED'S I.D. NUMBER", "33. BILLING PROVIDER INFO"]:
            self.assertIn(label, plain_text)
            self.assertNotIn(label, aligned_text)

    def test_patient_not_subscriber_and_secondary(self):
        "A child on a parent's plan; a secondary claim names the primary"
        parent = subscriber(name=Name('Reyes', 'Luis'),
            birth_date=dt.date(1965, 1, 2), sex='M',
            patient=Patient(Name('Reyes', 'Tom', suffix='Jr'), '19',
                dt.date(2012, 8, 30), 'M', address('12 Pacific Street')))
        secondary = claim(other_payers=[OtherPayer(Name('Reyes', 'Ana'),
                    'PRI001', 'Empire Plan', 'EMP01', 'CI',
                    paid=Decimal('90.00'))], patient_paid=Decimal('20'),
            referring=Provider(Name('Okafor', 'Ada', 'B'), '1245319599'),
            service_facility=ServiceFacility('Main Street Office',
                address('5 Main Street'), npi='1679576722'),
            prior_authorization='AUTH-9')
        grid, = self.grids(secondary, parent)
        self.assertEqual(box(grid, 10, 1, 28), 'REYES JR, TOM')  # 2
        self.assertEqual(box(grid, 10, 31, 10), '08 30 2012')  # 3
        self.assertEqual(box(grid, 10, 50, 29), 'REYES, LUIS')  # 4
        self.assertEqual(box(grid, 12, 42, 1), 'X')  # 6: child
        self.assertEqual(box(grid, 12, 33, 1), '')
        self.assertEqual(box(grid, 20, 53, 10), '01 02 1965')  # 11a
        self.assertEqual(box(grid, 20, 68, 1), 'X')  # 11a: M
        self.assertEqual(box(grid, 18, 1, 28), 'REYES, ANA')  # 9
        self.assertEqual(box(grid, 20, 1, 28), 'PRI001')  # 9a
        self.assertEqual(box(grid, 26, 1, 28), 'EMPIRE PLAN')  # 9d
        self.assertEqual(box(grid, 26, 52, 1), 'X')  # 11d: yes
        self.assertEqual(box(grid, 34, 1, 2), 'DN')  # 17
        self.assertEqual(box(grid, 34, 4, 25), 'OKAFOR, ADA, B')
        self.assertEqual(box(grid, 34, 33, 10), '1245319599')  # 17b
        self.assertEqual(box(grid, 40, 50, 29), 'AUTH-9')  # 23
        self.assertEqual(box(grid, 56, 62, 8), '110 00')  # 29
        self.assertEqual(box(grid, 58, 23, 26), 'MAIN STREET OFFICE')  # 32
        self.assertEqual(box(grid, 61, 23, 10), '1679576722')  # 32a

    def test_replacement_box_22(self):
        "A replacement shows frequency 7 and the payer's claim number"
        grid, = self.grids(claim(frequency='7',
                payer_claim_number='PCN20260301'))
        self.assertEqual(box(grid, 38, 50, 11), '7')
        self.assertEqual(box(grid, 38, 62, 18), 'PCN20260301')

    def test_seven_lines_continue_on_a_second_page(self):
        "Six lines a page; the totals only on the last page"
        lines = [service_line(day) for day in range(1, 8)]
        first, second = self.grids(claim(lines=lines))
        self.assertEqual([box(first, 44 + 2 * n, 1, 8) for n in range(6)],
            [f'03 0{day} 26' for day in range(1, 7)])
        self.assertEqual(box(second, 44, 1, 8), '03 07 26')
        self.assertEqual(box(second, 46, 1, 8), '')
        self.assertEqual(box(first, 56, 52, 8), '')  # 28 not on page 1
        self.assertEqual(box(second, 56, 52, 8), '1050 00')
        for grid in (first, second):  # the claim's boxes on each page
            self.assertEqual(box(grid, 8, 50, 29), 'HHP5521')
            self.assertEqual(box(grid, 38, 3, 8), 'F411')
            self.assertEqual(box(grid, 61, 50, 10), '1987654326')

    def test_several_claims_in_one_pdf(self):
        "Claims printed together follow each other, each with its forms"
        lines = [service_line(day) for day in range(1, 8)]
        content = claims_pdf([
                (billing(), subscriber(), claim(id='CLM0001')),
                (billing(), subscriber(), claim(id='CLM0002', lines=lines))],
            aligned=True)
        grids = form_grids(content)
        self.assertEqual([box(g, 56, 23, 14) for g in grids],
            ['CLM0001', 'CLM0002', 'CLM0002'])
        self.assertEqual([box(g, 56, 52, 8) for g in grids],
            ['300 00', '', '1050 00'])
