"Pure-Python helpers: measure scoring, answer checks, content hashes, ICD-10"
import datetime as dt
import re
import unittest

from ..answers import (
    AnswerError, flags_risk, label, normalize, parse_options)
from ..icd10 import code_rows, search_words
from ..measures import ScoringError, is_due, score
from ..signature import canonical, content_hash, sha256


def answers_for(total, items, risk_item_value=None):
    """{item: value} of `items` items summing to total, item 9 (the last
    PHQ-9 item) set to risk_item_value when given"""
    answers = {}
    remaining = total
    if risk_item_value is not None:
        answers[items] = risk_item_value
        remaining -= risk_item_value
    for i in range(1, items + 1):
        if i in answers:
            continue
        answers[i] = min(3, remaining)
        remaining -= answers[i]
    assert remaining == 0 and sum(answers.values()) == total
    assert all(0 <= v <= 3 for v in answers.values())
    return answers


def named_items(error):
    "Item numbers in a ScoringError message, the measure name left out"
    text = str(error).replace('PHQ-9', '').replace('GAD-7', '')
    return {int(n) for n in re.findall(r'\d+', text)}


class MeasuresTestCase(unittest.TestCase):

    def test_phq9_band_boundaries(self):
        expected = {0: 'minimal', 4: 'minimal', 5: 'mild', 9: 'mild',
            10: 'moderate', 14: 'moderate', 15: 'moderately_severe',
            19: 'moderately_severe', 20: 'severe', 27: 'severe'}
        for total, severity in expected.items():
            with self.subTest(total=total):
                result = score('phq9', answers_for(total, 9,
                        risk_item_value=0 if total <= 24 else 3))
                self.assertEqual(result.score, total)
                self.assertEqual(result.severity, severity)

    def test_gad7_band_boundaries(self):
        expected = {0: 'minimal', 4: 'minimal', 5: 'mild', 9: 'mild',
            10: 'moderate', 14: 'moderate', 15: 'severe', 21: 'severe'}
        for total, severity in expected.items():
            with self.subTest(total=total):
                result = score('gad7', answers_for(total, 7))
                self.assertEqual(result.score, total)
                self.assertEqual(result.severity, severity)

    def test_phq9_item9_flags_risk_with_total_one(self):
        answers = {i: 0 for i in range(1, 10)}
        answers[9] = 1
        result = score('phq9', answers)
        self.assertEqual(result.score, 1)
        self.assertEqual(result.severity, 'minimal')
        self.assertIs(result.risk_flag, True)

    def test_phq9_item9_zero_no_risk(self):
        answers = {i: 3 for i in range(1, 10)}
        answers[9] = 0
        result = score('phq9', answers)
        self.assertEqual(result.score, 24)
        self.assertEqual(result.severity, 'severe')
        self.assertIs(result.risk_flag, False)

    def test_phq9_other_items_do_not_flag_risk(self):
        for item in range(1, 9):
            with self.subTest(item=item):
                answers = {i: 0 for i in range(1, 10)}
                answers[item] = 3
                self.assertIs(score('phq9', answers).risk_flag, False)

    def test_missing_item_named(self):
        for measure, items in [('phq9', 9), ('gad7', 7)]:
            for missing in (1, items):
                with self.subTest(measure=measure, missing=missing):
                    answers = {i: 1 for i in range(1, items + 1)}
                    del answers[missing]
                    with self.assertRaises(ScoringError) as cm:
                        score(measure, answers)
                    self.assertEqual(named_items(cm.exception), {missing})

    def test_item_answered_none_is_missing(self):
        answers = {i: 1 for i in range(1, 10)}
        answers[4] = None
        with self.assertRaises(ScoringError) as cm:
            score('phq9', answers)
        self.assertEqual(named_items(cm.exception), {4})

    def test_several_missing_items_all_named(self):
        answers = {i: 1 for i in range(1, 10) if i not in (2, 7)}
        with self.assertRaises(ScoringError) as cm:
            score('phq9', answers)
        self.assertEqual(named_items(cm.exception), {2, 7})

    def test_scoring_error_caught_as_value_error(self):
        "Callers that catch ValueError (form views) get the items named"
        with self.assertRaises(ValueError) as cm:
            score('gad7', {1: 1})
        self.assertEqual(named_items(cm.exception), set(range(2, 8)))

    def test_out_of_range_values_raise(self):
        for measure, items in [('phq9', 9), ('gad7', 7)]:
            for value in (4, -1):
                with self.subTest(measure=measure, value=value):
                    answers = {i: 0 for i in range(1, items + 1)}
                    answers[2] = value
                    with self.assertRaises(ScoringError):
                        score(measure, answers)

    def test_gad7_never_flags_risk(self):
        for total in (0, 1, 7, 21):
            with self.subTest(total=total):
                self.assertIs(
                    score('gad7', answers_for(total, 7)).risk_flag, False)
        # the last GAD-7 item answered at maximum
        answers = {i: 0 for i in range(1, 8)}
        answers[7] = 3
        self.assertIs(score('gad7', answers).risk_flag, False)

    def test_is_due_baseline_without_previous(self):
        self.assertTrue(is_due(0, 4, False))
        self.assertTrue(is_due(1, 4, False))

    def test_is_due_at_every_sessions(self):
        self.assertTrue(is_due(4, 4, True))
        self.assertTrue(is_due(5, 4, True))
        self.assertTrue(is_due(1, 1, True))

    def test_not_due_at_every_minus_one(self):
        self.assertFalse(is_due(3, 4, True))
        self.assertFalse(is_due(0, 4, True))
        self.assertFalse(is_due(0, 1, True))

    def test_never_due_without_every(self):
        for every in (0, None):
            for since, previous in [(0, False), (5, True), (100, True)]:
                with self.subTest(every=every, since=since,
                        previous=previous):
                    self.assertFalse(is_due(since, every, previous))


