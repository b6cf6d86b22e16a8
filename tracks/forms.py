from datetime import date

from django import forms
from django.utils import timezone

from edirae.timezones import validate_time_zone
from tracks.models import Skill, SourceRole, Track
from tracks.plans import MAX_HOURS, MIN_HOURS


class TrackSkillsField(forms.ModelMultipleChoiceField):
    """The checklist of the chosen track's skills.

    Ticked skills that the chosen track does not list are dropped rather than refused: without
    JavaScript the checklist still shows the previous track's skills after the learner picks
    another track, and refusing them would say nothing useful.
    """

    def clean(self, value):
        if value and self.queryset is not None:
            known = {str(pk) for pk in self.queryset.values_list("pk", flat=True)}
            value = [v for v in value if str(v) in known]
        return super().clean(value)


class GoalsForm(forms.Form):
    background = forms.ChoiceField(
        label="Where do you come from?",
        choices=SourceRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the role closest to where you come from."},
    )
    track = forms.ModelChoiceField(
        label="Where do you want to go?",
        queryset=Track.objects.published().order_by("title"),
        to_field_name="slug",
        empty_label=None,
        error_messages={
            "required": "Choose a track.",
            "invalid_choice": "This track is not open: choose one from the list.",
        },
    )
    hours_per_week = forms.IntegerField(
        label="Hours per week",
        min_value=MIN_HOURS,
        max_value=MAX_HOURS,
        help_text=f"How many hours a week you can give, honestly ({MIN_HOURS}-{MAX_HOURS}).",
        error_messages={
            "required": "Say how many hours a week you can give.",
            "invalid": "Give a whole number of hours.",
            "min_value": f"Give at least {MIN_HOURS} hour a week.",
            "max_value": f"{MAX_HOURS} hours a week is the most a plan assumes.",
        },
    )
    target_date = forms.DateField(
        label="Target date (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="When you would like to have landed the role. Leave empty if you have no date.",
        error_messages={"invalid": "Give a date like 2027-06-30."},
    )
    skills = TrackSkillsField(
        label="Skills you already have",
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Key actions that need only these skills are marked for you to test out of.",
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(
            attrs={"data-browser-timezone": "", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Your plan's days and reminders follow it, e.g. Europe/Paris.",
        error_messages={"required": "Give your time zone, for example Europe/Paris."},
    )

    def __init__(self, *args, track: Track | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.selected_track = self._selected_track(track)
        skills = self.fields["skills"]
        skills.queryset = (
            self.selected_track.skills.order_by("name")
            if self.selected_track
            else Skill.objects.none()
        )

    def _selected_track(self, fallback: Track | None) -> Track | None:
        """The track whose skills the checklist shows: the one submitted, else the initial."""
        tracks = self.fields["track"].queryset
        slug = self.data.get(self.add_prefix("track")) if self.is_bound else None
        if slug:
            chosen = tracks.filter(slug=slug).first()
            if chosen is not None:
                return chosen
        return fallback or tracks.first()

    def clean_target_date(self) -> date | None:
        target = self.cleaned_data.get("target_date")
        if target is not None and target <= timezone.localdate():
            raise forms.ValidationError("Pick a date in the future, or leave it empty.")
        return target

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        validate_time_zone(zone)
        return zone
