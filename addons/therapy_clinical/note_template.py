from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)


class NoteTemplate(DeactivableMixin, ModelSQL, ModelView):
    "Note Template"
    __name__ = 'therapy.note.template'

    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('progress', "Progress Note"),
            ('intake', "Intake Assessment"),
            ('discharge', "Discharge Summary"),
            ], "Kind", required=True)
    service_codes = fields.Char(
        "Procedure Codes",
        help="Comma-separated CPT codes this template is offered for first "
        "(e.g. 90791 for the intake assessment).")
    sections = fields.One2Many(
        'therapy.note.template.section', 'template', "Sections")
    risk_assessment = fields.Boolean(
        "Risk Assessment",
        help="The note asks for suicidal/homicidal ideation, self-harm and "
        "the clinician's risk level; signing needs them filled in.")

    @classmethod
    def default_kind(cls):
        return 'progress'

    @classmethod
    def default_risk_assessment(cls):
        return True

    def offered_for(self, code):
        codes = {c.strip() for c in (self.service_codes or '').split(',')}
        return code in codes

    @classmethod
    def for_service(cls, service):
        "The template to start a note of service with"
        templates = cls.search([], order=[('id', 'ASC')])
        code = service.code if service else None
        for template in templates:
            if code and template.offered_for(code):
                return template
        for template in templates:
            if template.kind == 'progress':
                return template


class NoteTemplateSection(sequence_ordered(), ModelSQL, ModelView):
    "Note Template Section"
    __name__ = 'therapy.note.template.section'

    template = fields.Many2One(
        'therapy.note.template', "Template", required=True,
        ondelete='CASCADE')
    name = fields.Char("Heading", required=True, translate=True)
    guidance = fields.Text(
        "Guidance", translate=True,
        help="Shown to the clinician while writing this section.")
    required = fields.Boolean(
        "Required", help="The note cannot be signed while it is empty.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')

    @classmethod
    def default_required(cls):
        return True
