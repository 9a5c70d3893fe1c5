"Small helpers shared by the therapy modules."


def rec_name_domain(clause, field_names):
    """Domain matching clause's value against any of field_names (all of
    them for a negative operator), as search_rec_name wants."""
    _, operator, value = clause[:3]
    negative = operator.startswith('!') or operator.startswith('not ')
    return ['AND' if negative else 'OR'] + [
        (field_name, operator, value) for field_name in field_names]


def is_set_domain(field_name, clause):
    """Domain for a Boolean function field meaning "field_name is set",
    as its searcher wants"""
    _, operator, value = clause[:3]
    is_set = (operator == '=') == bool(value)
    return [(field_name, '!=' if is_set else '=', None)]
