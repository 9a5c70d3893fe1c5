"""Summary of a 271 eligibility response (005010X279A1), per subscriber
and dependent: active or not, plan dates, copay, coinsurance, deductible
and out-of-pocket (with the remaining amounts), network, visit limits,
prior authorization and AAA rejections.

Also what matching the answer to the practice's coverages needs: the
payer (2100A NM1*PR), each member's trace (TRN02, echoed from the 270),
birth date (DMG02) and the response date (BHT04); and the meaning of the
AAA reason and follow-up codes (:func:`rejection_text`).
"""
from decimal import Decimal

from .amounts import amount, money
from .tokens import element

__all__ = ['summary_271', 'figures', 'rejection_text', 'AAA_REASONS',
           'AAA_FOLLOW_UPS']

ACTIVE = {'1', '2', '3', '4', '5'}
INACTIVE = {'6', '7', '8'}
# EB01 -> summary key
AMOUNTS = {
    'B': 'copays',
    'A': 'coinsurance',
    'C': 'deductibles',
    'G': 'out_of_pocket',
    'F': 'visit_limits',
    }
NETWORK = {'Y': 'in', 'N': 'out', 'W': 'both', 'U': 'unknown'}
DATES = {
    '291': 'plan', '346': 'plan_begin', '347': 'plan_end',
    '356': 'eligibility_begin', '357': 'eligibility_end',
    '307': 'eligibility', '348': 'benefit_begin', '349': 'benefit_end',
    '292': 'benefit', '295': 'primary_care_provider', '304': 'latest_visit',
    '435': 'admission', '472': 'service', '636': 'last_update',
    }
TIME_REMAINING = '29'
# AAA03 (005010X279A1, 2000A to 2100D): why the payer could not answer
AAA_REASONS = {
    '04': "Authorized quantity exceeded",
    '15': "Required application data missing",
    '33': "Input errors",
    '35': "Out of network",
    '41': "Authorization/access restrictions",
    '42': "Unable to respond at current time",
    '43': "Invalid/missing provider identification",
    '44': "Invalid/missing provider name",
    '45': "Invalid/missing provider specialty",
    '46': "Invalid/missing provider phone number",
    '47': "Invalid/missing provider state",
    '48': "Invalid/missing referring provider identification number",
    '49': "Provider is not primary care physician",
    '50': "Provider ineligible for inquiries",
    '51': "Provider not on file",
    '52': "Service dates not within provider plan enrollment",
    '53': "Inquired benefit inconsistent with provider type",
    '54': "Inappropriate product/service ID qualifier",
    '55': "Inappropriate product/service ID",
    '56': "Inappropriate date",
    '57': "Invalid/missing date(s) of service",
    '58': "Invalid/missing date of birth",
    '60': "Date of birth follows date(s) of service",
    '61': "Date of death precedes date(s) of service",
    '62': "Date of service not within allowable inquiry period",
    '63': "Date of service in future",
    '64': "Invalid/missing patient ID",
    '65': "Invalid/missing patient name",
    '66': "Invalid/missing patient gender code",
    '67': "Patient not found",
    '68': "Duplicate patient ID number",
    '69': "Inconsistent with patient's age",
    '70': "Inconsistent with patient's gender",
    '71': "Patient birth date does not match that for the patient on the "
          "database",
    '72': "Invalid/missing subscriber/insured ID",
    '73': "Invalid/missing subscriber/insured name",
    '74': "Invalid/missing subscriber/insured gender code",
    '75': "Subscriber/insured not found",
    '76': "Duplicate subscriber/insured ID number",
    '77': "Subscriber found, patient not found",
    '78': "Subscriber/insured not in group/plan identified",
    '79': "Invalid participant identification",
    '80': "No response received, transaction terminated",
    '97': "Invalid or missing provider address",
    'T4': "Payer name or identifier missing",
    }
# AAA04: what the provider should do next
AAA_FOLLOW_UPS = {
    'C': "please correct and resubmit",
    'N': "resubmission not allowed",
    'P': "please resubmit original transaction",
    'R': "resubmission allowed",
    'S': "do not resubmit; inquiry initiated to a third party",
    'W': "please wait 30 days and resubmit",
    'X': "please wait 10 days and resubmit",
    'Y': "do not resubmit; we will hand off to another party",
    }


