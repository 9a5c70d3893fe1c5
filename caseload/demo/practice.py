"""The demo practice itself, through proteus (the same API a client uses):
the company and its ledger (chart, fiscal years, payment methods), the
locations with their rooms, the services, the clinicians and the staff
logins."""
import datetime as dt
from decimal import Decimal

from therapy_scheduling.identifiers import npi_check_digit

SEED = 2026
DEMO_PASSWORD = 'caseload-demo'
PRACTICE = "Harborview Therapy Collective"

# login, name, Caseload groups, Tryton groups, clinician key (see CLINICIANS)
USERS = [
    ('frontdesk', "Riley Front Desk", ['group_front_desk'], [], None),
    # designated for emergency access (break-glass): bounded by the care
    # team otherwise
    ('clinician', "Morgan Patel", ['group_clinician'],
        ['therapy_audit.group_emergency_designated'], 'patel'),
    ('supervisor', "Avery Brooks", ['group_clinician', 'group_supervisor'],
        [], 'brooks'),
    ('biller', "Jamie Biller", ['group_biller'],
        ['account.group_account'], None),
    ('accountant', "Casey Ledger", ['group_accountant'],
        ['account.group_account', 'account.group_account_admin'], None),
    # the owner is also the practice's privacy officer: the audit log
    ('owner', "Jordan Owner", ['group_owner', 'group_schedule_override'],
        ['account.group_account', 'company.group_employee_admin',
            'therapy_audit.group_auditor'], None),
    ]

LOCATIONS = [
    # name, time zone, state, city, street, zip, area codes
    ("Brooklyn", 'America/New_York', 'NY', "Brooklyn", "210 Court Street",
        "11201", ['718', '347', '917']),
    ("Denver", 'America/Denver', 'CO', "Denver", "1550 Larimer Street",
        "80202", ['303', '720']),
    ]

# code, name, minutes, discipline, modality, group, practice charge
# (per 15-minute unit for the timed codes, TIMED)
SERVICES = [
    ('90791', "Psychiatric diagnostic evaluation (intake)", 60,
        'mental_health', 'in_person', False, '220.00'),
    ('90834', "Psychotherapy, 45 minutes", 45, 'mental_health',
        'in_person', False, '140.00'),
    ('90837', "Psychotherapy, 60 minutes", 55, 'mental_health',
        'in_person', False, '180.00'),
    ('90847', "Family psychotherapy with client", 50, 'mental_health',
        'in_person', False, '160.00'),
    ('90853', "Group psychotherapy", 90, 'mental_health', 'in_person',
        True, '60.00'),
    ('92507', "Speech, language and voice treatment", 45, 'speech',
        'in_person', False, '130.00'),
    ('92523', "Speech sound and language evaluation", 60, 'speech',
        'in_person', False, '250.00'),
    ('97165', "OT evaluation, low complexity", 45, 'occupational',
        'in_person', False, '180.00'),
    ('97166', "OT evaluation, moderate complexity", 60, 'occupational',
        'in_person', False, '210.00'),
    ('97167', "OT evaluation, high complexity", 75, 'occupational',
        'in_person', False, '240.00'),
    ('97168', "OT re-evaluation", 30, 'occupational', 'in_person', False,
        '120.00'),
    ('97110', "Therapeutic exercise (PT), per 15 minutes", 45, 'physical',
        'in_person', False, '45.00'),
    ('97153', "Adaptive behavior treatment by protocol (ABA), per 15 min",
        120, 'aba', 'in_person', False, '32.00'),
    ('97155', "Adaptive behavior treatment with protocol modification",
        60, 'aba', 'in_person', False, '45.00'),
    ]
TIMED = {'97110', '97153', '97155'}

