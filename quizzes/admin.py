from django import forms
from django.contrib import admin
from django.db.models import Count, Q

from quizzes.models import (
    Attempt,
    Card,
    Choice,
    Deck,
    Question,
    Quiz,
    ReviewLog,
    SkillMastery,
    SkillParameters,
)
from quizzes.rules import bank_problem, choice_problems, sentence


class QuestionInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        assessment = sum(
            1
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("is_active")
            and form.cleaned_data.get("pool") == Question.Pool.ASSESSMENT
        )
        # Fresh draws need a bank of BANK_FACTOR x the draw (quizzes.rules.bank_problem).
        problem = bank_problem(
            title=self.instance.title,
            questions_per_attempt=self.instance.questions_per_attempt or 0,
            bank=assessment,
        )
        if self.instance.is_active and problem:
            raise forms.ValidationError(sentence(problem))


class QuestionInline(admin.TabularInline):
    model = Question
    formset = QuestionInlineFormSet
    fields = ["order", "key", "kind", "pool", "difficulty", "prompt", "is_active"]
    extra = 0
    show_change_link = True
    ordering = ["order", "id"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "prompt":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 50})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "phase",
        "pass_mark",
        "questions_per_attempt",
        "bank",
        "cooldown_minutes",
        "is_active",
    ]
    list_filter = ["is_active", "phase__track"]
    search_fields = ["title", "phase__title"]
    list_select_related = ["phase__track"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _bank=Count(
                    "questions",
                    filter=Q(questions__is_active=True, questions__pool=Question.Pool.ASSESSMENT),
                )
            )
        )

    @admin.display(description="Assessment bank", ordering="_bank")
    def bank(self, quiz: Quiz) -> int:
        return quiz._bank


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        # The question's own fields are checked by Question.clean (the same rules module).
        problems = choice_problems(
            kind=self.instance.kind, correct=[bool(c.get("correct")) for c in kept]
        )
        if problems:
            raise forms.ValidationError([sentence(problem) for problem in problems])


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ["order", "text", "correct"]
    extra = 0
    ordering = ["order", "id"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "quiz", "kind", "pool", "difficulty", "is_active"]
    list_filter = ["kind", "pool", "difficulty", "is_active", "quiz__phase__track"]
    search_fields = ["prompt", "key", "explanation"]
    list_select_related = ["quiz"]
    filter_horizontal = ["skills"]
    inlines = [ChoiceInline]
    fields = [
        "quiz",
        ("key", "order", "is_active"),
        ("kind", "pool", "difficulty"),
        "prompt",
        "explanation",
        "skills",
        ("answer", "tolerance"),
        "accepted",
    ]


class CardInline(admin.TabularInline):
    model = Card
    fields = ["order", "key", "front", "back", "is_active"]
    extra = 0
    ordering = ["order", "id"]


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ["title", "phase", "is_active"]
    list_filter = ["is_active", "phase__track"]
    list_select_related = ["phase__track"]
    search_fields = ["title"]
    inlines = [CardInline]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["__str__", "deck", "is_active"]
    list_filter = ["is_active", "deck__phase__track"]
    list_select_related = ["deck"]
    search_fields = ["front", "back", "key"]
    filter_horizontal = ["skills"]


@admin.register(SkillParameters)
class SkillParametersAdmin(admin.ModelAdmin):
    list_display = ["skill", "p_init", "p_transit", "p_guess", "p_guess_open", "p_slip"]
    list_editable = ["p_init", "p_transit", "p_guess", "p_guess_open", "p_slip"]
    list_select_related = ["skill"]
    search_fields = ["skill__name", "skill__slug"]
    autocomplete_fields = ["skill"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learners' records are evidence: staff may read them, never edit them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["id", "learner", "quiz", "state", "score", "passed", "started_at"]
    list_filter = ["state", "passed"]
    list_select_related = ["learner", "quiz"]
    search_fields = ["learner__email"]


@admin.register(SkillMastery)
class SkillMasteryAdmin(ReadOnlyAdmin):
    list_display = ["learner", "skill", "p_known", "responses", "distinct_questions"]
    list_select_related = ["learner", "skill"]
    search_fields = ["learner__email", "skill__name"]


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ["learner", "card", "rating", "reviewed_at", "due_after"]
    list_filter = ["rating"]
    list_select_related = ["learner", "card"]
    search_fields = ["learner__email"]