OPTIONS = [('a', "Apple"), ('b', "Banana"), ('c', "Cherry")]


class AnswersTestCase(unittest.TestCase):

    def test_parse_options(self):
        text = "a|Apple\n\n  b | Banana  \n   \nCherry\n"
        self.assertEqual(parse_options(text),
            [('a', "Apple"), ('b', "Banana"), ('Cherry', "Cherry")])

    def test_parse_options_empty(self):
        self.assertEqual(parse_options(None), [])
        self.assertEqual(parse_options(''), [])
        self.assertEqual(parse_options('\n  \n'), [])

    def test_parse_options_label_with_pipe(self):
        # only the first "|" separates the key
        self.assertEqual(parse_options("k|a|b"), [('k', "a|b")])

    def test_empty_values_none(self):
        types = ['text', 'long_text', 'choice', 'multi_choice', 'date',
            'yes_no', 'number', 'scale', 'signature']
        for type_ in types:
            for value in (None, '', '   ', []):
                with self.subTest(type_=type_, value=value):
                    self.assertIsNone(normalize(type_, value,
                            options=OPTIONS, scale=(1, 10)))

    def test_text(self):
        self.assertEqual(normalize('text', "  hello  "), "hello")
        self.assertEqual(normalize('long_text', "line 1\nline 2\n"),
            "line 1\nline 2")

    def test_signature(self):
        self.assertEqual(normalize('signature', " Jane Doe "), "Jane Doe")

    def test_choice_valid(self):
        self.assertEqual(normalize('choice', 'b', OPTIONS), 'b')
        self.assertEqual(normalize('choice', ' c ', OPTIONS), 'c')

    def test_choice_invalid(self):
        for value in ('d', 'Apple', 'A'):
            with self.subTest(value=value):
                with self.assertRaises(AnswerError):
                    normalize('choice', value, OPTIONS)

    def test_multi_choice_list(self):
        self.assertEqual(normalize('multi_choice', ['a', 'c'], OPTIONS),
            'a,c')
        self.assertEqual(normalize('multi_choice', ('b',), OPTIONS), 'b')

    def test_multi_choice_comma_string(self):
        self.assertEqual(normalize('multi_choice', 'a, b,,c ', OPTIONS),
            'a,b,c')
        self.assertEqual(normalize('multi_choice', 'b', OPTIONS), 'b')

    def test_multi_choice_unknown(self):
        with self.assertRaisesRegex(AnswerError, 'z'):
            normalize('multi_choice', 'a,z', OPTIONS)
        with self.assertRaises(AnswerError):
            normalize('multi_choice', ['a', 'Apple'], OPTIONS)

    def test_yes_no(self):
        for value in ('yes', 'Y', 'y', 'YES', 'true', 'True', '1', 1, True):
            with self.subTest(value=value):
                self.assertEqual(normalize('yes_no', value), 'yes')
        for value in ('no', 'N', 'NO', 'false', 'False', '0', 0, False):
            with self.subTest(value=value):
                self.assertEqual(normalize('yes_no', value), 'no')

    def test_yes_no_invalid(self):
        for value in ('maybe', '2', 'si', 'yess'):
            with self.subTest(value=value):
                with self.assertRaises(AnswerError):
                    normalize('yes_no', value)

    def test_date_valid(self):
        self.assertEqual(normalize('date', '2024-02-29'), '2024-02-29')
        self.assertEqual(normalize('date', dt.date(2023, 1, 5)),
            '2023-01-05')

    def test_date_invalid(self):
        for value in ('2023-02-29', '2024-13-01', '03/04/2024', 'soon'):
            with self.subTest(value=value):
                with self.assertRaises(AnswerError):
                    normalize('date', value)

    def test_number(self):
        self.assertEqual(normalize('number', '42'), '42')
        self.assertEqual(normalize('number', '42.0'), '42')
        self.assertEqual(normalize('number', 7), '7')
        self.assertEqual(normalize('number', '-3'), '-3')
        self.assertEqual(normalize('number', '2.5'), '2.5')
        self.assertEqual(normalize('number', 0.25), '0.25')
        # a number question has no range
        self.assertEqual(normalize('number', '1000', scale=(1, 10)), '1000')

    def test_number_invalid(self):
        for value in ('abc', '1,5', '12kg'):
            with self.subTest(value=value):
                with self.assertRaises(AnswerError):
                    normalize('number', value)

    def test_scale_in_range(self):
        for value, expected in [('1', '1'), ('5', '5'), ('10', '10'),
                ('7.5', '7.5')]:
            with self.subTest(value=value):
                self.assertEqual(
                    normalize('scale', value, scale=(1, 10)), expected)

    def test_scale_out_of_range(self):
        for value in ('0', '11', '0.99', '10.01', '-1'):
            with self.subTest(value=value):
                with self.assertRaises(AnswerError):
                    normalize('scale', value, scale=(1, 10))

    def test_scale_open_bounds(self):
        self.assertEqual(normalize('scale', '500', scale=(0, None)), '500')
        with self.assertRaises(AnswerError):
            normalize('scale', '-1', scale=(0, None))
        self.assertEqual(normalize('scale', '-50', scale=(None, 10)), '-50')
        with self.assertRaises(AnswerError):
            normalize('scale', 'x', scale=(0, 10))

    def test_unknown_type(self):
        with self.assertRaises(AnswerError):
            normalize('colour', 'red')

    def test_answer_error_caught_as_value_error(self):
        "Callers that catch ValueError (the portal's form pages) get it"
        with self.assertRaises(ValueError):
            normalize('number', 'twelve')

    def test_label_choice(self):
        self.assertEqual(label('choice', 'b', OPTIONS), "Banana")
        # a key no longer among the options reads as itself
        self.assertEqual(label('choice', 'z', OPTIONS), 'z')

    def test_label_multi_choice(self):
        self.assertEqual(label('multi_choice', 'a,c', OPTIONS),
            "Apple, Cherry")
        self.assertEqual(label('multi_choice', 'b', OPTIONS), "Banana")

    def test_label_yes_no(self):
        self.assertEqual(label('yes_no', 'yes'), "Yes")
        self.assertEqual(label('yes_no', 'no'), "No")

    def test_label_none_and_other(self):
        self.assertEqual(label('choice', None, OPTIONS), '')
        self.assertEqual(label('text', 'free text'), 'free text')

    def test_normalize_then_label(self):
        for type_, value, expected in [
                ('choice', ' a ', "Apple"),
                ('multi_choice', 'c, a', "Cherry, Apple"),
                ('yes_no', 'Y', "Yes"),
                ('yes_no', '0', "No"),
                ]:
            with self.subTest(type_=type_, value=value):
                self.assertEqual(
                    label(type_, normalize(type_, value, OPTIONS), OPTIONS),
                    expected)


    def test_risk_answers(self):
        "Any answer but none, no, 0 or the first option flags risk"
        phq = parse_options("0|Not at all\n1|Several days\n2|More\n3|Daily")
        self.assertFalse(flags_risk('choice', '0', phq))
        self.assertTrue(flags_risk('choice', '1', phq))
        self.assertTrue(flags_risk('choice', '3', phq))
        self.assertFalse(flags_risk('choice', None, phq))
        never = parse_options("never|Never\nsome|Sometimes")
        self.assertFalse(flags_risk('choice', 'never', never))
        self.assertTrue(flags_risk('multi_choice', 'never,some', never))
        self.assertFalse(flags_risk('multi_choice', 'never', never))
        self.assertTrue(flags_risk('yes_no', 'yes'))
        self.assertFalse(flags_risk('yes_no', 'no'))
        self.assertTrue(flags_risk('scale', '2'))
        self.assertFalse(flags_risk('number', '0'))
        self.assertTrue(flags_risk('long_text', 'I have a plan'))
        self.assertFalse(flags_risk('text', '  '))
        self.assertFalse(flags_risk('date', '2026-12-01'))


