"""Scoring of standardized outcome measures (pure Python).

PHQ-9 (Kroenke, Spitzer & Williams 2001) and GAD-7 (Spitzer et al. 2006)
are public domain; items are answered 0-3 and summed. The severity bands
are the published cut-offs. PHQ-9 item 9 (thoughts of being better off dead
or of self-harm) flags risk whatever the total. No PyPI package scores them,
and the rules are a sum and a table."""
from collections import namedtuple

Measure = namedtuple('Measure', ['name', 'items', 'bands', 'risk_item'])
Result = namedtuple('Result', ['score', 'severity', 'risk_flag'])

SEVERITIES = [
    ('minimal', "Minimal"),
    ('mild', "Mild"),
    ('moderate', "Moderate"),
    ('moderately_severe', "Moderately severe"),
    ('severe', "Severe"),
    ]

MEASURES = {
    'phq9': Measure("PHQ-9", 9,
        [(0, 'minimal'), (5, 'mild'), (10, 'moderate'),
            (15, 'moderately_severe'), (20, 'severe')],
        risk_item=9),
    'gad7': Measure("GAD-7", 7,
        [(0, 'minimal'), (5, 'mild'), (10, 'moderate'), (15, 'severe')],
        risk_item=None),
    }
ITEM_MIN, ITEM_MAX = 0, 3


def scale_max(measure):
    "The highest score of measure (27 for PHQ-9, 21 for GAD-7)"
    spec = MEASURES[measure]
    return spec.items * ITEM_MAX


def band_floor(measure, severity):
    "The lowest score of a severity band of measure, None if it has none"
    return dict((name, low) for low, name in MEASURES[measure].bands).get(
        severity)


class ScoringError(ValueError):
    pass


def item_code(number):
    return f'item{number}'


def score(measure, answers):
    """Result of measure for answers {item number: value 0-3}.

    Every item must be answered: a prorated or partial total would
    understate severity."""
    spec = MEASURES[measure]
    missing = [i for i in range(1, spec.items + 1) if answers.get(i) is None]
    if missing:
        raise ScoringError(
            f"{spec.name} needs items {', '.join(map(str, missing))}")
    values = [int(answers[i]) for i in range(1, spec.items + 1)]
    if any(not ITEM_MIN <= v <= ITEM_MAX for v in values):
        raise ScoringError(
            f"{spec.name} items are answered {ITEM_MIN} to {ITEM_MAX}")
    total = sum(values)
    severity = [name for low, name in spec.bands if total >= low][-1]
    risk = bool(spec.risk_item and values[spec.risk_item - 1] > 0)
    return Result(total, severity, risk)


def is_due(sessions_since_last, every, has_previous):
    """Whether a measure given every `every` sessions is due now: at the
    first session (baseline), then once `every` sessions have passed."""
    if not every:
        return False
    return not has_previous or sessions_since_last >= every
