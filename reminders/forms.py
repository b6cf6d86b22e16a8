from django import forms

from edirae.timezones import validate_time_zone
from reminders.kinds import Kind

HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]


class PreferencesForm(forms.Form):
    """Each registered kind on or off, the preferred hour, the time zone and the digest."""

    hour = forms.TypedChoiceField(
        label="Preferred hour",
        choices=HOUR_CHOICES,
        coerce=int,
        help_text="Reminders go out at this hour of your day (or within the hour after).",
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="An IANA name such as Europe/Paris. Filled in from your browser if empty.",
        widget=forms.TextInput(
            attrs={
                "data-browser-timezone": "",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "Europe/Paris",
            }
        ),
    )
    digest = forms.BooleanField(
        label="One daily digest instead of single mails",
        required=False,
        help_text="Everything due that day arrives in one mail at your preferred hour.",
    )

    def __init__(self, *args, kinds: list[Kind], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            self.fields[self.kind_field(kind)] = forms.BooleanField(
                label=kind.label, help_text=kind.description, required=False
            )

    @staticmethod
    def kind_field(kind: Kind) -> str:
        return f"kind_{kind.key}"

    def kind_boundfields(self) -> list[forms.BoundField]:
        return [self[self.kind_field(kind)] for kind in self.kinds]

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        validate_time_zone(value)
        return value

    def enabled_kinds(self) -> list[str]:
        return [kind.key for kind in self.kinds if self.cleaned_data[self.kind_field(kind)]]
