"""People: users with a known password, verified the way allauth verifies them."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def verified_user(email: str, **extra) -> User:
    """A user whose address is verified and primary (who can log in)."""
    user = UserFactory(email=email, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
