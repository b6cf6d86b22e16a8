from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edirae.http import AuthedRequest
from reminders import notifications as read_marks
from reminders import preferences as prefs
from reminders import selectors
from reminders.forms import PreferencesForm
from reminders.kinds import registry

NOTIFICATIONS_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    kinds = registry.all()
    preference = selectors.preference_for(user=request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, kinds=kinds)
        if form.is_valid():
            prefs.save_preferences(
                user=request.user,
                hour=form.cleaned_data["hour"],
                time_zone=form.cleaned_data["time_zone"],
                digest=form.cleaned_data["digest"],
                enabled_kinds=form.enabled_kinds(),
            )
            messages.success(request, "Your reminder preferences are saved.")
            return redirect("reminders:preferences")
    else:
        off = selectors.opted_out_kinds(user=request.user)
        form = PreferencesForm(
            kinds=kinds,
            initial={
                "hour": preference.hour,
                # The zone in use: chosen, else the goals' one; blank lets the browser's
                # zone fill it in.
                "time_zone": preference.time_zone or preference.goals_time_zone,
                "digest": preference.digest,
                **{PreferencesForm.kind_field(kind): kind.key not in off for kind in kinds},
            },
        )
    return render(request, "reminders/preferences.html", {"form": form, "preference": preference})


@login_required
@require_POST
def resume_email(request: AuthedRequest) -> HttpResponse:
    prefs.resume_email(user=request.user)
    messages.success(request, f"Reminder emails to {request.user.email} are back on.")
    return redirect("reminders:preferences")


# No login and no CSRF token: the signed token is the credential, the action is harmless and
# idempotent, and mail clients POST here themselves for one-click unsubscribe (RFC 8058).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        unsubscription = prefs.read_unsubscribe_token(token)
    except prefs.InvalidUnsubscribeLink:
        return render(request, "reminders/unsubscribe.html", {"invalid": True}, status=400)
    labels = [
        kind.label if (kind := registry.get(key)) else key.replace("_", " ")
        for key in unsubscription.kinds
    ]
    context = {"labels": labels, "email": unsubscription.user.email, "token": token}
    if request.method == "POST":
        done = prefs.unsubscribe(unsubscription=unsubscription)
        context["state"] = "done" if done else "already"
    else:
        # GET changes nothing (mail scanners follow links): it asks for a click.
        already = prefs.opted_out(unsubscription=unsubscription)
        context["state"] = "already" if already else "confirm"
    return render(request, "reminders/unsubscribe.html", context)


@login_required
@require_GET
def notifications(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(user=request.user), NOTIFICATIONS_PER_PAGE)
    return render(
        request,
        "reminders/notifications.html",
        {"page": page.get_page(request.GET.get("page"))},
    )


@login_required
@require_POST
def mark_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = selectors.get_notification_for(user=request.user, pk=pk)  # 404 if not theirs
    notification = read_marks.mark_read(notification=notification)
    if not request.htmx:
        return redirect("reminders:notifications")
    response = render(
        request, "reminders/notifications.html#notification", {"notification": notification}
    )
    response["HX-Trigger"] = "notifications-changed"
    return response


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    count = read_marks.mark_all_read(user=request.user)
    if not request.htmx:
        if count:
            messages.success(request, "All notifications are marked read.")
        return redirect("reminders:notifications")
    page = Paginator(selectors.notifications_for(user=request.user), NOTIFICATIONS_PER_PAGE)
    response = render(
        request, "reminders/notifications.html#notification-list", {"page": page.get_page(1)}
    )
    response["HX-Trigger"] = "notifications-changed"
    return response


@never_cache
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with the unread count, polled by htmx every minute (`unread_count`: kept)."""
    if not request.user.is_authenticated:
        # Signed out in another tab: 286 tells htmx to stop polling, and nothing is swapped.
        return HttpResponse(status=286)
    return render(request, "reminders/_bell.html#notification-bell")
