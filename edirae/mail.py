"""The embedded mode's mail backend: mail printed in the terminal as a person reads it.

Django's console backend prints the raw MIME message, whose quoted-printable body breaks long
lines with `=` at the end: a verification link comes out as `.../confirm-emai=` + newline +
`l/...` and cannot be used as printed. This backend prints the sender, the recipients, the
subject and the decoded plain-text body instead, so every link stands on one line.
"""

from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class ReadableConsoleBackend(ConsoleBackend):
    def write_message(self, message) -> None:
        lines = [
            "-" * 79,
            f"Mail from {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
            "",
            message.body.rstrip(),
        ]
        alternatives = getattr(message, "alternatives", None) or []
        if alternatives:
            kinds = ", ".join(alternative[1] for alternative in alternatives)
            lines += ["", f"(also sent as {kinds}; the text above is the plain version)"]
        lines += ["-" * 79, ""]
        self.stream.write("\n".join(lines))