class SignatureTestCase(unittest.TestCase):

    def test_canonical_independent_of_key_order(self):
        one = {'b': 1, 'a': {'y': [1, 2], 'x': "é"}, 'c': None}
        two = {'c': None, 'a': {'x': "é", 'y': [1, 2]}, 'b': 1}
        self.assertEqual(canonical(one), canonical(two))
        self.assertEqual(content_hash(one), content_hash(two))
        self.assertEqual(canonical(one),
            '{"a":{"x":"é","y":[1,2]},"b":1,"c":null}')

    def test_content_hash_changes_with_one_character(self):
        base = {'note': "Client reports improved sleep.", 'id': 7}
        changed = {'note': "Client reports improved sleep!", 'id': 7}
        self.assertNotEqual(content_hash(base), content_hash(changed))
        self.assertNotEqual(content_hash({'id': 7}), content_hash({'id': 8}))
        self.assertNotEqual(content_hash({'id': 7}),
            content_hash({'id': '7'}))

    def test_content_hash_is_sha256_of_canonical(self):
        content = {'b': 2, 'a': 1}
        self.assertEqual(content_hash(content), sha256('{"a":1,"b":2}'))
        self.assertRegex(content_hash(content), r'^[0-9a-f]{64}$')


    def test_dates_serialised(self):
        content = {'date': dt.date(2024, 3, 5),
            'at': dt.datetime(2024, 3, 5, 14, 30, 0)}
        self.assertEqual(canonical(content),
            '{"at":"2024-03-05 14:30:00","date":"2024-03-05"}')
        self.assertNotEqual(content_hash(content), content_hash(
                {'date': dt.date(2024, 3, 6),
                    'at': dt.datetime(2024, 3, 5, 14, 30, 0)}))


