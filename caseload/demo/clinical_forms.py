"""The demo's treatment plans and forms: signed plans (one overdue for
review, one with the version it replaced), PHQ-9/GAD-7 series, an intake
awaiting review and signed consents. A mixin of clinical.DemoClinical,
which holds the sessions, clients and signers it uses."""
import datetime as dt
import random

from trytond.transaction import Transaction

from therapy_scheduling import clock

from .clinical_text import (
    CONSENT_ANSWERS, FRONT_DESK, INTAKE_ANSWERS, PLAN_CLIENTS, PLAN_GOALS,
    PORTAL_AGENT, PORTAL_IP, SEED, SUPERVISEE)


class ClinicalForms:
    "Treatment plans, outcome measures, intake and consents"

    # --- treatment plans -----------------------------------------------------
    def create_plans(self):
        """An active signed plan for four measure clients, a speech client
        and the supervisee's regulars; one overdue for review, one with the
        version it replaced"""
        speech = next((c for c in self.clients.values()
                if c.discipline == 'speech'
                and len(self.by_client[c.id]) >= 10), None)
        # days ago the plan started, version replaced (days ago), client signs
        settings = [(60, None, True), (75, 170, True), (125, None, False),
            (40, None, True)]
        for client, (days, previous_days, client_signs) in zip(
                self.measure_clients[:PLAN_CLIENTS], settings):
            previous = None
            if previous_days:
                previous = self.create_plan(client, previous_days, True)
            self.create_plan(client, days, client_signs, previous=previous)
        if speech:
            self.create_plan(speech.id, 50, True)
        # the supervisee's other regulars too: their plan's goals stand
        # beside the notes the clinician writes
        planned = set(self.measure_clients[:PLAN_CLIENTS]) | (
            {speech.id} if speech else set())
        employee = self.employee_id(SUPERVISEE)
        for client in self.clients.values():
            if (client.clinician == employee and client.id not in planned
                    and len(self.by_client[client.id]) >= 4):
                self.create_plan(client.id, 30 + client.id % 40, True)

    def plan_goals(self, client, start):
        "Goals -> objectives -> interventions, by the primary diagnosis"
        Intervention = self.pool.get('therapy.intervention')
        interventions = {i.name: i.id for i in Intervention.search([])}
        code = self.diagnoses[client][0][1]
        goals = PLAN_GOALS['speech' if code.startswith('F80')
            else 'mental_health']
        # the baseline of a measured objective is the first score
        first = self.scores(client)[0] if client in self.measures else None
        baselines = {
            'PHQ-9 at intake': f'PHQ-9 {first[1]}' if first else None,
            'GAD-7 at intake': f'GAD-7 {first[2]}' if first else None,
            }
        target = start + dt.timedelta(days=90)
        goal_values = []
        for g_index, (goal, objectives) in enumerate(goals):
            objective_values = []
            for o_index, (description, measure, baseline, items) in (
                    enumerate(objectives)):
                objective_values.append({
                        'sequence': o_index,
                        'description': description,
                        'measure': measure,
                        'baseline': baselines.get(baseline) or baseline,
                        'target_date': target,
                        'status': 'in_progress',
                        'interventions': [('create', [{
                                        'sequence': i_index,
                                        'intervention': interventions[name],
                                        'frequency': frequency,
                                        } for i_index, (name, frequency)
                                    in enumerate(items)])],
                        })
            goal_values.append({
                    'sequence': g_index,
                    'description': goal,
                    'objectives': [('create', objective_values)],
                    })
        return [('create', goal_values)]

    def create_plan(self, client, days_ago, client_signs, previous=None):
        "The plan written at the session nearest days_ago, signed in it"
        Plan = self.pool.get('therapy.treatment.plan')
        person = self.clients[client]
        target = self.today - dt.timedelta(days=days_ago)
        session = min(self.by_client[client],
            key=lambda s: abs(s.date - target))
        with Transaction().set_user(self.signer[person.clinician]):
            plan, = Plan.create([{
                        'company': self.company.id,
                        'client': client,
                        'clinician': person.clinician,
                        'diagnoses': [('add',
                                [d for d, _ in self.diagnoses[client]])],
                        'start_date': session.date,
                        'review_due': session.date + dt.timedelta(days=90),
                        'previous': previous.id if previous else None,
                        'goals': self.plan_goals(client, session.date),
                        }])
            # reviewed with the client and signed at the end of the session
            # (the addon stamps signatures with its clock: see
            # clinical.signed_at)
            with clock.as_of(session.end - dt.timedelta(minutes=10)):
                Plan.sign([plan])
        if client_signs:
            Plan.write([plan], {
                    'client_signer_name': person.guardian or person.name,
                    'client_signer_role':
                        'guardian' if person.guardian else 'client',
                    })
            with clock.as_of(session.end - dt.timedelta(minutes=5)):
                Plan.client_sign([plan])
        return plan

    # --- forms ---------------------------------------------------------------
    def templates(self):
        Template = self.pool.get('therapy.form.template')
        return {t.code: t for t in Template.search([('code', '!=', None)])}

    def complete(self, response_ids, when, **kwargs):
        "Complete the responses as if at `when` (UTC)"
        Response = self.pool.get('therapy.form.response')
        Response.do_complete(
            Response.browse(response_ids), when=when, **kwargs)

    @staticmethod
    def item_values(total, items, rng, fixed=None):
        "Answers 0-3 to items that add up to total"
        fixed = fixed or {}
        values = [fixed.get(i, 0) for i in range(items)]
        free = [i for i in range(items) if i not in fixed]
        remaining = min(total - sum(values), 3 * len(free))
        while remaining > 0:
            index = rng.choice([i for i in free if values[i] < 3])
            values[index] += 1
            remaining -= 1
        return values

    def create_measures(self):
        """PHQ-9 and GAD-7 at the first session and every few sessions,
        entered by the clinician in session or by the client in the portal
        (the demo's other clinicians have no login)"""
        Response = self.pool.get('therapy.form.response')
        templates = self.templates()
        rows = []
        for client in self.measure_clients:
            rng = random.Random(f'{SEED}-answers-{client}')
            for session, phq, gad, risk in self.scores(client):
                for code, total, fixed in [
                        ('phq9', phq, {8: 1 if risk else 0}),
                        ('gad7', gad, None)]:
                    template = templates[code]
                    items = sorted((q for q in template.questions
                            if (q.code or '').startswith('item')),
                        key=lambda q: int(q.code[4:]))
                    values = self.item_values(total, len(items), rng, fixed)
                    answers = [{'question': q.id, 'value': str(v)}
                        for q, v in zip(items, values)]
                    # how difficult the problems made daily life
                    answers.extend({'question': q.id,
                            'value': str(min(3, total // 7))}
                        for q in template.questions if q not in items)
                    rows.append((session, {
                                'company': self.company.id,
                                'template': template.id,
                                'client': client,
                                'appointment': session.appointment,
                                'answers': [('create', answers)],
                                }))
        # the newest response has the highest id, as the latest-score view
        # expects: create them in the order they were given
        rows.sort(key=lambda r: (r[0].start, r[0].client,
                r[1]['template']))
        responses = Response.create([values for _, values in rows])
        for (session, _), response in zip(rows, responses):
            user = self.signer[session.clinician]
            with Transaction().set_user(user):
                self.complete([response.id], session.start
                    + dt.timedelta(minutes=5 if user else -20),
                    portal=not user)

    def create_intake(self):
        """An intake completed in the portal by a new client, waiting for
        staff to apply it: the answers differ from the client record"""
        pool = self.pool
        Client = pool.get('therapy.client')
        Response = pool.get('therapy.form.response')
        clients = [c for c in Client.search([
                    ('status', 'in', ['inquiry', 'waitlist'])],
                order=[('id', 'ASC')]) if not c.minor]
        if not clients:
            return
        client = clients[0]
        address = client.party.addresses[0] if client.party.addresses \
            else None
        template = self.templates()['intake']
        answers = dict(INTAKE_ANSWERS,
            pronouns=client.pronouns or 'she/her',
            city=address.city if address else "Brooklyn",
            postal_code=address.postal_code if address else '11201',
            email=client.party.email or 'new.client@example.com',
            subscriber=client.party.name)
        response, = Response.create([{
                    'company': self.company.id,
                    'template': template.id,
                    'client': client.id,
                    'answers': [('create', [{
                                    'question': q.id,
                                    'value': answers.get(q.code),
                                    } for q in template.questions])],
                    }])
        self.complete([response.id], self.now - dt.timedelta(days=2, hours=3),
            ip_address=PORTAL_IP, user_agent=PORTAL_AGENT, portal=True)

    def create_consents(self):
        """The privacy notice, the financial policy and, for telehealth
        clients, the telehealth consent: signed in the portal before the
        first session or on the front desk's tablet"""
        pool = self.pool
        Response = pool.get('therapy.form.response')
        Location = pool.get('therapy.location')
        templates = self.templates()
        states = {l.id: l.address.subdivision.code.split('-')[-1]
            if l.address and l.address.subdivision else None
            for l in Location.search([])}
        clients = list(self.measure_clients) + [c.id
            for c in self.clients.values()
            if c.minor and c.id not in self.measure_clients][:2]
        for index, client in enumerate(clients):
            person = self.clients[client]
            first = self.by_client[client][0]
            codes = ['hipaa_npp', 'financial_policy']
            if index == 0 or any(s.modality == 'telehealth'
                    for s in self.by_client[client]):
                codes.append('telehealth_consent')
            answers = dict(CONSENT_ANSWERS,
                location_state=states[first.location] or 'NY')
            vlist = []
            for code in codes:
                template = templates[code]
                vlist.append({
                        'company': self.company.id,
                        'template': template.id,
                        'client': client,
                        'signer_name': person.guardian or person.name,
                        'signer_role':
                            'guardian' if person.guardian else 'client',
                        'answers': [('create', [{
                                        'question': q.id,
                                        'value': answers.get(q.code),
                                        } for q in template.questions])],
                        })
            ids = [r.id for r in Response.create(vlist)]
            if index % 2 == 0:
                self.complete(ids, first.start - dt.timedelta(
                        days=3, hours=5), ip_address=PORTAL_IP,
                    user_agent=PORTAL_AGENT, portal=True)
            else:
                with Transaction().set_user(self.user_id(FRONT_DESK)):
                    self.complete(ids, first.start - dt.timedelta(minutes=10))
