"""The demo's clients, through proteus: 120 clients of every discipline and
stage of care (a parent for each minor, an emergency contact for each
adult) and the two client portal logins (a parent of two, an adult)."""
import datetime as dt

from .practice import CLINICIANS, DEMO_PASSWORD, LOCATIONS

CLIENT_COUNT = 120
# client portal logins: a parent of two minor clients, an adult client
PORTAL_LOGINS = ['parent@harborview.example', 'client@harborview.example']


class ClientsSetup:
    "DemoPractice's steps for the clients (see caseload.demo)"

    def client_party(self, name, location_index, birth_date=None):
        Party = self.get('party.party')
        _, _, state, city, _, zip_, areas = LOCATIONS[location_index]
        party = Party(name=name)
        address = party.addresses[0]
        address.street = self.fake.street_address()
        address.city = city
        address.postal_code = zip_
        address.country = self.country
        address.subdivision = self.states[state]
        party.contact_mechanisms.new(type='mobile', value=self.phone(areas))
        first = name.split()[0].lower()
        party.contact_mechanisms.new(
            type='email', value=f'{first}.{self.fake.unique.random_int()}'
            '@example.com')
        return party

    def create_clients(self):
        Client = self.get('therapy.client')
        Party = self.get('party.party')
        by_discipline = {}
        for key, _, discipline, *_ in CLINICIANS:
            by_discipline.setdefault(discipline, []).append(
                self.clinicians[key])
        # mental health dominates a mixed practice's caseload
        weights = {'mental_health': 50, 'speech': 20, 'occupational': 10,
            'physical': 10, 'aba': 10}
        disciplines = list(weights)
        parties, clients = [], []
        for index in range(CLIENT_COUNT):
            discipline = self.random.choices(
                disciplines, [weights[d] for d in disciplines])[0]
            clinician = self.random.choice(by_discipline[discipline])
            location_index = self.locations.index(next(
                    l for l in self.locations
                    if l.id == clinician.therapy_locations[0].id))
            child = discipline in {'speech', 'aba'} or \
                self.random.random() < 0.15
            age = self.random.randint(3, 16) if child else \
                self.random.randint(19, 78)
            sex = self.random.choice(['F', 'M'])
            first = (self.fake.first_name_female() if sex == 'F'
                else self.fake.first_name_male())
            last = self.fake.last_name()
            party = self.client_party(f'{first} {last}', location_index)
            client = Client(party=party, sex=sex,
                birth_date=self.today - dt.timedelta(
                    days=365 * age + self.random.randrange(365)),
                primary_clinician=clinician,
                location=self.locations[location_index],
                referral_source=self.random.choice(
                    ['self', 'physician', 'school', 'payer', 'directory']))
            if self.random.random() < 0.1:
                client.preferred_name = self.fake.first_name_nonbinary()
                client.pronouns = 'they/them'
                client.gender_identity = 'nonbinary'
            else:
                client.pronouns = 'she/her' if sex == 'F' else 'he/him'
                client.gender_identity = 'woman' if sex == 'F' else 'man'
            if child:
                parent = self.client_party(
                    f'{self.fake.first_name()} {last}', location_index)
                parties.append(parent)
                client.guardians.new(
                    party=parent, relationship='parent',
                    legal_guardian=True, guarantor=True)
            else:
                contact = Party(name=self.fake.name())
                contact.contact_mechanisms.new(
                    type='mobile',
                    value=self.phone(LOCATIONS[location_index][6]))
                parties.append(contact)
                client.emergency_contact = contact
                client.emergency_contact_relationship = self.random.choice(
                    ["Spouse", "Partner", "Sibling", "Friend", "Parent"])
            parties.append(party)
            clients.append(client)
        Party.save(parties)
        Client.save(clients)
        # most clients are in care; the rest are at the other stages
        statuses = self.random.choices(
            ['active', 'inquiry', 'waitlist', 'discharged'],
            [80, 6, 8, 6], k=len(clients))
        for status in ['waitlist', 'active', 'discharged']:
            selected = [c for c, s in zip(clients, statuses)
                if s == status or (status == 'active' and s == 'discharged')]
            if selected:
                Client.click(selected, {
                        'waitlist': 'waitlist', 'active': 'activate',
                        'discharged': 'discharge'}[status])
        return clients

    def create_portal_logins(self):
        """A parent of two minor clients and an adult client can log in;
        the parent sees each child separately"""
        WebUser = self.get('web.user')
        Party = self.get('party.party')
        Client = self.get('therapy.client')
        minors = [c for c in self.clients
            if c.guardians and c.status == 'active']
        first = minors[0]
        # a sibling seen at the same location, where there is one
        second = next((c for c in minors[1:]
                if c.location == first.location), minors[1])
        parent = first.guardians[0].party
        # the second child is the first one's sibling: same parent, same
        # family name (their own parent party, now nobody's, goes)
        family = first.party.name.split()[-1]
        sibling = second.party
        sibling.name = f'{sibling.name.split()[0]} {family}'
        sibling.save()
        alone = second.guardians[0].party
        second.guardians[0].party = parent
        Client.save([second])
        Party.delete([Party(alone.id)])
        adult = next(c.party for c in self.clients
            if not c.guardians and c.status == 'active')
        WebUser.save([
                WebUser(email=email, party=party, password=DEMO_PASSWORD)
                for email, party in zip(PORTAL_LOGINS, [parent, adult])])