def rejection_text(rejection):
    "'75 Subscriber/insured not found (C: please correct and resubmit)'"
    reason = rejection.get('reason') or '-'
    text = f"{reason} {AAA_REASONS.get(reason, 'Unknown reason code')}"
    follow_up = rejection.get('follow_up')
    if follow_up:
        text += (f" ({follow_up}: "
                 f"{AAA_FOLLOW_UPS.get(follow_up, 'unknown follow-up')})")
    return text


def _rejection(seg):
    return {
        'valid_request': element(seg, 1) == 'Y',
        'reason': element(seg, 3),
        'follow_up': element(seg, 4),
        }


def _benefit(seg, transaction, index):
    repetition = transaction.separators.repetition
    eb07, eb08 = element(seg, 7), element(seg, 8)
    benefit = {
        'service_types': [
            s for s in element(seg, 3).split(repetition) if s],
        'coverage_level': element(seg, 2) or None,
        'insurance_type': element(seg, 4) or None,
        'plan': element(seg, 5) or None,
        'time_period': element(seg, 6) or None,
        'remaining': element(seg, 6) == TIME_REMAINING,
        'amount': money(amount(eb07, transaction, index, 'EB'))
        if eb07 else None,
        'percent': str(amount(eb08, transaction, index, 'EB'))
        if eb08 else None,
        'network': NETWORK.get(element(seg, 12)),
        'authorization_required': {'Y': True, 'N': False}.get(
            element(seg, 11)),
        'messages': [],
        }
    if element(seg, 1) == 'F':
        benefit['quantity_qualifier'] = element(seg, 9) or None
        benefit['quantity'] = element(seg, 10) or None
    return benefit


def _member(level, hl):
    return {
        'level': 'subscriber' if level == '22' else 'dependent',
        'hl': element(hl, 1),
        'member_id': None,
        'trace': None,
        'birth_date': None,
        'last_name': None,
        'first_name': None,
        'active': None,
        'coverage': [],
        'plan_dates': {},
        'copays': [],
        'coinsurance': [],
        'deductibles': [],
        'out_of_pocket': [],
        'visit_limits': [],
        'prior_authorization_required': [],
        'rejections': [],
        }


def summary_271(transaction):
    members = []
    payer = {'name': None, 'id': None}
    date = None
    rejections = []  # source or receiver level (2000A/2100A/2100B)
    member = benefit = None
    in_ls = False
    for index, seg in enumerate(transaction.segments):
        ident = seg[0]
        if ident == 'HL':
            level = element(seg, 3)
            benefit = None
            if level in ('22', '23'):
                member = _member(level, seg)
                members.append(member)
            else:
                member = None
        elif ident == 'LS':
            in_ls = True
        elif ident == 'LE':
            in_ls = False
        elif in_ls:
            continue  # 2120C/D benefit related entity (NM1 etc.)
        elif ident == 'BHT':
            date = element(seg, 4) or None
        elif ident == 'AAA':
            (member['rejections'] if member else rejections).append(
                _rejection(seg))
        elif member is None:
            if ident == 'NM1' and element(seg, 1) == 'PR':
                payer = {'name': element(seg, 3) or None,
                         'id': element(seg, 9) or None}
            continue
        elif ident == 'TRN' and member['trace'] is None:
            member['trace'] = element(seg, 2) or None
        elif ident == 'DMG' and benefit is None:
            member['birth_date'] = element(seg, 2) or None
        elif ident == 'NM1' and element(seg, 1) in ('IL', '03'):
            member['last_name'] = element(seg, 3) or None
            member['first_name'] = element(seg, 4) or None
            member['member_id'] = element(seg, 9) or None
        elif ident == 'DTP':
            key = DATES.get(element(seg, 1), element(seg, 1))
            if benefit is None:
                member['plan_dates'][key] = element(seg, 3)
            else:
                benefit.setdefault('dates', {})[key] = element(seg, 3)
        elif ident == 'EB':
            code = element(seg, 1)
            benefit = _benefit(seg, transaction, index)
            if code in ACTIVE or code in INACTIVE:
                if member['active'] is not True:
                    member['active'] = code in ACTIVE
                member['coverage'].append({
                    'code': code,
                    'active': code in ACTIVE,
                    'service_types': benefit['service_types'],
                    'insurance_type': benefit['insurance_type'],
                    'plan': benefit['plan'],
                    })
            if code in AMOUNTS:
                member[AMOUNTS[code]].append(benefit)
            if benefit['authorization_required']:
                member['prior_authorization_required'].extend(
                    benefit['service_types'] or ['30'])
        elif ident == 'HSD' and benefit is not None:
            # HSD01/02: the visit count when EB09/EB10 left it out
            if not benefit.get('quantity'):
                benefit['quantity_qualifier'] = element(seg, 1) or None
                benefit['quantity'] = element(seg, 2) or None
            benefit.setdefault('delivery', []).append(
                [e for e in seg[1:]])
        elif ident == 'MSG' and benefit is not None:
            benefit['messages'].append(element(seg, 1))
    result = {
        'payer': payer,
        'date': date,
        'subscriber_count': sum(m['level'] == 'subscriber' for m in members),
        'members': members,
        }
    if rejections:
        result['rejections'] = rejections
    return result