class ICD10TestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = list(code_rows())
        cls.by_code = {code: (description, billable)
            for code, description, billable in cls.rows}

    def test_rows_are_triples(self):
        for row in self.rows[:50]:
            with self.subTest(row=row):
                code, description, billable = row
                self.assertIsInstance(code, str)
                self.assertIsInstance(description, str)
                self.assertIsInstance(billable, bool)

    def test_generalized_anxiety_disorder(self):
        self.assertIn('F41.1', self.by_code)
        self.assertEqual(self.by_code['F41.1'],
            ("Generalized anxiety disorder", True))

    def test_category_not_billable(self):
        self.assertIn('F41', self.by_code)
        self.assertIs(self.by_code['F41'][1], False)

    def test_no_chapters_or_blocks(self):
        for code in ('5', '1', '22', 'F40-F48', 'F01-F09', 'A00-A09'):
            with self.subTest(code=code):
                self.assertNotIn(code, self.by_code)
        self.assertFalse([c for c in self.by_code if '-' in c])
        self.assertFalse([c for c in self.by_code if c.isdigit()])

    def test_codes_unique(self):
        self.assertEqual(len(self.by_code), len(self.rows))

    def test_total_count(self):
        self.assertGreaterEqual(len(self.rows), 90_000)
        self.assertLessEqual(len(self.rows), 100_000)

    def test_search_words(self):
        self.assertEqual(search_words("anxiety, generalized"),
            ["anxiety", "generalized"])
        self.assertEqual(search_words("  major   depressive,disorder "),
            ["major", "depressive", "disorder"])
        self.assertEqual(search_words(None), [])
        self.assertEqual(search_words(" , "), [])
