"""Form pieces shared by every module's browser pages."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.forms.models import construct_instance

from .errors import DomainError


def style_widgets(form: forms.BaseForm, *, small: bool = False) -> None:
    """Bootstrap classes on every widget, so templates can render fields as they come."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.NullBooleanSelect) and not isinstance(
            widget, forms.SelectMultiple
        ):
            css = "form-select"
        else:
            css = "form-control"
        if small and css != "form-check-input":
            css = f"{css} {css}-sm"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_service_error(form: forms.BaseForm, error: ValidationError | DomainError) -> None:
    """Put a service's refusal on the field it names, or above the form when the form has no such field."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
            continue
        label = _field_label(form, name)
        for message in ValidationError(errors).messages:
            form.add_error(None, f"{label}: {message}" if label else message)


def _field_label(form: forms.BaseForm, name: str) -> str:
    if name == NON_FIELD_ERRORS:
        return ""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


class ServiceModelForm(forms.ModelForm):
    """A model form that only collects input: the service validates, saves and writes the history.

    Django's model form would also run the model's own validation and constraints here; the service
    runs them, with its business messages ("Item X-1 already has this barcode." rather than
    "Constraint … is violated."), and its refusals come back onto the fields.
    """

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as error:
            self._update_errors(error)

    def service_fields(self, allowed: tuple[str, ...]) -> dict:
        """The cleaned values a service accepts as keyword arguments."""
        return {name: value for name, value in self.cleaned_data.items() if name in allowed}
