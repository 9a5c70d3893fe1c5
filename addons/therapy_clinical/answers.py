"""Checking questionnaire answers against their question type (pure)."""
import datetime as dt
import math

TYPES = [
    ('text', "Short text"),
    ('long_text', "Long text"),
    ('choice', "Choice"),
    ('multi_choice', "Multiple choice"),
    ('date', "Date"),
    ('yes_no', "Yes / No"),
    ('number', "Number"),
    ('scale', "Scale"),
    ('signature', "Signature"),
    ]
YES_NO = [('yes', "Yes"), ('no', "No")]


class AnswerError(ValueError):
    pass


def parse_options(text):
    """[(key, label)] from one option per line, "key|label" or "label"."""
    options = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, label = line.partition('|')
        options.append((key.strip(), (label if sep else key).strip()))
    return options


def normalize(type_, value, options=(), scale=(None, None)):
    """The stored form of value for a question of type_, or AnswerError.

    Empty answers return None (required-ness is checked separately)."""
    value = (value or '').strip() if isinstance(value, str) else value
    if value in (None, '', []):
        return None
    keys = [k for k, _ in options]
    if type_ in {'text', 'long_text', 'signature'}:
        return str(value)
    if type_ == 'choice':
        if str(value) not in keys:
            raise AnswerError(f"{value!r} is not one of {', '.join(keys)}")
        return str(value)
    if type_ == 'multi_choice':
        chosen = value if isinstance(value, (list, tuple)) else [
            v.strip() for v in str(value).split(',') if v.strip()]
        chosen = list(dict.fromkeys(chosen))  # once each, in order given
        if not chosen:
            return None
        unknown = [c for c in chosen if c not in keys]
        if unknown:
            raise AnswerError(
                f"{', '.join(unknown)} not among {', '.join(keys)}")
        return ','.join(chosen)
    if type_ == 'yes_no':
        text = str(value).lower()
        if text in {'yes', 'y', 'true', '1'}:
            return 'yes'
        if text in {'no', 'n', 'false', '0'}:
            return 'no'
        raise AnswerError(f"{value!r} is not yes or no")
    if type_ == 'date':
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise AnswerError(f"{value!r} is not a date (YYYY-MM-DD)")
    if type_ in {'number', 'scale'}:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise AnswerError(f"{value!r} is not a number")
        if not math.isfinite(number):
            raise AnswerError(f"{value!r} is not a number")
        low, high = scale
        if type_ == 'scale' and ((low is not None and number < low)
                or (high is not None and number > high)):
            raise AnswerError(f"{value} is outside {low}-{high}")
        return str(int(number)) if number.is_integer() else str(number)
    raise AnswerError(f"unknown question type {type_!r}")


def label(type_, value, options=()):
    "How an answer reads on the rendered document"
    if value is None:
        return ''
    labels = dict(options)
    if type_ == 'choice':
        return labels.get(value, value)
    if type_ == 'multi_choice':
        return ', '.join(labels.get(v, v) for v in value.split(','))
    if type_ == 'yes_no':
        return dict(YES_NO)[value]
    return value


def flags_risk(type_, value, options=()):
    """Whether a stored answer to a risk question flags risk: anything but
    no answer, "no", 0, or a choice's first option (the "Not at all" of
    a PHQ-9 item)"""
    if value in (None, ''):
        return False
    if type_ == 'yes_no':
        return value == 'yes'
    if type_ in {'number', 'scale'}:
        return float(value) > 0
    if type_ in {'choice', 'multi_choice'}:
        first = options[0][0] if options else None
        return any(v not in {first, '0'} for v in value.split(','))
    if type_ == 'date':
        return False
    return bool(value.strip())
