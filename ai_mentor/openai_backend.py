"""The `openai` backend: any server speaking the OpenAI chat-completions API (hosted, Ollama,
vLLM, llama.cpp), called with the standard library's urllib. Answers are not streamed. Any
timeout, HTTP error or malformed reply raises `BackendUnavailable`; the services then fall back
to `local`. Where a reply cannot be trusted (no passage to ground an answer, a level that does
not exist, a "quote" the learner never wrote) the `local` backend's answer is kept instead.
"""

import json
import re
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings

from ai_mentor import prompts
from ai_mentor.backends import (
    HEADING,
    MIN_QUOTE_WORDS,
    Backend,
    BackendUnavailable,
    CriterionDraft,
    ExplainRequest,
    FeedbackRequest,
    LocalBackend,
    PracticeRequest,
    PreReviewReply,
    PreReviewRequest,
    Reply,
    Usage,
)
from ai_mentor.passages import Passage

CITATION = re.compile(r"\[(\d{1,2})\]")


class OpenAIBackend(Backend):
    """Chat completions over HTTP (JSON, not streamed)."""

    name = "openai"

    def __init__(
        self,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
    ):
        self.base_url = (base_url or settings.EDIRAE_LLM_BASE_URL or "").rstrip("/")
        self.model = model or settings.EDIRAE_LLM_MODEL or ""
        self.api_key = settings.EDIRAE_LLM_API_KEY if api_key is None else api_key
        self.timeout = timeout or settings.EDIRAE_LLM_TIMEOUT

    def complete(self, messages: list[dict], *, json_reply: bool = False) -> tuple[str, Usage]:
        body = {"model": self.model, "messages": messages, "temperature": 0.2, "stream": False}
        if json_reply:
            body["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read(2_000_000))
        except urllib.error.HTTPError as exc:
            raise BackendUnavailable(f"HTTP {exc.code} from the model server") from None
        except TimeoutError:
            raise BackendUnavailable(f"no answer within {self.timeout} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise BackendUnavailable(f"no answer within {self.timeout} s") from None
            raise BackendUnavailable(f"cannot reach the model server: {reason}") from None
        except ValueError:
            raise BackendUnavailable("the model server's reply is not JSON") from None
        try:
            text = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BackendUnavailable("the model server's reply has no message") from None
        if not isinstance(text, str) or not text.strip():
            raise BackendUnavailable("the model server replied with an empty message")
        usage = payload.get("usage") or {}
        return text.strip(), Usage(
            _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens"))
        )

    def _cited(self, text: str, passages: Sequence[Passage]) -> list[Passage]:
        numbers = {int(n) for n in CITATION.findall(text)}
        cited = [p for i, p in enumerate(passages, start=1) if i in numbers]
        return cited or list(passages)

    def explain(self, request: ExplainRequest) -> Reply:
        if not request.passages:
            return LocalBackend().explain(request)  # grounded only: no passage, no call
        text, usage = self.complete(
            prompts.explain_messages(
                question=request.question,
                passages=request.passages,
                phase_label=request.phase_label,
                history=request.history,
            )
        )
        return Reply(text, self._cited(text, request.passages), usage)

    def practice(self, request: PracticeRequest) -> Reply:
        text, usage = self.complete(
            prompts.practice_messages(
                prompt=request.prompt,
                answer=request.answer,
                correct=request.correct,
                explanation=request.explanation,
                passages=request.passages,
            )
        )
        return Reply(text, self._cited(text, request.passages), usage)

    def feedback(self, request: FeedbackRequest) -> Reply:
        if not request.missed_skills:
            return LocalBackend().feedback(request)
        text, usage = self.complete(
            prompts.feedback_messages(
                quiz_title=request.quiz_title,
                missed=request.missed_skills,
                passages=request.passages,
            )
        )
        return Reply(text, self._cited(text, request.passages), usage)

    def pre_review(self, request: PreReviewRequest) -> PreReviewReply:
        text, usage = self.complete(
            prompts.pre_review_messages(
                key_action=request.key_action,
                writeup=request.writeup,
                note=request.note,
                criteria=request.criteria,
            ),
            json_reply=True,
        )
        try:
            data = json.loads(_strip_fence(text))
            raw_items = {int(item["criterion"]): item for item in data["items"]}
        except (ValueError, KeyError, TypeError):
            raise BackendUnavailable("the model's pre-review is not the JSON asked for") from None
        fallback = {d.criterion: d for d in LocalBackend().pre_review(request).items}
        items = []
        for criterion in request.criteria:
            item = raw_items.get(criterion.pk)
            levels = {lv.pk for lv in criterion.levels}
            level = _int(item.get("level")) if isinstance(item, dict) else None
            passage = str(item.get("passage") or "") if isinstance(item, dict) else ""
            if item is None or level not in levels:
                items.append(fallback[criterion.pk])  # missing or invented level
                continue
            comment = str(item.get("comment") or "")[:1000]
            if not is_quote(passage, request.writeup):
                # A suggestion comes with the learner's own words, verbatim, or not at all.
                passage, level = "", None
                comment = (comment + " " if comment else "") + NO_QUOTE
            items.append(CriterionDraft(criterion.pk, level, comment, passage[:500]))
        return PreReviewReply(str(data.get("summary") or "")[:1000], items, usage)


NO_QUOTE = "(The model quoted nothing from the write-up for it: no suggestion.)"


def is_quote(passage: str, writeup: str) -> bool:
    """Whether `passage` is the write-up's own words (spacing aside), a sentence long at
    least, and not one of its headings."""
    flat = " ".join(passage.split())
    if len(flat.split()) < MIN_QUOTE_WORDS - 1:
        return False
    headings = {" ".join(line.lstrip("#*_ ").rstrip("*_ ").split()) for line in writeup.splitlines()
                if HEADING.match(line)}  # fmt: skip
    return flat in " ".join(writeup.split()) and flat not in headings


def _strip_fence(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[4:] if text.startswith("json") else text
    return text


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
