"The psychotherapy time bands and add-on pairs (plain Python)"
import unittest

from therapy_billing.cpt_time import code_for, fits, missing_primary


class CptTimeTestCase(unittest.TestCase):

    def test_bands_edges(self):
        for code, inside, outside in [
                ('90832', [16, 37], [15, 38]),
                ('90834', [38, 52], [37, 53]),
                ('90837', [53, 120], [52]),
                ('90839', [30, 74], [29, 75]),
                ]:
            for minutes in inside:
                self.assertTrue(fits(code, minutes), (code, minutes))
            for minutes in outside:
                self.assertFalse(fits(code, minutes), (code, minutes))

    def test_untimed_codes_and_unknown_minutes_fit(self):
        self.assertTrue(fits('90791', 5))
        self.assertTrue(fits('90834', None))

    def test_the_code_the_minutes_support(self):
        self.assertEqual(code_for('90834', 30), '90832')
        self.assertEqual(code_for('90834', 60), '90837')
        self.assertEqual(code_for('90836', 20), '90833')
        self.assertIsNone(code_for('90834', 10))
        self.assertIsNone(code_for('97153', 60))

    def test_add_ons_need_their_primary(self):
        self.assertEqual(missing_primary(['90785']), ['90785'])
        self.assertEqual(missing_primary(['90834', '90785']), [])
        self.assertEqual(missing_primary(['90840', '90834']), ['90840'])
        self.assertEqual(missing_primary(['90839', '90840']), [])
