"""What the claim adjustment reason codes (CARC) and the remittance advice
remark codes (RARC, LQ*HE) a therapy practice meets most say, for the
denial queue and the claim's reason: the biller reads "CO-197
Precertification/authorization absent", not a bare number.

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


# RARCs: what to fix or where to look, next to the reason
REMARKS = {
    'M15': "Separately billed services were bundled as components of the "
        "same procedure",
    'M16': "See the payer's website, mailings or bulletins for this policy",
    'M20': "HCPCS code missing, incomplete or invalid",
    'M51': "Procedure code missing, incomplete or invalid",
    'M76': "Diagnosis or condition missing, incomplete or invalid",
    'M77': "Place of service missing, incomplete, invalid or inappropriate",
    'M79': "Charge missing, incomplete or invalid",
    'M80': "Not covered in the same session or date as a service already "
        "processed",
    'M86': "Already paid for the same or a similar procedure within the "
        "time frame",
    'MA04': "A secondary payment needs the primary payer's identity or "
        "payment",
    'MA07': "The claim was also forwarded to Medicaid",
    'MA18': "The claim was also forwarded to the patient's supplemental "
        "insurer",
    'MA130': "Unprocessable: incomplete or invalid information, no appeal "
        "rights; correct and send a new claim",
    'N4': "Prior insurance carrier's EOB missing, incomplete or invalid",
    'N20': "Not payable with another service on the same date",
    'N30': "Patient ineligible for this service",
    'N54': "Claim inconsistent with the pre-certified or authorized "
        "services",
    'N56': "Procedure code not valid for the services or the date billed",
    'N115': "Decided by a Local Coverage Determination (LCD)",
    'N130': "See the plan's benefit documents for this service's "
        "restrictions",
    'N179': "Additional information was requested from the member",
    'N211': "This decision cannot be appealed",
    'N286': "Referring provider's identifier missing, incomplete or "
        "invalid",
    'N290': "Rendering provider's identifier missing, incomplete or "
        "invalid",
    'N362': "Days or units of service exceed the acceptable maximum",
    'N381': "See the contract for restrictions, billing or payment of "
        "these charges",
    'N479': "Explanation of benefits (coordination of benefits) missing",
    'N522': "Duplicate of a claim processed as a crossover claim",
    'N657': "Bill with the code appropriate for these services",
    }


def remarks_text(codes):
    """'N290 Rendering provider's identifier ...; M16 ...' of a
    space-separated list of RARCs, a code not in the table as sent"""
    return '; '.join(f'{code} {REMARKS[code]}' if code in REMARKS else code
        for code in (codes or '').upper().split())


def text(reason):
    "What a CARC says, or None for one not in the table"
    return TEXTS.get((reason or '').strip().upper())


def describe(group, reason):
    "'CO-197 Precertification/authorization/notification absent'"
    label = f'{group}-{reason}'
    found = text(reason)
    return f'{label} {found}' if found else label
