from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Pages show times in each user's zone, cached from log-in and each change of it.
        from edirae import timezones

        timezones.connect_signals()