# key, name, discipline, credential, taxonomy, location index, supervisor key
CLINICIANS = [
    ('brooks', "Avery Brooks", 'mental_health', 'lcsw', '1041C0700X', 0,
        None),
    ('patel', "Morgan Patel", 'mental_health', 'associate', '101YP2500X', 0,
        'brooks'),
    ('okafor', "Dr. Chidi Okafor", 'mental_health', 'psychologist',
        '103TC0700X', 1, None),
    ('nguyen', "Linh Nguyen", 'speech', 'slp', '235Z00000X', 0, None),
    ('garcia', "Sofia Garcia", 'speech', 'slp', '235Z00000X', 1, None),
    ('schmidt', "Hannah Schmidt", 'occupational', 'ot', '225X00000X', 1,
        None),
    ('walker', "Marcus Walker", 'physical', 'pt', '225100000X', 0, None),
    ('rossi', "Elena Rossi", 'aba', 'bcba', '103K00000X', 1, None),
    ]

# the practice as a billing provider: its organization NPI (the stem, with
# the Luhn check digit added) and a fictional EIN (its tax ID on claims)
PRACTICE_NPI_STEM = '190020260'
PRACTICE_EIN = '12-3456789'
# the owner's pay rules (therapy_reporting/pay_rule.py): the practice's
# default per session (with a line per code), and clinicians with their
# own: clinician key (None: the practice's), kind, amount or percentage,
# [(code, basis, amount)]
PAY_RULES = [
    (None, 'session', '55.00', [('90791', 'session', '75.00'),
            ('90837', 'session', '70.00'), ('97153', 'unit', '9.00'),
            ('97155', 'unit', '12.00')]),
    ('brooks', 'collections', '45', []),
    ('brooks', 'session', '20.00', []),
    ('patel', 'hourly', '42.00', []),
    ('okafor', 'collections', '50', []),
    ]
# how the front desk takes copays at check-in: name, journal code
PAYMENT_METHODS = [("Cash", 'CASH'), ("Card terminal", 'CARD')]


