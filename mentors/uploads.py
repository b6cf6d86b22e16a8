"""Limits on evidence files: how many, how large, which types. Checked before anything is
stored, by the form (for per-field messages) and again by the services."""

from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

# The first bytes of the binary types we accept: a renamed executable is refused.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
TEXT_TYPES = {".txt", ".md", ".ipynb"}


def allowed_extensions() -> list[str]:
    return sorted(settings.EVIDENCE_ALLOWED_FILE_TYPES)


def accept_attribute() -> str:
    """For <input type=file accept=...>: the browser's file picker offers only these."""
    return ",".join(allowed_extensions())


def _head(upload: UploadedFile, size: int = 4096) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def file_problems(files: list[UploadedFile]) -> list[str]:
    """Sentences saying what is wrong with these files; empty when they may be stored."""
    problems: list[str] = []
    if len(files) > settings.EVIDENCE_MAX_FILES:
        problems.append(f"Attach at most {settings.EVIDENCE_MAX_FILES} files.")
    limit = settings.EVIDENCE_MAX_FILE_BYTES
    types = settings.EVIDENCE_ALLOWED_FILE_TYPES
    for upload in files:
        name = PurePath(upload.name or "").name
        extension = PurePath(name).suffix.lower()
        if upload.size is not None and upload.size > limit:
            problems.append(
                f"{name} is {filesizeformat(upload.size)}: files may be at most "
                f"{filesizeformat(limit)}."
            )
            continue
        if extension not in types:
            problems.append(
                f"{name}: this type of file is not accepted. Accepted: "
                f"{', '.join(allowed_extensions())}."
            )
            continue
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        head = _head(upload)
        if content_type not in types[extension] or (
            extension in SIGNATURES and not head.startswith(SIGNATURES[extension])
        ):
            problems.append(f"{name} does not look like a {extension} file.")
            continue
        if extension in TEXT_TYPES:
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as exc:
                # A multi-byte character cut at the end of the sample is fine.
                if exc.start < len(head) - 4:
                    problems.append(f"{name} is not a UTF-8 text file.")
    return problems
