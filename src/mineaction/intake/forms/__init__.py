"""Field forms (XLSForm) for ODK Collect and KoboToolbox, built from the vocabularies.

``build_xlsform(kind, path)`` writes the form; ``form_columns(kind)`` lists the
columns its submission exports hold once flattened, which the importer reads.

>>> sorted(FORMS)
['accident', 'clearance_progress', 'eore', 'finding', 'nts']
"""

from mineaction.intake.forms.registry import FORMS, form_columns, get_form
from mineaction.intake.forms.spec import Field, FormSpec, Group
from mineaction.intake.forms.xlsform import build_xlsform, check_languages, xform_of

__all__ = [
    "FORMS",
    "Field",
    "FormSpec",
    "Group",
    "build_xlsform",
    "check_languages",
    "form_columns",
    "get_form",
    "xform_of",
]
