from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from mentors.models import Review, Rubric
from mentors.services import Evidence, failing_criteria, scorable_criteria
from mentors.uploads import accept_attribute, allowed_extensions, file_problems


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept_attribute()}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    """A round of evidence. The link and write-up rules are the pre-checks (services)."""

    url = forms.CharField(
        label="Link",
        required=False,
        max_length=500,
        help_text="A repository, a deployed app or a notebook, starting with https://.",
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/you/project"}),
    )
    writeup = forms.CharField(
        label="Write-up",
        required=False,  # the pre-check says "empty" in its own words
        help_text="Markdown. What you built, how, and what you learned.",
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    note = forms.CharField(
        label="What I want feedback on",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = MultipleFileField(label="Files", required=False)

    def __init__(self, *args, keep_files_choice: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = (
            f"Optional, up to {settings.EVIDENCE_MAX_FILES} files of at most "
            f"{filesizeformat(settings.EVIDENCE_MAX_FILE_BYTES)}: "
            f"{', '.join(allowed_extensions())}."
        )
        if keep_files_choice:
            self.fields["keep_files"] = forms.BooleanField(
                label="Keep the files of the previous round", required=False, initial=True
            )

    def clean_url(self) -> str:
        return self.cleaned_data["url"].strip()

    def clean_files(self):
        files = self.cleaned_data["files"]
        problems = file_problems(files)
        if problems:
            raise forms.ValidationError(problems)
        return files

    def evidence(self) -> Evidence:
        data = self.cleaned_data
        return Evidence(
            url=data["url"],
            writeup=data["writeup"],
            note=data["note"],
            files=data["files"],
            keep_files=data.get("keep_files", False),
        )


class ReviewForm(forms.Form):
    """Scores per criterion (radio buttons of levels), feedback, and the verdict (the button)."""

    feedback = forms.CharField(
        label="Feedback",
        help_text="Markdown. The learner reads this: what is good, and what to change.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write feedback: what is good, and what to change."},
    )
    verdict = forms.ChoiceField(
        choices=Review.Verdict.choices,
        error_messages={
            "required": "Choose a verdict: Approve or Request changes.",
            "invalid_choice": "Choose a verdict: Approve or Request changes (“%(value)s” is "
            "not one).",
        },
    )

    def __init__(self, *args, rubric: Rubric | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = scorable_criteria(rubric)
        for criterion in self.criteria:
            self.fields[self.field_name(criterion)] = forms.TypedChoiceField(
                label=criterion.title,
                coerce=int,
                choices=[(level.pk, level.label) for level in criterion.levels.all()],
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a level for “{criterion.title}”."},
            )

    @staticmethod
    def field_name(criterion) -> str:
        return f"criterion_{criterion.pk}"

    def rows(self):
        """(criterion, bound field, levels) for the template."""
        return [
            (criterion, self[self.field_name(criterion)], list(criterion.levels.all()))
            for criterion in self.criteria
        ]

    def levels(self) -> dict[int, int]:
        return {
            criterion.pk: self.cleaned_data[self.field_name(criterion)]
            for criterion in self.criteria
            if self.cleaned_data.get(self.field_name(criterion)) is not None
        }

    def clean(self):
        data = super().clean()
        if data.get("verdict") == Review.Verdict.APPROVE:
            chosen = {}
            for criterion in self.criteria:
                level_id = data.get(self.field_name(criterion))
                level = next((lv for lv in criterion.levels.all() if lv.pk == level_id), None)
                if level is not None:
                    chosen[criterion.pk] = level
            failing = [
                c for c in failing_criteria(criteria=self.criteria, chosen=chosen) if c.pk in chosen
            ]
            for criterion in failing:
                self.add_error(
                    self.field_name(criterion),
                    f"Below the pass level for approval ({criterion.pass_score}).",
                )
            if failing:
                raise forms.ValidationError(
                    "Approval needs every criterion at or above its pass level. Request "
                    "changes, or raise the scores that are below."
                )
        return data
