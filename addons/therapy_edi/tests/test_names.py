"""The name parts an 837P sends, derived from a party's one-line name."""
import unittest

from therapy_edi.names import ascii_text, name_parts


class NamePartsTest(unittest.TestCase):

    def test_first_last(self):
        self.assertEqual(name_parts("Kim Reyes"),
            ('Reyes', 'Kim', None, None))

    def test_middle_and_suffix(self):
        self.assertEqual(name_parts("John Paul Smith Jr."),
            ('Smith', 'John', 'Paul', 'Jr'))
        self.assertEqual(name_parts("Smith, John Paul"),
            ('Smith', 'John', 'Paul', None))
        self.assertEqual(name_parts("John Smith, III"),
            ('Smith', 'John', None, 'III'))

    def test_single_word_and_accents(self):
        self.assertEqual(name_parts("Cher"), ('Cher', None, None, None))
        self.assertEqual(name_parts("Zoë  Peña"),
            ('Pena', 'Zoe', None, None))
        self.assertEqual(ascii_text("Café\tMünchen "), 'Cafe Munchen')
