"""Provider identifiers and code formats (identifiers.py), without Tryton."""
import unittest

from ..identifiers import (
    US_STATES, compact, is_valid_npi, is_valid_procedure_code,
    is_valid_taxonomy, npi_check_digit)


class NPITestCase(unittest.TestCase):

    def test_cms_example(self):
        # CMS's worked example of the check digit: 123456789 -> 3
        self.assertEqual(npi_check_digit('123456789'), '3')
        self.assertTrue(is_valid_npi('1234567893'))

    def test_every_wrong_check_digit_refused(self):
        for digit in '0124567890':
            if digit != '3':
                with self.subTest(digit=digit):
                    self.assertFalse(is_valid_npi('123456789' + digit))

    def test_check_digit_completes_any_stem(self):
        for stem in ['100000000', '198765432', '234567890']:
            with self.subTest(stem=stem):
                self.assertTrue(is_valid_npi(stem + npi_check_digit(stem)))

    def test_shape(self):
        for value in ['', None, '123456789', '12345678931', '123456789X',
                '3234567893', '0234567893']:
            with self.subTest(value=value):
                self.assertFalse(is_valid_npi(value))

    def test_spaces_and_dashes_ignored(self):
        self.assertEqual(compact(' 123-456 7893 '), '1234567893')
        self.assertTrue(is_valid_npi('123-456-7893'))


class CodeFormatTestCase(unittest.TestCase):

    def test_taxonomy(self):
        for value in ['1041C0700X', '103t00000x', ' 2084P0800X ']:
            with self.subTest(value=value):
                self.assertTrue(is_valid_taxonomy(value))
        for value in ['1041C0700', '1041C07000', 'A041C0700X', '', None]:
            with self.subTest(value=value):
                self.assertFalse(is_valid_taxonomy(value))

    def test_procedure_codes(self):
        # CPT (90834, category III 0362T), HCPCS Level II (H2019)
        for value in ['90834', '97153', '0362T', 'h2019', ' 92507 ']:
            with self.subTest(value=value):
                self.assertTrue(is_valid_procedure_code(value))
        for value in ['9083', '908345', 'W2019', 'H201', '', None]:
            with self.subTest(value=value):
                self.assertFalse(is_valid_procedure_code(value))

    def test_us_states(self):
        codes = dict(US_STATES)
        self.assertEqual(codes['CA'], 'California')
        for code in ['CA', 'NY', 'TX', 'DC', 'PR']:
            self.assertIn(code, codes)
        # the US Minor Outlying Islands issue no licenses
        self.assertNotIn('UM', codes)
        self.assertEqual([c for c, _ in US_STATES], sorted(codes))
