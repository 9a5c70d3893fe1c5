"Proteus helpers for scenarios of the therapy modules."
from proteus import Model
from trytond.modules.company.tests.tools import get_company


def create_staff_user(login, group_xml_ids, employee=None, config=None):
    """Create a back-office user in the given Caseload groups (XML ids like
    'therapy_scheduling.group_front_desk') for the current company."""
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    ModelData = Model.get('ir.model.data', config=config)
    company = get_company(config=config)
    user = User(name=login.replace('_', ' ').title(), login=login)
    for xml_id in group_xml_ids:
        user.groups.append(Group(ModelData.get_id(xml_id, {})))
    user.companies.append(company)
    user.company = company
    if employee:
        user.employees.append(employee)
        user.employee = employee
    user.save()
    return user
