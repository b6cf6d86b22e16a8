"""Reads of the AI mentor, and the lookups that 404 for anyone else's objects."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from accounts.models import User
from ai_mentor.models import MentorConversation, MentorMessage, PracticeAnswer, PreReviewDraft
from mentors.forms import ReviewForm
from mentors.hooks import ReviewAid
from mentors.models import Rubric, SubmissionRound
from quizzes import selectors as quiz_selectors
from quizzes.models import Question
from tracks.models import Phase


def get_conversation_for(*, learner: User, pk: int) -> MentorConversation:
    """The learner's own conversation, or 404 (another's does not exist for them)."""
    return get_object_or_404(
        MentorConversation.objects.select_related("phase__track"), pk=pk, learner=learner
    )


# The panel shows this many messages (the latest); older ones are a page away.
PANEL_MESSAGES = 20


@dataclass(frozen=True)
class Conversation:
    phase: Phase
    conversation_id: int | None
    messages: list[MentorMessage]  # oldest first
    has_older: bool = False  # messages before the first one shown exist
    before: int | None = None  # the page shows messages older than this message id

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].pk if self.messages else None


def conversation_about(
    *, learner: User, phase: Phase, before: int | None = None, limit: int = PANEL_MESSAGES
) -> Conversation:
    """The latest `limit` messages of the learner's conversation about `phase` (those older
    than message `before`, when given), oldest first, and whether older ones exist. One query,
    whose cost and result do not grow with the conversation (an index scan from the end)."""
    rows = MentorMessage.objects.filter(conversation__learner=learner, conversation__phase=phase)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    latest = list(rows.order_by("-id")[: limit + 1])
    messages = latest[:limit][::-1]
    return Conversation(
        phase=phase,
        conversation_id=messages[0].conversation_id if messages else None,
        messages=messages,
        has_older=len(latest) > limit,
        before=before,
    )


def practice_question_for(*, viewer: User, pk: int) -> Question:
    """An active *practice* question of a phase whose Learning Center the viewer may open;
    404 for assessment questions (practice never serves or grades them) and anything else."""
    question = get_object_or_404(
        Question.objects.filter(
            pool=Question.Pool.PRACTICE, is_active=True, quiz__is_active=True
        ).select_related("quiz__phase__track"),
        pk=pk,
    )
    phase = question.quiz.phase
    quiz_selectors.phase_for_learning(
        viewer=viewer, track_slug=phase.track.slug, phase_slug=phase.slug
    )
    return question


def get_practice_answer_for(*, learner: User, pk: int) -> PracticeAnswer:
    """The learner's own practice answer, or 404."""
    return get_object_or_404(
        PracticeAnswer.objects.select_related("question__quiz__phase__track").prefetch_related(
            "question__choices", "question__skills"
        ),
        pk=pk,
        learner=learner,
    )


def pre_review_for(*, round: SubmissionRound | None) -> PreReviewDraft | None:
    """The AI draft of a round, for its mentor's review page only. One query."""
    if round is None:
        return None
    return PreReviewDraft.objects.filter(round=round).first()


@dataclass(frozen=True)
class DraftRow:
    criterion: object
    level: object | None  # the suggested level (None: no suggestion)
    comment: str
    passage: str  # the write-up's words the suggestion rests on

    @property
    def prefill(self) -> bool:
        """Whether the review form may start on the suggested level: only a quoted one at or
        above the criterion's pass level. A failing level is never preselected (a hurried
        mentor would be anchored on it), nor one without evidence from the write-up."""
        return bool(
            self.level is not None
            and self.passage.strip()
            and self.level.score >= self.criterion.pass_score
        )


def draft_rows(*, draft: PreReviewDraft | None, rubric) -> list[DraftRow]:
    """The draft's items matched to the rubric's (prefetched) criteria and levels; items of
    criteria or levels edited away since are left out. No query."""
    if draft is None or rubric is None:
        return []
    items = {item.get("criterion"): item for item in draft.items if isinstance(item, dict)}
    rows = []
    for criterion in rubric.criteria.all():
        item = items.get(criterion.pk)
        if item is None:
            continue
        level = next((lv for lv in criterion.levels.all() if lv.pk == item.get("level")), None)
        rows.append(DraftRow(criterion, level, item.get("comment", ""), item.get("passage", "")))
    return rows


@dataclass(frozen=True)
class PreReviewAid(ReviewAid):
    """The draft on the mentor's review page (registered in `AiMentorConfig.ready`)."""

    draft: PreReviewDraft | None = None
    rows: list[DraftRow] = field(default_factory=list)


def pre_review_aid(*, round: SubmissionRound, rubric: Rubric | None) -> PreReviewAid | None:
    """The AI draft of the round under review, or (with a rubric) the button that asks for one.

    The form starts on the quoted levels at or above the pass level and, when a model wrote
    the draft, on its comments as feedback. One query.
    """
    draft = pre_review_for(round=round)
    if draft is None and rubric is None:
        return None
    rows = draft_rows(draft=draft, rubric=rubric)
    initial: dict[str, object] = {
        ReviewForm.field_name(row.criterion): row.level.pk for row in rows if row.prefill
    }
    if draft is not None and draft.backend != "local":
        initial["feedback"] = "\n\n".join(
            f"**{row.criterion.title}**: {row.comment}" for row in rows if row.comment
        )
    return PreReviewAid(
        template="ai_mentor/review_draft.html",
        criterion_template="ai_mentor/review_suggestion.html",
        level_template="ai_mentor/review_level_badge.html",
        initial=initial,
        draft=draft,
        rows=rows,
    )
