"""What the claim adjustment reason codes (CARC) a therapy practice meets
most say, for the denial queue and the claim's reason: the biller reads
"CO-197 Precertification/authorization absent", not a bare number.

A short table of our own words for the codes the adjustment rules name
(adjustment_rules.py), not the whole X12 list: the official texts are
maintained by X12 and change three times a year, and the packages on PyPI
that carry them do so inside an 835 parser we do not use. A code not here
is shown as the payer sent it."""

TEXTS = {
    '1': "Deductible",
    '2': "Coinsurance",
    '3': "Co-payment",
    '4': "Procedure code inconsistent with the modifier, or a modifier "
        "missing",
    '5': "Procedure code or type of bill inconsistent with the place of "
        "service",
    '6': "Procedure inconsistent with the patient's age",
    '11': "Diagnosis inconsistent with the procedure",
    '15': "Authorization number missing, invalid or not for this service",
    '16': "Claim lacks information needed for adjudication",
    '18': "Exact duplicate claim or service",
    '23': "Impact of prior payer adjudication",
    '27': "Expenses incurred after coverage ended",
    '29': "Time limit for filing has expired",
    '31': "Patient cannot be identified as our insured",
    '39': "Services denied at the time authorization was requested",
    '42': "Charges exceed our fee schedule or maximum allowable amount",
    '45': "Charge exceeds the fee schedule or contracted amount",
    '49': "Routine or preventive service not covered",
    '50': "Not deemed a medical necessity by the payer",
    '51': "Pre-existing condition not covered",
    '54': "Multiple physicians or assistants not covered",
    '55': "Procedure or treatment deemed experimental",
    '56': "Procedure or treatment not proven effective",
    '59': "Processed under multiple or concurrent procedure rules",
    '94': "Processed in excess of charges",
    '96': "Non-covered charge",
    '97': "Included in the payment for another service",
    '109': "Not covered by this payer: send to the correct payer",
    '119': "Benefit maximum for this period has been reached",
    '131': "Claim-specific negotiated discount",
    '144': "Incentive adjustment",
    '151': "Payment adjusted: the information does not support this many "
        "services",
    '167': "Diagnosis not covered",
    '170': "Not paid when performed by this type of provider",
    '171': "Not paid when performed in this type of facility",
    '185': "Rendering provider not eligible for this service",
    '197': "Precertification/authorization/notification absent",
    '198': "Precertification/authorization exceeded",
    '204': "Service not covered under the patient's current benefit plan",
    '223': "Adjustment code for a mandated federal, state or local law",
    '226': "Information requested from the provider was not provided",
    '227': "Information requested from the patient was not provided",
    '242': "Services not provided by network or primary care providers",
    '243': "Services not authorized by network or primary care providers",
    '253': "Sequestration: reduction of federal payment",
    'B10': "Allowed amount reduced: a component of the basic procedure",
    }


def text(reason):
    "What a CARC says, or None for one not in the table"
    return TEXTS.get((reason or '').strip().upper())


def describe(group, reason):
    "'CO-197 Precertification/authorization/notification absent'"
    label = f'{group}-{reason}'
    found = text(reason)
    return f'{label} {found}' if found else label
