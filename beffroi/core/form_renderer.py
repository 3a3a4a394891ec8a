"""The one form renderer (settings.FORM_RENDERER): every `{{ form }}` and `{{ field.as_field_group }}` of every app.

- `forms/form.html`: the error summary first (`forms/errors.html`: every error, each a link to its field, focused
  by the layout's `beffroi/page.js` and announced as an alert), then the hidden fields, then each field group.
- `forms/field.html`: label with "(obligatoire)" / "(facultatif)", help text and errors tied to the input
  (`aria-describedby`, `aria-invalid` from Django), radio and checkbox groups as a fieldset with a legend. A field
  of a group of which one answer is needed (an address, a place or a point on the map) sets
  `in_required_group = True`: the group's legend says « obligatoire », and the field says neither.

A page with its own layout renders the summary with `{% include "forms/errors.html" %}` and each field with
`{{ form.name.as_field_group }}`, never a copy of these templates. A page with rows of one form (a formset) passes it
too, `{% include "forms/errors.html" with formset=… %}`: its errors join the summary, each named after its row form's
`legend` (« Question 2, Question posée : … »), which the page also writes as the row's `<legend>`.
"""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