NETWORK_RANK = {'in': 0, 'both': 1, None: 2, 'unknown': 2, 'out': 3}
LEVEL_RANK = {'IND': 0, None: 1, 'EMP': 1, 'FAM': 2}


def _best(benefits, remaining=False, key='amount'):
    """The benefit the front desk quotes: in network before out, the
    individual's before the family's; None when there is none"""
    found = [b for b in benefits
             if b['remaining'] == remaining and b.get(key) is not None]
    found.sort(key=lambda b: (NETWORK_RANK.get(b['network'], 2),
                              LEVEL_RANK.get(b['coverage_level'], 1)))
    return found[0] if found else None


def _value(benefit, key='amount'):
    return benefit[key] if benefit else None


def figures(member):
    """The one-line figures of a member's summary (summary_271): status
    ('active', 'inactive' or 'unknown'), plan dates (YYYYMMDD), copay,
    coinsurance as a percent, deductible and out-of-pocket with the
    remaining amounts (two-place strings), network of the quoted figures,
    visit limit and visits remaining, whether prior authorization is
    required, and the AAA rejections explained"""
    status = {True: 'active', False: 'inactive'}.get(
        member['active'], 'unknown')
    copay = _best(member['copays'])
    coinsurance = _best(member['coinsurance'], key='percent')
    percent = _value(coinsurance, 'percent')
    visits = _best(member['visit_limits'], key='quantity')
    visits_left = _best(member['visit_limits'], True, key='quantity')
    dates = member['plan_dates']
    plan = dates.get('plan') or dates.get('eligibility') or ''
    begin, _, end = plan.partition('-')
    quoted = copay or coinsurance or _best(member['deductibles'])
    return {
        'status': status,
        'plan_begin': (dates.get('plan_begin')
                       or dates.get('eligibility_begin') or begin or None),
        'plan_end': (dates.get('plan_end')
                     or dates.get('eligibility_end') or end or None),
        'copay': _value(copay),
        'coinsurance': (format((Decimal(percent) * 100).normalize(), 'f')
                        if percent is not None else None),
        'deductible': _value(_best(member['deductibles'])),
        'deductible_remaining': _value(_best(member['deductibles'], True)),
        'out_of_pocket': _value(_best(member['out_of_pocket'])),
        'out_of_pocket_remaining': _value(
            _best(member['out_of_pocket'], True)),
        'network': quoted['network'] if quoted else None,
        'visit_limit': (int(visits['quantity'])
                        if visits and visits['quantity'].isdigit() else None),
        'visits_remaining': (
            int(visits_left['quantity'])
            if visits_left and visits_left['quantity'].isdigit() else None),
        'prior_authorization': bool(member['prior_authorization_required']),
        'rejections': [rejection_text(r) for r in member['rejections']],
        }
