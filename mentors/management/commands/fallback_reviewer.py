from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from mentors.services import make_fallback_reviewer


class Command(BaseCommand):
    help = (
        "Make a staff user a fallback reviewer: they review the evidence of every track that "
        "no active mentor covers. A track asking for approved evidence can be published only "
        "when someone would review it. Safe to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the email {email}: create it first.")
        try:
            make_fallback_reviewer(user=user)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        self.stdout.write(f"{user.email} now reviews evidence of tracks no mentor covers.")