class PracticeSetup:
    "DemoPractice's steps for the practice (see caseload.demo)"

    # --- practice, ledger ---------------------------------------------------
    def create_company(self):
        from proteus import Wizard
        Party = self.get('party.party')
        Currency = self.get('currency.currency')
        Country = self.get('country.country')
        Subdivision = self.get('country.subdivision')
        User = self.get('res.user')

        usd, = Currency.find([('code', '=', 'USD')]) or [Currency(
                name="U.S. Dollar", code='USD', symbol='$',
                rounding=Decimal('0.01'), digits=2)]
        usd.save()
        us, = Country.find([('code', '=', 'US')]) or [Country(
                name="United States", code='US', code3='USA')]
        us.save()
        self.states = {}
        for _, _, state, *_ in LOCATIONS:
            subdivision, = Subdivision.find([('code', '=', f'US-{state}')]) \
                or [Subdivision(country=us, code=f'US-{state}', type='state',
                    name={'NY': "New York", 'CO': "Colorado"}[state])]
            subdivision.save()
            self.states[state] = subdivision
        self.country = us

        party = Party(name=PRACTICE)
        address = party.addresses[0]
        address.street = LOCATIONS[0][4]
        address.city = LOCATIONS[0][3]
        address.postal_code = LOCATIONS[0][5]
        address.country = us
        address.subdivision = self.states['NY']
        party.identifiers.new(type='us_ein', code=PRACTICE_EIN)
        party.save()
        wizard = Wizard('company.company.config', config=self.config)
        wizard.execute('company')
        wizard.form.party = party
        wizard.form.currency = usd
        wizard.form.timezone = LOCATIONS[0][1]
        wizard.execute('add')
        self.config._context = User.get_preferences(True, {})
        company, = self.get('company.company').find([])
        company.billing_npi = PRACTICE_NPI_STEM + npi_check_digit(
            PRACTICE_NPI_STEM)
        company.save()
        return company

    def add_practice_phone(self):
        "The number statements give (drawn last: the rest stays as it was)"
        party = self.company.party
        party.contact_mechanisms.new(
            type='phone', value=self.phone(LOCATIONS[0][6]))
        party.save()

    def create_accounting(self):
        from proteus import Wizard
        AccountTemplate = self.get('account.account.template')
        Account = self.get('account.account')
        ModelData = self.get('ir.model.data')
        template = AccountTemplate(ModelData.get_id(
                'account', 'account_template_root_en', {}))
        wizard = Wizard('account.create_chart', config=self.config)
        wizard.execute('account')
        wizard.form.account_template = template
        wizard.form.company = self.company
        wizard.execute('create_account')

        def account(kind):
            return Account.find([
                    (f'type.{kind}', '=', True),
                    ('company', '=', self.company.id),
                    ('closed', '!=', True),
                    ], limit=1)[0]
        self.accounts = {k: account(k)
            for k in ['receivable', 'payable', 'revenue', 'expense']}
        # the chart's billing accounts (see therapy_billing.account):
        # guarantors owe on the patient receivable, payers on their own,
        # sessions are service revenue
        billing = self.get('therapy.configuration')(1)
        self.accounts['receivable'] = billing.patient_receivable_account
        self.accounts['revenue'] = billing.service_revenue_account
        wizard.form.account_receivable = self.accounts['receivable']
        wizard.form.account_payable = self.accounts['payable']
        wizard.execute('create_properties')
        # what fees without a service (late cancellation, no-show) and
        # products without a category are booked to
        Configuration = self.get('account.configuration')
        configuration = Configuration(1)
        configuration.default_category_account_revenue = \
            self.accounts['revenue']
        configuration.default_category_account_expense = \
            self.accounts['expense']
        configuration.save()

        FiscalYear = self.get('account.fiscalyear')
        Sequence = self.get('ir.sequence.strict')
        SequenceType = self.get('ir.sequence.type')
        move_type, = SequenceType.find(
            [('name', '=', "Account Move")], limit=1)
        invoice_type, = SequenceType.find(
            [('name', '=', "Invoice")], limit=1)
        for year in [self.today.year - 1, self.today.year,
                self.today.year + 1]:
            fiscalyear = FiscalYear(name=str(year), company=self.company)
            fiscalyear.start_date = dt.date(year, 1, 1)
            fiscalyear.end_date = dt.date(year, 12, 31)
            fiscalyear.move_sequence = Sequence(
                name=str(year), sequence_type=move_type,
                company=self.company)
            fiscalyear.move_sequence.save()
            invoices, = fiscalyear.invoice_sequences
            for kind, prefix in [('out_invoice', 'INV'),
                    ('out_credit_note', 'CN'), ('in_invoice', 'BILL'),
                    ('in_credit_note', 'BCN')]:
                sequence = Sequence(
                    name=f'{prefix} {year}', sequence_type=invoice_type,
                    company=self.company, prefix=f'{prefix}{year}-')
                sequence.save()
                setattr(invoices, f'{kind}_sequence', sequence)
            fiscalyear.save()
            fiscalyear.click('create_period')
        self.create_payment_methods()

    def create_payment_methods(self):
        """Cash and the card terminal, each its own cash journal, both
        into the chart's cash account: copays taken at check-in"""
        Account = self.get('account.account')
        Journal = self.get('account.journal')
        Method = self.get('account.invoice.payment.method')
        cash, = Account.find([
                ('code', '=', '1.1.1'), ('company', '=', self.company.id)])
        methods = []
        for name, code in PAYMENT_METHODS:
            journal, = Journal.find([('code', '=', code)]) or [Journal(
                    name=name, code=code, type='cash')]
            journal.save()
            methods.append(Method(name=name, company=self.company,
                    journal=journal, credit_account=cash,
                    debit_account=cash))
        Method.save(methods)

    # --- locations, services, clinicians ---------------------------------------
    def phone(self, area_codes):
        "A unique fictional (555-01xx) but valid number in one of area_codes"
        while True:
            area = self.random.choice(area_codes)
            number = f'({area}) 555-01{self.random.randrange(100):02d}'
            if number not in self.phones:
                self.phones[number] = True
                return number

    def create_locations(self):
        Location = self.get('therapy.location')
        Address = self.get('party.address')
        locations = []
        for name, timezone, state, city, street, zip_, areas in LOCATIONS:
            address, = Address.find([
                    ('party', '=', self.company.party.id),
                    ('street', '=', street)]) or [Address(
                    party=self.company.party, street=street, city=city,
                    postal_code=zip_, country=self.country,
                    subdivision=self.states[state])]
            address.save()
            location = Location(
                name=name, timezone=timezone, address=address,
                phone=self.phone(areas))
            for room in ["Room 1", "Room 2", "Group Room"]:
                location.rooms.new(
                    name=room, capacity=8 if room == "Group Room" else 2)
            location.save()
            locations.append(location)
        return locations

    def create_services(self):
        Template = self.get('product.template')
        Category = self.get('product.category')
        Uom = self.get('product.uom')
        Service = self.get('therapy.service')
        unit, = Uom.find([('name', '=', 'Unit')])
        category = Category(name="Therapy Services", accounting=True)
        category.account_revenue = self.accounts['revenue']
        category.account_expense = self.accounts['expense']
        category.save()
        services = {}
        for code, name, minutes, discipline, modality, group, price \
                in SERVICES:
            template = Template(
                name=f'{code} {name}', type='service', default_uom=unit,
                list_price=Decimal(price), account_category=category)
            template.save()
            service = Service(
                name=name, code=code, duration=dt.timedelta(minutes=minutes),
                discipline=discipline, modality=modality,
                group_session=group, max_attendees=8 if group else 1,
                timed=code in TIMED, product=template.products[0])
            services[code] = service
        Service.save(list(services.values()))
        return services

    def create_clinicians(self):
        Party = self.get('party.party')
        Employee = self.get('company.employee')
        clinicians = {}
        for index, (key, name, discipline, credential, taxonomy,
                location_index, supervisor) in enumerate(CLINICIANS):
            location = self.locations[location_index]
            state = LOCATIONS[location_index][2]
            party = Party(name=name)
            party.contact_mechanisms.new(
                type='email', value=f'{key}@harborview.example')
            party.save()
            stem = f'1{index + 1:03d}{SEED:04d}0'[:9]
            employee = Employee(
                party=party, company=self.company, discipline=discipline,
                credential=credential, taxonomy_code=taxonomy,
                npi=stem + npi_check_digit(stem),
                license_number=f'{state}-{credential.upper()}-'
                f'{self.random.randrange(10000, 99999)}',
                license_state=state,
                # one license comes up for renewal soon, to show the warning
                license_expiry=self.today + dt.timedelta(
                    days=45 if key == 'garcia' else 400 + 30 * index),
                start_date=self.today - dt.timedelta(days=700 - 40 * index))
            employee.therapy_locations.append(
                self.get('therapy.location')(location.id))
            if supervisor:
                employee.supervisor = clinicians[supervisor]
                employee.cosign_required = True
            employee.save()
            clinicians[key] = employee
        return clinicians

    def create_pay_rules(self, company):
        """The owner's pay rules, from two years back (a demo loaded
        before pay rules existed gets them on its next load)"""
        Rule = self.get('therapy.pay.rule')
        Employee = self.get('company.employee')
        if Rule.find([]):
            return
        by_name = {e.party.name: e for e in Employee.find([])}
        names = {key: name for key, name, *_ in CLINICIANS}
        rules = []
        for key, kind, figure, lines in PAY_RULES:
            rule = Rule(company=company, kind=kind,
                start_date=self.today - dt.timedelta(days=730))
            if key:
                rule.clinician = by_name[names[key]]
            if kind == 'collections':
                rule.percentage = Decimal(figure)
            else:
                rule.amount = Decimal(figure)
            for code, basis, amount in lines:
                rule.lines.new(procedure_code=code, basis=basis,
                    amount=Decimal(amount))
            rules.append(rule)
        Rule.save(rules)

    def create_users(self):
        User = self.get('res.user')
        Group = self.get('res.group')
        ModelData = self.get('ir.model.data')
        users = []
        for login, name, groups, tryton_groups, clinician in USERS:
            user = User(name=name, login=login, password=DEMO_PASSWORD,
                email=f'{login}@harborview.example')
            for xml_id in [f'therapy_scheduling.{g}' for g in groups] \
                    + tryton_groups:
                user.groups.append(Group(ModelData.get_id(xml_id, {})))
            user.companies.append(
                self.get('company.company')(self.company.id))
            user.company = self.company
            if clinician:
                employee = self.clinicians[clinician]
                user.employees.append(
                    self.get('company.employee')(employee.id))
                user.employee = employee
            users.append(user)
        User.save(users)
